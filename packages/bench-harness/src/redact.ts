// `@prepkit/bench-harness/redact`: the one place that decides what a secret looks like, for every log, error,
// report and manifest prepkit writes.

/** What replaces a secret. */
export const REDACTED = '***';

// user:password@ in anything URL-shaped (postgres://, https://, mongodb+srv://, …).
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;
// password=… in libpq key/value strings and query parameters, quoted or not.
const SECRET_PARAM =
  /([?&;\s]|^)(password|passwd|pwd|secret|token|api[-_]?key|access[-_]?key|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^&;\s]*)/gi;
// Keys whose values are secrets whatever they hold, matched on the lower-cased key without
// separators (`api_key`, `apiKey` and `API-KEY` all read `apikey`). "token" only at the end, so that
// ML settings like `maxTokens` or `tokenizer` stay readable while `hfToken` is masked.
const SECRET_KEY =
  /password|passwd|passphrase|secret|apikey|accesskey|privatekey|credential|authori[sz]ation|token$/;
const SECRET_KEY_NAMES = new Set(['pass', 'pwd', 'auth']);

/**
 * `text` without secrets, before it reaches a log, an error or a report: the password of every URL
 * (`postgresql://user:secret@host` → `postgresql://user:***@host`) and `password=…`-style pairs of libpq
 * key/value strings and query parameters. Pass known secrets too, so that a password echoed anywhere else
 * (a server message, say) is masked as well.
 *
 * @example
 * redact(`cannot connect to ${url}`, [passwordOf(url)]); // "cannot connect to postgresql://app:***@db:5432/x"
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text
    .replace(URL_PASSWORD, `$1:${REDACTED}@`)
    .replace(SECRET_PARAM, (_, lead: string, key: string) => `${lead}${key}=${REDACTED}`);
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join(REDACTED);
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

/**
 * A deep copy of `value` with secrets masked: the value of every key that names a secret
 * (`password`, `secret`, `token`, `apiKey`, …) and every string through `redact`. Used for the
 * configuration a manifest records.
 *
 * @example
 * redactSecrets({ url: 'postgres://me:hunter2@db/x', apiKey: 'k' });
 * // { url: 'postgres://me:***@db/x', apiKey: '***' }
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value instanceof URL) return redact(value.href);
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
