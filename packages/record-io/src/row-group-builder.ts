import type { ColumnData, NormalizedBatch, ParquetColumn, Utf8Column } from './parquet-schema.js';
import { widthOf } from './parquet-schema.js';

type Plain = Int32Array | BigInt64Array | Float32Array | Float64Array;
type PlainConstructor = new (length: number) => Plain;

/**
 * Cuts a stream of batches of any sizes into row groups of exactly `size` rows, so that the
 * encoded file does not depend on how the caller batched its rows. Whole row groups inside a batch
 * are views on the caller's arrays (no copy); only rows that straddle batches are copied.
 */
export class RowGroupBuilder {
  readonly #columns: readonly ParquetColumn[];
  readonly #widths: readonly number[];
  readonly #size: number;
  #parts: (ColumnData | undefined)[] = [];
  #textBytes: number[] = [];
  #rows = 0;

  constructor(columns: readonly ParquetColumn[], size: number) {
    this.#columns = columns;
    this.#widths = columns.map(widthOf);
    this.#size = size;
  }

  /** Rows held back, waiting for more to fill a row group. */
  get pending(): number {
    return this.#rows;
  }

  /** The complete row groups that `batch` fills, in order; the rest is kept for the next call. */
  *add(batch: NormalizedBatch): Generator<NormalizedBatch> {
    let from = 0;
    while (from < batch.rows) {
      if (this.#rows === 0 && batch.rows - from >= this.#size) {
        yield this.#slice(batch, from, from + this.#size);
        from += this.#size;
        continue;
      }
      const count = Math.min(this.#size - this.#rows, batch.rows - from);
      this.#copy(batch, from, from + count);
      from += count;
      if (this.#rows === this.#size) yield this.#take();
    }
  }

  /** The last, partial row group, or undefined when nothing is pending. */
  flush(): NormalizedBatch | undefined {
    return this.#rows === 0 ? undefined : this.#take();
  }

  /** A row group of no rows, for the schema of an empty file. */
  empty(): NormalizedBatch {
    const values = this.#columns.map((column, i) =>
      column.type === 'utf8'
        ? { offsets: new Int32Array(1), data: new Uint8Array(0) }
        : allocate(column, 0, this.#widths[i] ?? 1),
    );
    return { rows: 0, values };
  }

  #slice(batch: NormalizedBatch, from: number, to: number): NormalizedBatch {
    const values = batch.values.map((values, i) => {
      if (!isUtf8(values)) return values.subarray(from * (this.#widths[i] ?? 1), to * (this.#widths[i] ?? 1));
      const base = values.offsets[from] ?? 0;
      const end = values.offsets[to] ?? 0;
      const offsets =
        base === 0
          ? values.offsets.subarray(from, to + 1)
          : values.offsets.slice(from, to + 1).map((o) => o - base);
      return { offsets, data: values.data.subarray(base, end) };
    });
    return { rows: to - from, values };
  }

  #copy(batch: NormalizedBatch, from: number, to: number): void {
    batch.values.forEach((source, i) => {
      const column = this.#columns[i] as ParquetColumn;
      if (isUtf8(source)) {
        this.#copyText(i, source, from, to);
        return;
      }
      const width = this.#widths[i] ?? 1;
      const target = (this.#parts[i] ??= allocate(column, this.#size, width)) as Plain;
      // Same element type by construction (both checked against the schema).
      (target as Float64Array).set(
        source.subarray(from * width, to * width) as Float64Array,
        this.#rows * width,
      );
    });
    this.#rows += to - from;
  }

  #copyText(i: number, source: Utf8Column, from: number, to: number): void {
    const base = source.offsets[from] ?? 0;
    const bytes = source.data.subarray(base, source.offsets[to] ?? 0);
    let target = this.#parts[i] as Utf8Column | undefined;
    const used = this.#textBytes[i] ?? 0;
    if (target === undefined || used + bytes.byteLength > target.data.byteLength) {
      const data = new Uint8Array(Math.max(64 * 1024, 2 * (used + bytes.byteLength)));
      if (target !== undefined) data.set(target.data.subarray(0, used));
      target = { offsets: target?.offsets ?? new Int32Array(this.#size + 1), data };
      this.#parts[i] = target;
    }
    target.data.set(bytes, used);
    for (let r = from; r < to; r++) {
      target.offsets[this.#rows + (r - from) + 1] = used + ((source.offsets[r + 1] ?? 0) - base);
    }
    this.#textBytes[i] = used + bytes.byteLength;
  }

  #take(): NormalizedBatch {
    const rows = this.#rows;
    const values = this.#parts.map((part, i) => {
      if (part === undefined) throw new Error('row group column was never filled');
      if (isUtf8(part))
        return {
          offsets: part.offsets.subarray(0, rows + 1),
          data: part.data.subarray(0, this.#textBytes[i]),
        };
      return part.subarray(0, rows * (this.#widths[i] ?? 1));
    });
    // Fresh arrays for the next row group: the taken ones may still be read by the encoder.
    this.#parts = [];
    this.#textBytes = [];
    this.#rows = 0;
    return { rows, values };
  }
}

function allocate(column: ParquetColumn, rows: number, width: number): Plain {
  const types: Record<string, PlainConstructor> = {
    int32: Int32Array,
    int64: BigInt64Array,
    timestamp: BigInt64Array,
    float32: Float32Array,
    float64: Float64Array,
    'float32-list': Float32Array,
  };
  const Type = types[column.type] as PlainConstructor;
  return new Type(rows * width);
}

function isUtf8(values: ColumnData): values is Utf8Column {
  return !ArrayBuffer.isView(values);
}
