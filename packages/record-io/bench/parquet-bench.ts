// Parquet zstd: record-io (JS-produced batches → Arrow → parquet-wasm row groups, on 1 and 2
// threads) against DuckDB's COPY of the same rows from its own table, the floor. DuckDB writes other
// bytes (another encoder), so it returns no `outputs`; equality of values is checked separately, by
// DuckDB reading our file against its table. The two record-io variants must write identical bytes.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { runBenchmark } from '@prepkit/bench-harness';
import type { BenchmarkResult, BenchmarkVariant } from '@prepkit/bench-harness';
import { openParquetWriter } from '../src/index.js';
import { BENCH_COLUMNS, createTableSql, generateBatch } from './bench-data.js';

const TABLE = 'bench_rows';

export interface ParquetBenchSettings {
  rows: number;
  rowGroupSize: number;
  warmup: number;
  repeats: number;
  noSave: boolean;
  only?: string[];
}

interface Input {
  dbPath: string;
}

/** Output bytes of each variant's last run, for MB/s. */
export type FileSizes = Map<string, number>;

export async function runParquetBenchmark(
  settings: ParquetBenchSettings,
): Promise<{ result: BenchmarkResult; sizes: FileSizes }> {
  const { rows, rowGroupSize } = settings;
  const sizes: FileSizes = new Map();
  const result = await runBenchmark<Input>({
    package: 'record-io',
    name: `Parquet zstd write, ${rows.toLocaleString('en-US')} rows x (int64, float64, 64 x float32, string)`,
    unit: 'rows',
    async setup(workDir) {
      const dbPath = join(workDir, 'rows.duckdb');
      await withDuckDb(dbPath, (connection) => connection.run(createTableSql(TABLE, rows)));
      return { dbPath };
    },
    variants: [
      duckdbVariant(rows, rowGroupSize, sizes),
      recordIoVariant(rows, rowGroupSize, 1, sizes),
      recordIoVariant(rows, rowGroupSize, 2, sizes),
    ],
    baseline: 'duckdb COPY',
    warmup: settings.warmup,
    repeats: settings.repeats,
    params: { rows, row_group_size: rowGroupSize, compression: 'zstd', threads_duckdb: 2 },
    noSave: settings.noSave,
    ...(settings.only === undefined ? {} : { only: settings.only }),
  });
  return { result, sizes };
}

function duckdbVariant(rows: number, rowGroupSize: number, sizes: FileSizes): BenchmarkVariant<Input> {
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  return {
    name: 'duckdb COPY',
    async before({ dbPath }) {
      instance = await DuckDBInstance.create(dbPath, { threads: '2' });
      connection = await instance.connect();
    },
    after() {
      connection?.closeSync();
      instance?.closeSync();
    },
    async run({ outputDir }) {
      if (connection === undefined) throw new Error('DuckDB not opened');
      const path = join(outputDir, 'duckdb.parquet');
      await connection.run(
        `COPY ${TABLE} TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize})`,
      );
      sizes.set('duckdb COPY', (await stat(path)).size);
      return { items: rows };
    },
  };
}

export function recordIoVariantName(threads: number): string {
  return `record-io, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/** Both thread counts write the same bytes, which the runner checks (DuckDB's file is not compared). */
function recordIoVariant(
  rows: number,
  rowGroupSize: number,
  threads: number,
  sizes: FileSizes,
): BenchmarkVariant<Input> {
  const name = recordIoVariantName(threads);
  return {
    name,
    async run({ outputDir }) {
      // Generating the values is timed too: they are produced in JS, batch by batch, as a pipeline would.
      // Worker start-up (threads > 1) is timed as well: it is part of every write.
      const writer = await openParquetWriter(join(outputDir, 'record-io.parquet'), BENCH_COLUMNS, {
        compression: 'zstd',
        rowGroupSize,
        threads,
      });
      for (let start = 0; start < rows; start += rowGroupSize) {
        await writer.write(generateBatch(start, Math.min(rowGroupSize, rows - start)));
      }
      const { bytes } = await writer.close();
      sizes.set(name, bytes);
      return { items: rows, outputs: ['record-io.parquet'] };
    },
  };
}

/**
 * Writes the first `rows` rows with record-io and counts, in DuckDB, the rows that differ from
 * its table: the evidence that both variants wrote the same values.
 */
export async function checkSameValues(dir: string, rows: number): Promise<number> {
  const dbPath = join(dir, 'check.duckdb');
  const path = join(dir, 'check.parquet');
  const writer = await openParquetWriter(path, BENCH_COLUMNS);
  for (let start = 0; start < rows; start += 65_536) {
    await writer.write(generateBatch(start, Math.min(65_536, rows - start)));
  }
  await writer.close();
  return withDuckDb(dbPath, async (connection) => {
    await connection.run(createTableSql(TABLE, rows));
    const reader = await connection.runAndReadAll(
      `SELECT count(*)::INTEGER AS n FROM ${TABLE} t FULL JOIN read_parquet(${sqlString(path)}) p USING (id)
       WHERE p.x IS DISTINCT FROM t.x OR p.vec::FLOAT[64] IS DISTINCT FROM t.vec OR p.label IS DISTINCT FROM t.label`,
    );
    return Number(reader.getRowObjectsJS()[0]?.n);
  });
}

async function withDuckDb<T>(path: string, use: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await use(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A SQL string literal; our own temporary paths, quoted anyway. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
