import { ColumnBatch } from './copy-columns.js';
import type { ColumnSpec, CopyColumn } from './copy-columns.js';

const TAB = 9;
const NEWLINE = 10;
const BACKSLASH = 92;

/**
 * Parses PostgreSQL's COPY text format (tab-separated, `\N` for NULL, backslash escapes) from
 * arbitrary chunks into columnar batches of `batchSize` rows. Fields are decoded straight from the
 * bytes: numbers without an intermediate string where possible, escapes only where a backslash is.
 */
export class CopyTextParser {
  readonly #columns: readonly ColumnSpec[];
  #leftover: Buffer | undefined;
  readonly #batch: ColumnBatch;
  #line = 0;

  constructor(columns: readonly ColumnSpec[], batchSize: number) {
    this.#columns = columns;
    this.#batch = new ColumnBatch(columns, batchSize);
  }

  /** Rows parsed so far (a 1-based line number for errors is `rowsParsed + 1`). */
  get rowsParsed(): number {
    return this.#line;
  }

  /** Feeds one chunk; returns the batches it completed. */
  push(chunk: Buffer): CopyColumn[][] {
    const buf = this.#leftover === undefined ? chunk : Buffer.concat([this.#leftover, chunk]);
    const batches: CopyColumn[][] = [];
    let pos = 0;
    const nextTab = forwardFinder(buf, TAB);
    const nextBackslash = forwardFinder(buf, BACKSLASH);
    for (;;) {
      const end = buf.indexOf(NEWLINE, pos);
      if (end < 0) break;
      this.#parseRow(buf, pos, end, nextTab, nextBackslash);
      pos = end + 1;
      if (this.#batch.full) batches.push(this.#batch.take());
    }
    this.#leftover = pos < buf.length ? buf.subarray(pos) : undefined;
    return batches;
  }

  /** Ends the input; returns the last, partial batch (if any). */
  finish(): CopyColumn[] | undefined {
    if (this.#leftover !== undefined && this.#leftover.length > 0) {
      throw new Error(`COPY data ended inside row ${this.#line + 1} (no final newline)`);
    }
    return this.#batch.length > 0 ? this.#batch.take() : undefined;
  }

  #parseRow(buf: Buffer, start: number, end: number, nextTab: Finder, nextBackslash: Finder): void {
    const row = this.#batch.length;
    const last = this.#columns.length - 1;
    let fieldStart = start;
    for (let c = 0; c <= last; c++) {
      const tab = nextTab(fieldStart);
      const fieldEnd = c === last ? end : tab;
      if ((c < last && tab > end) || (c === last && tab < end)) {
        const found = buf.subarray(start, end).toString('latin1').split('\t').length;
        throw new Error(`COPY row ${this.#line + 1} has ${found} field(s), expected ${this.#columns.length}`);
      }
      if (
        fieldEnd === fieldStart + 2 &&
        buf[fieldStart] === BACKSLASH &&
        buf[fieldStart + 1] === 78 /* N */
      ) {
        this.#batch.nulls[c]![row] = 1;
      } else {
        this.#store(c, row, buf, fieldStart, fieldEnd, nextBackslash(fieldStart) < fieldEnd);
      }
      fieldStart = fieldEnd + 1;
    }
    this.#batch.length++;
    this.#line++;
  }

  #store(c: number, row: number, buf: Buffer, start: number, end: number, escaped: boolean): void {
    const values = this.#batch.values[c]!;
    switch (this.#columns[c]!.kind) {
      case 'int32':
        (values as Int32Array)[row] = parseInteger(buf, start, end);
        return;
      case 'float64':
        (values as Float64Array)[row] = Number(buf.toString('latin1', start, end));
        return;
      case 'int64':
        (values as BigInt64Array)[row] =
          end - start < 16
            ? BigInt(parseInteger(buf, start, end))
            : BigInt(buf.toString('latin1', start, end));
        return;
      case 'bool':
        (values as Uint8Array)[row] = buf[start] === 116 /* t */ ? 1 : 0;
        return;
      case 'timestamp':
        (values as Float64Array)[row] = parseTimestamp(buf, start, end);
        return;
      case 'text':
        (values as (string | null)[])[row] = escaped
          ? unescapeText(buf, start, end)
          : buf.toString('utf8', start, end);
        return;
    }
  }
}

type Finder = (from: number) => number;

/**
 * The position of the next `byte` at or after `from` (Infinity if none). Calls must not go
 * backwards; each byte is scanned once per buffer, so a row with no tabs or backslashes left
 * never rescans the rest of the buffer.
 */
function forwardFinder(buf: Buffer, byte: number): Finder {
  let found = buf.indexOf(byte);
  return (from) => {
    if (found >= 0 && found < from) found = buf.indexOf(byte, from);
    return found < 0 ? Number.POSITIVE_INFINITY : found;
  };
}

/** A decimal integer (optionally signed) of at most 15 digits, read from bytes. */
function parseInteger(buf: Buffer, start: number, end: number): number {
  let i = start;
  let sign = 1;
  if (buf[i] === 45 /* - */) {
    sign = -1;
    i++;
  }
  let n = 0;
  for (; i < end; i++) n = n * 10 + (buf[i]! - 48);
  return sign * n;
}

function digits(buf: Buffer, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + (buf[i]! - 48);
  return n;
}

/**
 * `2024-03-01 12:34:56.789012+05:30` (DateStyle ISO) → epoch milliseconds, microseconds as the
 * fraction. A timestamp without a zone is taken as UTC. `infinity` maps to ±Infinity.
 */
export function parseTimestamp(buf: Buffer, start: number, end: number): number {
  if (buf[start] === 105 /* i */) return Number.POSITIVE_INFINITY;
  if (buf[start] === 45 /* - */ && buf[start + 1] === 105) return Number.NEGATIVE_INFINITY;
  const text = buf.toString('latin1', start, end);
  if (text.endsWith(' BC') || text.indexOf('-') > 4 || start + 19 > end) {
    throw new Error(`unsupported timestamp "${text}" (years before 1 AD or after 9999 are not supported)`);
  }
  let ms = Date.UTC(
    digits(buf, start, 4),
    digits(buf, start + 5, 2) - 1,
    digits(buf, start + 8, 2),
    digits(buf, start + 11, 2),
    digits(buf, start + 14, 2),
    digits(buf, start + 17, 2),
  );
  let i = start + 19;
  if (buf[i] === 46 /* . */) {
    let fraction = 0;
    let scale = 1000;
    for (i++; i < end && buf[i]! >= 48 && buf[i]! <= 57; i++) {
      scale /= 10;
      fraction += (buf[i]! - 48) * scale;
    }
    ms += fraction;
  }
  if (i < end) {
    const sign = buf[i] === 45 ? -1 : 1;
    const hours = digits(buf, i + 1, 2);
    const minutes = i + 3 < end && buf[i + 3] === 58 ? digits(buf, i + 4, 2) : 0;
    const seconds = i + 6 < end && buf[i + 6] === 58 ? digits(buf, i + 7, 2) : 0;
    ms -= sign * ((hours * 60 + minutes) * 60 + seconds) * 1000;
  }
  return ms;
}

const ESCAPES: Record<number, number> = { 98: 8, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };

/** Undoes COPY text escaping: `\t \n \r \b \f \v \\`, octal `\ooo` and hex `\xhh` bytes. */
export function unescapeText(buf: Buffer, start: number, end: number): string {
  const out = Buffer.allocUnsafe(end - start);
  let o = 0;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b !== BACKSLASH || i + 1 >= end) {
      out[o++] = b;
      continue;
    }
    const next = buf[++i]!;
    const simple = ESCAPES[next];
    if (simple !== undefined) {
      out[o++] = simple;
    } else if (next >= 48 && next <= 55) {
      let value = next - 48;
      for (let k = 0; k < 2 && i + 1 < end && buf[i + 1]! >= 48 && buf[i + 1]! <= 55; k++)
        value = value * 8 + (buf[++i]! - 48);
      out[o++] = value & 0xff;
    } else if (next === 120 /* x */ && i + 1 < end && isHex(buf[i + 1]!)) {
      let value = hexValue(buf[++i]!);
      if (i + 1 < end && isHex(buf[i + 1]!)) value = value * 16 + hexValue(buf[++i]!);
      out[o++] = value;
    } else {
      out[o++] = next;
    }
  }
  return out.toString('utf8', 0, o);
}

function isHex(b: number): boolean {
  return (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70);
}

function hexValue(b: number): number {
  return b <= 57 ? b - 48 : (b | 32) - 87;
}
