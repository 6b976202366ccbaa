import { Field, Float32, RecordBatch, Schema, Struct, makeData } from 'apache-arrow';
import type { Data, DataType, FixedSizeList, Int32, Utf8 } from 'apache-arrow';
import { arrowTypeFor } from './arrow-types.js';
import { InvalidOptionError, ParquetBatchError } from './errors.js';

interface ColumnBase {
  readonly name: string;
  /**
   * Try dictionary encoding for this column. Default: true for `utf8`, false for numbers, where
   * it rarely pays and (measured) halves write speed on high-cardinality floats.
   */
  readonly dictionary?: boolean;
}

/** One column of a Parquet file written by `ParquetWriter`; every column is non-nullable. */
export type ParquetColumn =
  | (ColumnBase & { readonly type: 'int32' | 'int64' | 'float32' | 'float64' | 'utf8' })
  | (ColumnBase & {
      readonly type: 'timestamp';
      /** Unit of the BigInt64Array values. Default: 'us'. */
      readonly unit?: 'ms' | 'us' | 'ns';
      /** Default: 'UTC' (an instant); `null` writes a zone-less local timestamp. */
      readonly timezone?: string | null;
    })
  | {
      readonly name: string;
      /** A fixed-size list of float32 per row (an embedding, a window), from one flat Float32Array. */
      readonly type: 'float32-list';
      readonly listSize: number;
    };

/** Pre-encoded UTF-8 strings (Arrow's layout): row i is `data[offsets[i]..offsets[i+1]]`. */
export interface Utf8Column {
  readonly offsets: Int32Array;
  readonly data: Uint8Array;
}

/**
 * A column's values: `int32` Int32Array, `int64` and `timestamp` BigInt64Array, `float32`
 * Float32Array, `float64` Float64Array, `float32-list` a flat Float32Array of rows x listSize,
 * `utf8` an array of strings or a `Utf8Column`. Typed arrays are wrapped, not copied.
 */
export type ParquetColumnValues =
  Int32Array | BigInt64Array | Float32Array | Float64Array | readonly string[] | Utf8Column;

/** Column name → values; every column of the schema, all with the same number of rows. */
export type ParquetBatch = Readonly<Record<string, ParquetColumnValues>>;

const COLUMN_TYPES = ['int32', 'int64', 'float32', 'float64', 'utf8', 'timestamp', 'float32-list'];

/** Checks a column list and builds its Arrow schema. */
export function arrowSchemaFor(columns: readonly ParquetColumn[]): Schema {
  if (!isArray(columns) || columns.length === 0) {
    throw new InvalidOptionError('a Parquet schema needs at least one column');
  }
  const names = new Set<string>();
  const fields = columns.map((column, i) => {
    if (typeof column?.name !== 'string' || column.name.length === 0) {
      throw new InvalidOptionError(`schema[${i}].name must be a non-empty string`);
    }
    if (names.has(column.name)) throw new InvalidOptionError(`schema has two columns named "${column.name}"`);
    names.add(column.name);
    if (!COLUMN_TYPES.includes(column.type)) {
      throw new InvalidOptionError(
        `schema[${i}].type must be one of ${COLUMN_TYPES.join(', ')} (got ${String(column.type)})`,
      );
    }
    return new Field(column.name, arrowType(column, i), false);
  });
  return new Schema(fields);
}

/** Checks what the type table cannot: a known timestamp unit, a positive list size. */
function arrowType(column: ParquetColumn, i: number): DataType {
  if (column.type === 'timestamp') {
    if (!['ms', 'us', 'ns'].includes(column.unit ?? 'us')) {
      throw new InvalidOptionError(`schema[${i}].unit must be ms, us or ns`);
    }
    return arrowTypeFor({ ...column, timezone: column.timezone === undefined ? 'UTC' : column.timezone });
  }
  if (column.type === 'float32-list' && (!Number.isInteger(column.listSize) || column.listSize < 1)) {
    throw new InvalidOptionError(`schema[${i}].listSize must be a positive integer (got ${column.listSize})`);
  }
  return arrowTypeFor(column);
}

/** One column's values after checks, strings encoded: a typed array or pre-encoded UTF-8. */
export type ColumnData = Int32Array | BigInt64Array | Float32Array | Float64Array | Utf8Column;

/** A checked batch: one `ColumnData` per schema column, in schema order. */
export interface NormalizedBatch {
  readonly rows: number;
  readonly values: readonly ColumnData[];
}

/** Values per row of a column in its flat array (the list size for lists, else 1). */
export function widthOf(column: ParquetColumn): number {
  return column.type === 'float32-list' ? column.listSize : 1;
}

/**
 * Checks every column of `batch` against the schema (missing, extra, wrong type, wrong length) and
 * encodes `string[]` columns once; typed arrays are kept as they are.
 */
export function normalizeBatch(
  path: string,
  columns: readonly ParquetColumn[],
  batch: ParquetBatch,
): NormalizedBatch {
  for (const name of Object.keys(batch)) {
    if (!columns.some((c) => c.name === name)) throw new ParquetBatchError(path, name, 'not in the schema');
  }
  let rows: number | undefined;
  const values = columns.map((column) => {
    const given = batch[column.name];
    if (given === undefined) throw new ParquetBatchError(path, column.name, 'missing from the batch');
    const { data, length } = checkColumn(path, column, given);
    if (rows !== undefined && length !== rows) {
      throw new ParquetBatchError(path, column.name, `has ${length} rows, the batch's first column ${rows}`);
    }
    rows = length;
    return data;
  });
  return { rows: rows ?? 0, values };
}

/** Arrow data over a normalized batch's arrays, without copying them. */
export function recordBatchOf(
  schema: Schema,
  columns: readonly ParquetColumn[],
  batch: NormalizedBatch,
): RecordBatch {
  const children = columns.map((column, i): Data => {
    const type = (schema.fields[i] as Field<DataType>).type;
    const values = batch.values[i] as ColumnData;
    if (column.type === 'utf8') {
      const { offsets, data } = values as Utf8Column;
      return makeData({ type: type as Utf8, length: batch.rows, valueOffsets: offsets, data });
    }
    if (column.type === 'float32-list') {
      const flat = values as Float32Array;
      const child = makeData({ type: new Float32(), length: flat.length, data: flat });
      return makeData({ type: type as FixedSizeList<Float32>, length: batch.rows, child });
    }
    return makeData({ type: type as Int32, length: batch.rows, data: values as Int32Array });
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.rows, children }));
}

/** Checks and wraps a batch as an Arrow record batch (typed arrays are not copied). */
export function recordBatchFrom(
  path: string,
  columns: readonly ParquetColumn[],
  schema: Schema,
  batch: ParquetBatch,
): RecordBatch {
  return recordBatchOf(schema, columns, normalizeBatch(path, columns, batch));
}

function checkColumn(
  path: string,
  column: ParquetColumn,
  values: ParquetColumnValues,
): { data: ColumnData; length: number } {
  const expect = (ok: boolean, what: string): void => {
    if (!ok) throw new ParquetBatchError(path, column.name, `${column.type} values must be ${what}`);
  };
  switch (column.type) {
    case 'int32':
      expect(values instanceof Int32Array, 'an Int32Array');
      break;
    case 'int64':
    case 'timestamp':
      expect(values instanceof BigInt64Array, 'a BigInt64Array');
      break;
    case 'float32':
      expect(values instanceof Float32Array, 'a Float32Array');
      break;
    case 'float64':
      expect(values instanceof Float64Array, 'a Float64Array');
      break;
    case 'float32-list': {
      expect(values instanceof Float32Array, `a flat Float32Array of rows x ${column.listSize}`);
      const flat = values as Float32Array;
      if (flat.length % column.listSize !== 0) {
        throw new ParquetBatchError(
          path,
          column.name,
          `${flat.length} floats is not a multiple of ${column.listSize}`,
        );
      }
      return { data: flat, length: flat.length / column.listSize };
    }
    case 'utf8': {
      const encoded = isArray(values) ? encodeStrings(path, column.name, values) : values;
      expect(isUtf8Column(encoded), 'an array of strings or { offsets: Int32Array, data: Uint8Array }');
      const { offsets, data } = encoded as Utf8Column;
      const first = offsets[0] ?? -1;
      const last = offsets[offsets.length - 1] ?? -1;
      if (offsets.length === 0 || first < 0 || last < first || last > data.length) {
        throw new ParquetBatchError(path, column.name, 'utf8 offsets run outside the data');
      }
      return { data: { offsets, data }, length: offsets.length - 1 };
    }
  }
  const data = values as Int32Array | BigInt64Array | Float32Array | Float64Array;
  return { data, length: data.length };
}

/** Array.isArray without its narrowing to `any[]`. */
function isArray(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function isUtf8Column(values: unknown): values is Utf8Column {
  const v = values as Partial<Utf8Column>;
  return (
    typeof v === 'object' && v !== null && v.offsets instanceof Int32Array && v.data instanceof Uint8Array
  );
}

/** Encodes strings into one buffer: Buffer#write, which is far cheaper than a TextEncoder per string. */
export function encodeStrings(path: string, column: string, values: readonly string[]): Utf8Column {
  let units = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string') {
      throw new ParquetBatchError(
        path,
        column,
        `row ${i} is ${value === null ? 'null' : typeof value}, not a string`,
      );
    }
    units += value.length;
  }
  // A UTF-16 code unit never takes more than 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units).
  if (units * 3 > 0x7fffffff)
    throw new ParquetBatchError(path, column, 'more than 2 GiB of text in one batch');
  const data = Buffer.allocUnsafe(units * 3);
  const offsets = new Int32Array(values.length + 1);
  let position = 0;
  for (let i = 0; i < values.length; i++) {
    position += data.write(values[i] as string, position, 'utf8');
    offsets[i + 1] = position;
  }
  return { offsets, data: data.subarray(0, position) };
}
