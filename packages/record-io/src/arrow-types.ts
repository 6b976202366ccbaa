import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  TimeUnit,
  Timestamp,
  Utf8,
} from 'apache-arrow';
import type { DataType } from 'apache-arrow';

/** The column types prepkit moves between DuckDB, Parquet, ArrayRecord records and typed arrays. */
export type ColumnType =
  'bool' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'utf8' | 'timestamp' | 'float32-list';

export interface ColumnTypeSpec {
  readonly type: ColumnType;
  /** `timestamp`: unit of the BigInt64 values. Default: 'us'. */
  readonly unit?: 'ms' | 'us' | 'ns';
  /** `timestamp`: the zone (an instant, e.g. 'UTC'), or null/absent for a zone-less timestamp. */
  readonly timezone?: string | null;
  /** `float32-list`: values per row. */
  readonly listSize?: number;
}

const TIME_UNITS = { ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND, ns: TimeUnit.NANOSECOND } as const;

/** The Arrow type of a column type: the one mapping every package uses. Callers validate first. */
export function arrowTypeFor(spec: ColumnTypeSpec): DataType {
  switch (spec.type) {
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
    case 'utf8':
      return new Utf8();
    case 'timestamp':
      return new Timestamp(TIME_UNITS[spec.unit ?? 'us'], spec.timezone ?? null);
    case 'float32-list':
      return new FixedSizeList(spec.listSize ?? 1, new Field('item', new Float32(), false));
  }
}
