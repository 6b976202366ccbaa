/** What replaces a secret. */
export const REDACTED = '***';

// Keys whose values are secrets whatever they hold, matched on the lower-cased key without
// separators (`api_key`, `apiKey` and `API-KEY` all read `apikey`). "token" only at the end, so that
// ML settings like `maxTokens` or `tokenizer` stay readable while `hfToken` is masked.
const SECRET_KEY =
  /password|passwd|passphrase|secret|apikey|accesskey|privatekey|credential|authori[sz]ation|token$/;
const SECRET_KEY_NAMES = new Set(['pass', 'pwd', 'auth']);
// user:password@ in anything URL-shaped (postgres://, https://, mongodb+srv://, …).
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]*)@/gi;
// ?password=…&token=… query parameters and key=value pairs in connection strings.
const SECRET_PARAM =
  /([?&;\s]|^)((?:password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|sslpassword)=)([^&;\s]*)/gi;

/**
 * A deep copy of `value` with secrets masked: the value of every key that names a secret
 * (`password`, `secret`, `token`, `apiKey`, …) and the password in every URL-looking string
 * (`postgres://user:***@host/db`). Used for the configuration a manifest records.
 *
 * @example
 * redactSecrets({ url: 'postgres://me:hunter2@db/x', apiKey: 'k' });
 * // { url: 'postgres://me:***@db/x', apiKey: '***' }
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

/** `text` with URL passwords and `password=…`-style parameters masked. */
export function redactString(text: string): string {
  return text
    .replace(URL_PASSWORD, (_, prefix: string) => `${prefix}${REDACTED}@`)
    .replace(SECRET_PARAM, (_, lead: string, key: string) => `${lead}${key}${REDACTED}`);
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value instanceof URL) return redactString(value.href);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value].map(([k, v]) => [String(k), isSecretKey(String(k)) ? mask(v) : redactValue(v, seen)]),
    );
  }
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSecretKey(key) ? mask(item) : redactValue(item, seen);
  }
  return out;
}

function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEY_NAMES.has(normalised) || SECRET_KEY.test(normalised);
}

/** Masks a secret but keeps "not set" visible: `null`/`undefined`/`''` stay as they are. */
function mask(value: unknown): unknown {
  return value === undefined || value === null || value === '' ? value : REDACTED;
}
