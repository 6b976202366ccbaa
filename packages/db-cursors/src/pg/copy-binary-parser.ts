import { ColumnBatch } from './copy-columns.js';
import type { ColumnSpec, CopyColumn } from './copy-columns.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// PostgreSQL's epoch (2000-01-01) in Unix milliseconds.
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
// Types whose binary form is their UTF-8 text.
const TEXT_OIDS = new Set([25, 1043, 1042, 19, 114, 18]);

/**
 * Parses PostgreSQL's binary COPY format into the same columnar batches as `CopyTextParser`:
 * numbers and timestamps straight from their big-endian bytes, no text round trip. Types
 * without a decoder here (numeric, arrays, jsonb, …) are refused up front by `binaryUnsupported`.
 */
export class CopyBinaryParser {
  readonly #columns: readonly ColumnSpec[];
  #pending: Buffer = Buffer.alloc(0);
  #headerRead = false;
  #done = false;
  readonly #batch: ColumnBatch;
  #rows = 0;

  constructor(columns: readonly ColumnSpec[], batchSize: number) {
    this.#columns = columns;
    this.#batch = new ColumnBatch(columns, batchSize);
  }

  get rowsParsed(): number {
    return this.#rows;
  }

  push(chunk: Buffer): CopyColumn[][] {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let pos = 0;
    const batches: CopyColumn[][] = [];
    if (!this.#headerRead) {
      if (buf.length < 19) {
        this.#pending = buf;
        return batches;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE))
        throw new Error('not PostgreSQL binary COPY data (bad signature)');
      pos = 19 + buf.readInt32BE(15);
      this.#headerRead = true;
    }
    while (!this.#done) {
      const end = this.#tupleEnd(buf, pos);
      if (end < 0) break;
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        this.#done = true;
        pos += 2;
        break;
      }
      if (fields !== this.#columns.length)
        throw new Error(
          `COPY row ${this.#rows + 1} has ${fields} field(s), expected ${this.#columns.length}`,
        );
      let at = pos + 2;
      for (let c = 0; c < fields; c++) {
        const size = buf.readInt32BE(at);
        at += 4;
        if (size < 0) this.#batch.nulls[c]![this.#batch.length] = 1;
        else {
          this.#store(c, buf, at, size);
          at += size;
        }
      }
      pos = end;
      this.#batch.length++;
      this.#rows++;
      if (this.#batch.full) batches.push(this.#batch.take());
    }
    this.#pending = buf.subarray(pos);
    return batches;
  }

  finish(): CopyColumn[] | undefined {
    if (!this.#done) throw new Error(`COPY data ended inside row ${this.#rows + 1}`);
    return this.#batch.length > 0 ? this.#batch.take() : undefined;
  }

  /** Where the tuple starting at `pos` ends, or -1 if the buffer does not hold all of it yet. */
  #tupleEnd(buf: Buffer, pos: number): number {
    if (pos + 2 > buf.length) return -1;
    const fields = buf.readInt16BE(pos);
    if (fields === -1) return pos + 2;
    let at = pos + 2;
    for (let c = 0; c < fields; c++) {
      if (at + 4 > buf.length) return -1;
      const size = buf.readInt32BE(at);
      at += 4 + Math.max(size, 0);
      if (at > buf.length) return -1;
    }
    return at;
  }

  #store(c: number, buf: Buffer, at: number, size: number): void {
    const spec = this.#columns[c]!;
    const values = this.#batch.values[c]!;
    const row = this.#batch.length;
    switch (spec.kind) {
      case 'bool':
        (values as Uint8Array)[row] = buf[at]!;
        return;
      case 'int32':
        (values as Int32Array)[row] = size === 2 ? buf.readInt16BE(at) : buf.readInt32BE(at);
        return;
      case 'int64':
        (values as BigInt64Array)[row] = buf.readBigInt64BE(at);
        return;
      case 'float64':
        if (size === 8) (values as Float64Array)[row] = buf.readDoubleBE(at);
        else if (spec.typeOid === 26) (values as Float64Array)[row] = buf.readUInt32BE(at);
        else (values as Float64Array)[row] = shortestFloat32(buf.readFloatBE(at));
        return;
      case 'timestamp':
        (values as Float64Array)[row] = PG_EPOCH_MS + Number(buf.readBigInt64BE(at)) / 1000;
        return;
      case 'text':
        (values as (string | null)[])[row] = buf.toString('utf8', at, at + size);
        return;
    }
  }
}

/**
 * The shortest decimal that reads back as the same float32, as a number: what PostgreSQL prints
 * for a real (and so what the text format gives), rather than the float32's exact binary value.
 */
function shortestFloat32(value: number): number {
  if (!Number.isFinite(value)) return value;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

/** The columns binary COPY cannot be read for here: their binary form needs a decoder we do not have. */
export function binaryUnsupported(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => c.kind === 'text' && !TEXT_OIDS.has(c.typeOid));
}
