import type { DataType } from 'apache-arrow';
import {
  Bool,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Schema,
  TimeUnit,
  Timestamp,
  Utf8,
} from 'apache-arrow';

/** How a column is held between DuckDB/Parquet and the per-probe Arrow records. */
export type ColumnKind = 'bool' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'timestamp' | 'utf8';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** For `timestamp` (microseconds): the zone, e.g. `UTC`, or null for a zone-less timestamp. */
  readonly timezone?: string | null;
}

export type FixedValues = Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/**
 * A column of many rows, columnar: fixed-width values in a typed array (bool as one byte per row,
 * timestamps as BigInt64 microseconds), strings as Arrow-style offsets into UTF-8 bytes; `valid`
 * holds one byte per row (1 = present), or is null when no value is missing.
 */
export interface Column extends ColumnSpec {
  readonly values: FixedValues | null;
  readonly offsets: Int32Array | null;
  readonly bytes: Uint8Array | null;
  readonly valid: Uint8Array | null;
}

export function arrowType(spec: ColumnSpec): DataType {
  switch (spec.kind) {
    case 'bool':
      return new Bool();
    case 'int16':
      return new Int16();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'timestamp':
      return new Timestamp(TimeUnit.MICROSECOND, spec.timezone ?? null);
    case 'utf8':
      return new Utf8();
  }
}

export function arrowSchema(specs: readonly ColumnSpec[]): Schema {
  return new Schema(specs.map((spec) => new Field(spec.name, arrowType(spec), true)));
}

/** Bytes per value of a fixed-width kind, as stored in Arrow (bool is bit-packed there). */
export function byteWidth(kind: Exclude<ColumnKind, 'utf8' | 'bool'>): number {
  return { int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, timestamp: 8 }[kind];
}
