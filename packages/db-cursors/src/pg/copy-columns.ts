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
