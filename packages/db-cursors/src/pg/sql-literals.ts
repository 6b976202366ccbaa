/**
 * Replaces `$1…$n` placeholders with literals quoted by the server's own rules, for the one
 * statement that cannot take bind parameters: `COPY (query) TO STDOUT`. Placeholders inside
 * string literals, quoted identifiers, dollar-quoted strings and comments are left alone.
 */
export function inlineParameters(
  sql: string,
  params: readonly unknown[],
  escapeLiteral: (value: string) => string,
): string {
  if (params.length === 0) return sql;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    const skipTo = skipQuoted(sql, i);
    if (skipTo > i) {
      out += sql.slice(i, skipTo);
      i = skipTo;
    } else if (ch === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      const match = /^\$(\d+)/.exec(sql.slice(i))!;
      const index = Number(match[1]) - 1;
      if (index < 0 || index >= params.length)
        throw new RangeError(`the query uses ${match[0]} but only ${params.length} parameter(s) were given`);
      out += toLiteral(params[index], escapeLiteral);
      i += match[0].length;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** If a quoted string, identifier, dollar-quoted string or comment starts at `i`, where it ends. */
function skipQuoted(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"') {
    let j = i + 1;
    for (; j < sql.length; j++) {
      if (sql[j] === ch) {
        if (sql[j + 1] === ch) j++;
        else return j + 1;
      }
    }
    return sql.length;
  }
  if (ch === '-' && sql[i + 1] === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end;
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  if (ch === '$') {
    const tag = /^\$[A-Za-z_][A-Za-z0-9_]*\$|^\$\$/.exec(sql.slice(i));
    if (tag !== null) {
      const end = sql.indexOf(tag[0], i + tag[0].length);
      return end < 0 ? sql.length : end + tag[0].length;
    }
  }
  return i;
}

function toLiteral(value: unknown, escapeLiteral: (value: string) => string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `'${String(value)}'::float8`;
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (typeof value === 'string') return escapeLiteral(value);
  return escapeLiteral(JSON.stringify(value));
}
