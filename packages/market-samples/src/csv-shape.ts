import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

// Why DuckDB could not make sense of a CSV file, in the user's terms. A single short row throws DuckDB's
// dialect sniffer off (it then sees one column named after the whole header line), so the file's shape is
// checked line by line here whenever the read fails or finds no rows.

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Reads `path` and returns one sentence naming what is wrong with its shape, or null when every row has as
 * many fields as the header: "the file is empty (0 bytes)", "the file is empty: a header and no rows",
 * "line 3 has 6 fields, the header has 7 (Date, Open, …)". Quoted fields may hold delimiters and newlines;
 * blank lines are ignored, as DuckDB does.
 */
export async function csvShapeProblem(path: string): Promise<string | null> {
  if ((await stat(path)).size === 0) return `${path}: the file is empty (0 bytes)`;
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let header: string[] | undefined;
  let delimiter = ',';
  let rows = 0;
  let record = '';
  let recordLine = 0;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (record === '' && line.trim() === '') continue;
      if (record === '') recordLine = lineNumber;
      record = record === '' ? line : `${record}\n${line}`;
      if (quotesOpen(record)) continue; // a quoted field runs on to the next line
      const text = record;
      record = '';
      if (header === undefined) {
        delimiter = likelyDelimiter(text);
        header = splitFields(text, delimiter);
        continue;
      }
      rows++;
      const fields = splitFields(text, delimiter).length;
      if (fields !== header.length)
        return `${path} line ${recordLine} has ${fields} field${fields === 1 ? '' : 's'}, the header has ${header.length} (${header.join(', ')})`;
    }
  } finally {
    lines.close();
  }
  if (header === undefined) return `${path}: the file is empty (only blank lines)`;
  if (record !== '') return `${path} line ${recordLine}: a quoted field is never closed`;
  if (rows === 0) return `${path}: the file is empty: a header (${header.join(', ')}) and no rows`;
  return null;
}

function quotesOpen(text: string): boolean {
  let open = false;
  for (const ch of text) if (ch === '"') open = !open;
  return open;
}

function likelyDelimiter(header: string): string {
  let best: string = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const n = splitFields(header, d).length;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/** The fields of one record (quotes removed from quoted fields; `""` inside quotes is one quote). */
function splitFields(record: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i]!;
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field.trim());
      field = '';
    } else field += ch;
  }
  fields.push(field.trim());
  return fields;
}
