import { readParquetBatches } from '@prepkit/record-io';
import type { ParquetBatch, ParquetColumn } from '@prepkit/record-io';
import { MarketSamplesInputError } from './errors.js';

// Reading shard files back row by row, for merge: a cursor per file over its decoded batches (one in
// memory at a time), and a gather that takes each next row from the shard the draws name.

type Values = string[] | Int32Array | BigInt64Array | Float32Array | Float64Array;

interface Decoded {
  readonly rows: number;
  readonly values: readonly Values[];
}

export class ShardCursor {
  readonly path: string;
  readonly #columns: readonly ParquetColumn[];
  readonly #batches: ReturnType<typeof readParquetBatches>;
  #batch: Decoded = { rows: 0, values: [] };
  #row = 0;
  #read = 0;

  constructor(path: string, columns: readonly ParquetColumn[], batchSize: number, signal?: AbortSignal) {
    this.path = path;
    this.#columns = columns;
    this.#batches = readParquetBatches(path, {
      batchSize,
      columns: columns.map((c) => c.name),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  /** Whether `take` has a row without reading the next batch (`load`). */
  get ready(): boolean {
    return this.#row < this.#batch.rows;
  }

  /** The current batch and the row to take from it; call only when `ready`. */
  take(): [Decoded, number] {
    this.#read++;
    return [this.#batch, this.#row++];
  }

  /** Throws when rows are left that no draw asked for (the file is not this build's shard). */
  async assertDone(): Promise<void> {
    const left = this.#batch.rows - this.#row;
    const next = left > 0 ? undefined : await this.#batches.next();
    if (left > 0 || next?.done === false)
      throw new MarketSamplesInputError(
        `${this.path}: holds more rows than the ${this.#read} its build's draws give this shard`,
      );
  }

  async close(): Promise<void> {
    await this.#batches.return(undefined);
  }

  /** Reads the next batch; the file ending here is an input error naming it. */
  async load(): Promise<void> {
    const next = await this.#batches.next();
    if (next.done === true)
      throw new MarketSamplesInputError(
        `${this.path}: ends after ${this.#read} rows; its build's draws give this shard more`,
      );
    const batch = next.value;
    const values = this.#columns.map((column): Values => {
      const vector = batch.getChild(column.name);
      if (vector === null) throw new MarketSamplesInputError(`${this.path}: no column ${column.name}`);
      if (column.type !== 'float32-list') return vector.toArray() as Values;
      const flat = vector.getChildAt(0)?.toArray() as Float32Array | undefined;
      if (flat?.length !== batch.numRows * column.listSize)
        throw new MarketSamplesInputError(
          `${this.path}: column ${column.name} is not ${column.listSize} floats a row`,
        );
      return flat;
    });
    this.#batch = { rows: batch.numRows, values };
    this.#row = 0;
  }
}

/** Row r of the result is the next row of `cursors[sources[r]]`. */
export async function gatherRows(
  columns: readonly ParquetColumn[],
  cursors: readonly ShardCursor[],
  sources: Int32Array,
): Promise<ParquetBatch> {
  const n = sources.length;
  const out = columns.map((column): Values => {
    switch (column.type) {
      case 'utf8':
        return new Array<string>(n);
      case 'int32':
        return new Int32Array(n);
      case 'int64':
      case 'timestamp':
        return new BigInt64Array(n);
      case 'float64':
        return new Float64Array(n);
      case 'float32':
        return new Float32Array(n);
      case 'float32-list':
        return new Float32Array(n * column.listSize);
    }
  });
  for (let r = 0; r < n; r++) {
    const cursor = cursors[sources[r]!]!;
    if (!cursor.ready) await cursor.load();
    const [batch, row] = cursor.take();
    columns.forEach((column, j) => {
      const from = batch.values[j]!;
      const to = out[j]!;
      if (column.type === 'float32-list') {
        const size = column.listSize;
        (to as Float32Array).set((from as Float32Array).subarray(row * size, (row + 1) * size), r * size);
      } else (to as unknown[])[r] = (from as unknown[])[row];
    });
  }
  return Object.fromEntries(columns.map((column, j) => [column.name, out[j]!]));
}
