/** How a PostgreSQL type is held in a columnar batch. */
export type ColumnKind = 'bool' | 'int32' | 'float64' | 'int64' | 'timestamp' | 'text';

export type ColumnValues = Uint8Array | Int32Array | Float64Array | BigInt64Array | (string | null)[];

export interface CopyColumn {
  readonly name: string;
  /** The PostgreSQL type OID (`pg_type.oid`). */
  readonly typeOid: number;
  /**
   * `bool` → Uint8Array (0/1); `int32` (int2, int4) → Int32Array; `float64` (float4, float8, oid) →
   * Float64Array; `int64` (int8) → BigInt64Array; `timestamp` (timestamp, timestamptz) → Float64Array of
   * milliseconds since the Unix epoch (microseconds kept as fractions); `text` → the text PostgreSQL sent
   * (strings, numerics, dates, arrays, JSON), NULL as `null`.
   */
  readonly kind: ColumnKind;
  readonly values: ColumnValues;
  /** 1 where the value is NULL (typed arrays hold 0 there). */
  readonly nulls: Uint8Array;
}

const KIND_BY_OID = new Map<number, ColumnKind>([
  [16, 'bool'],
  [20, 'int64'],
  [21, 'int32'],
  [23, 'int32'],
  [26, 'float64'],
  [700, 'float64'],
  [701, 'float64'],
  [1114, 'timestamp'],
  [1184, 'timestamp'],
]);

export function columnKind(typeOid: number): ColumnKind {
  return KIND_BY_OID.get(typeOid) ?? 'text';
}

export function allocateValues(kind: ColumnKind, capacity: number): ColumnValues {
  switch (kind) {
    case 'bool':
      return new Uint8Array(capacity);
    case 'int32':
      return new Int32Array(capacity);
    case 'int64':
      return new BigInt64Array(capacity);
    case 'float64':
    case 'timestamp':
      return new Float64Array(capacity);
    case 'text':
      return new Array<string | null>(capacity).fill(null);
  }
}

/** The first `length` values of a column (typed arrays are views, not copies). */
export function sliceValues(values: ColumnValues, length: number): ColumnValues {
  return Array.isArray(values) ? values.slice(0, length) : values.subarray(0, length);
}

/** A column of a COPY result: its name, PostgreSQL type and how it is held. */
export interface ColumnSpec {
  readonly name: string;
  readonly typeOid: number;
  readonly kind: ColumnKind;
}

/**
 * The batch a COPY parser fills: one value array and one null flag array per column, handed out
 * by `take()` when full (or at the end) and replaced by fresh ones.
 */
export class ColumnBatch {
  readonly #columns: readonly ColumnSpec[];
  readonly #capacity: number;
  values: ColumnValues[] = [];
  nulls: Uint8Array[] = [];
  /** Rows filled so far. */
  length = 0;

  constructor(columns: readonly ColumnSpec[], capacity: number) {
    this.#columns = columns;
    this.#capacity = capacity;
    this.#allocate();
  }

  get full(): boolean {
    return this.length === this.#capacity;
  }

  /** The filled rows as columns; the batch starts over empty. */
  take(): CopyColumn[] {
    const length = this.length;
    const batch = this.#columns.map((column, c) => ({
      ...column,
      values: sliceValues(this.values[c]!, length),
      nulls: this.nulls[c]!.subarray(0, length),
    }));
    this.#allocate();
    return batch;
  }

  #allocate(): void {
    this.values = this.#columns.map((column) => allocateValues(column.kind, this.#capacity));
    this.nulls = this.#columns.map(() => new Uint8Array(this.#capacity));
    this.length = 0;
  }
}
