/** `options` without its undefined fields, so that spread over defaults they do not hide them. */
export function definedFields<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
