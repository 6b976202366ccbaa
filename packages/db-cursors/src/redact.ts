const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;
const KEY_VALUE_PASSWORD = /\b(password|passwd|pwd)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;]+)/gi;

/**
 * Removes secrets from text before it reaches a log, an error or a report: the password of
 * every URL (`postgresql://user:secret@host` → `postgresql://user:***@host`) and `password=…`
 * pairs of libpq key/value strings and query parameters. Pass known secrets too, so that a
 * password echoed anywhere else (a server message, say) is masked as well.
 *
 * @example
 * redact(`cannot connect to ${url}`); // "cannot connect to postgresql://app:***@db:5432/x"
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(URL_CREDENTIALS, '$1:***@').replace(KEY_VALUE_PASSWORD, '$1=***');
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

/** The password in a connection URL, if any, decoded — to pass to `redact` as a known secret. */
export function passwordOf(connectionString: string): string | undefined {
  try {
    const password = new URL(connectionString).password;
    return password === '' ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}
