// The rows both Parquet writers write: id int64, x float64, vec 64 x float32, label short string.
// Values come from a multiplicative hash that JS (Math.imul) and DuckDB SQL (BIGINT arithmetic)
// compute identically, so the JS batches and DuckDB's table hold the same values, and the floats
// look random (incompressible, like embeddings) rather than flattering the codecs.
import type { ParquetBatch, ParquetColumn } from '../src/index.js';

export const LIST_SIZE = 64;

export const BENCH_COLUMNS: readonly ParquetColumn[] = [
  { name: 'id', type: 'int64' },
  { name: 'x', type: 'float64' },
  { name: 'vec', type: 'float32-list', listSize: LIST_SIZE },
  { name: 'label', type: 'utf8' },
];

const TWO_32 = 4294967296;
const GOLDEN = 0x9e3779b1; // 2654435761

/** (k * 2654435761) mod 2^32, exact for any k below 2^53. */
function hash32(k: number): number {
  return Math.imul(k, GOLDEN) >>> 0;
}

/** Rows `start … start + rows - 1` as a columnar batch, built in JS. */
export function generateBatch(start: number, rows: number): ParquetBatch {
  const id = new BigInt64Array(rows);
  const x = new Float64Array(rows);
  const vec = new Float32Array(rows * LIST_SIZE);
  const label = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const i = start + r;
    id[r] = BigInt(i);
    x[r] = hash32(i) / TWO_32;
    const base = i * LIST_SIZE;
    const at = r * LIST_SIZE;
    for (let j = 0; j < LIST_SIZE; j++) vec[at + j] = hash32(base + j) / TWO_32;
    label[r] = `item-${i % 1000}`;
  }
  return { id, x, vec, label };
}

/** The same rows as a DuckDB table, computed in SQL (BIGINT products stay below 2^63 up to ~50M rows). */
export function createTableSql(table: string, rows: number): string {
  return `CREATE TABLE ${table} AS
    SELECT
      i::BIGINT AS id,
      ((i * 2654435761) % ${TWO_32})::DOUBLE / ${TWO_32} AS x,
      list_transform(range(${LIST_SIZE}), j -> ((((i * ${LIST_SIZE} + j) * 2654435761) % ${TWO_32})::DOUBLE / ${TWO_32})::FLOAT)::FLOAT[${LIST_SIZE}] AS vec,
      'item-' || (i % 1000) AS label
    FROM range(${rows}) r(i)`;
}

/** A JSONL record of about 150 bytes, with some non-ASCII text. */
export function jsonlRecord(i: number): { id: number; text: string; score: number; tags: string[] } {
  return {
    id: i,
    text: `example ${i}: the quick brown fox — naïve café ${hash32(i).toString(36)}`,
    score: hash32(i + 1) / TWO_32,
    tags: ['train', `bucket-${i % 16}`],
  };
}
