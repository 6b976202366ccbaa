/**
 * Encodes one value as a field of PostgreSQL's COPY text format: `\N` for NULL, backslash
 * escapes for backslash, tab, newline and carriage return; arrays as array literals
 * (`{1,2,"a b"}`), so `real[]` and `text[]` columns load too; Dates as ISO 8601; Buffers as bytea hex.
 */
export function encodeCopyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  return escapeCopyText(toText(value));
}

/** One COPY text line (with its newline) from a row's values in column order. */
export function encodeCopyRow(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + encodeCopyField(values[i]);
  return `${line}\n`;
}

function toText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isNaN(value)
        ? 'NaN'
        : value === Infinity
          ? 'Infinity'
          : value === -Infinity
            ? '-Infinity'
            : String(value);
    case 'bigint':
      return String(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      if (value instanceof Date) return value.toISOString();
      if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
      if (Array.isArray(value) || ArrayBuffer.isView(value)) return arrayLiteral(value as ArrayLike<unknown>);
      return JSON.stringify(value);
  }
}

function arrayLiteral(values: ArrayLike<unknown>): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts.push('NULL');
    else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !Buffer.isBuffer(v)))
      parts.push(arrayLiteral(v as ArrayLike<unknown>));
    else {
      const text = toText(v);
      parts.push(
        /^[^{}",\\\s]+$/.test(text) && text.toUpperCase() !== 'NULL'
          ? text
          : `"${text.replace(/[\\"]/g, '\\$&')}"`,
      );
    }
  }
  return `{${parts.join(',')}}`;
}

function escapeCopyText(text: string): string {
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPED[c]!) : text;
}

const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
