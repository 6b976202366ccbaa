import type { DataType } from 'apache-arrow';
import type { ColumnType } from '@prepkit/record-io';
import { Field, Schema } from 'apache-arrow';
import { arrowTypeFor } from '@prepkit/record-io';

/** How a column is held between DuckDB/Parquet and the per-probe Arrow records. */
export type ColumnKind = Exclude<ColumnType, 'float32-list'>;

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
  return arrowTypeFor({ type: spec.kind, timezone: spec.timezone ?? null });
}

export function arrowSchema(specs: readonly ColumnSpec[]): Schema {
  return new Schema(specs.map((spec) => new Field(spec.name, arrowType(spec), true)));
}

/** Bytes per value of a fixed-width kind, as stored in Arrow (bool is bit-packed there). */
export function byteWidth(kind: Exclude<ColumnKind, 'utf8' | 'bool'>): number {
  return { int16: 2, int32: 4, int64: 8, float32: 4, float64: 8, timestamp: 8 }[kind];
}
