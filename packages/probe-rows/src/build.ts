import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunReporter } from '@prepkit/bench-harness';
import { openDuckDB, quoteIdentifier } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { ArrayRecordWriter, dealEncoded, shardNames, writeManifest } from '@prepkit/record-io';
import { WorkerPool } from '@prepkit/worker-pool';
import { resolveBuildOptions, writerOptionsFor } from './build-options.js';
import type { BuildOptions, ResolvedBuildOptions } from './build-options.js';
import { ColumnBuilder } from './column-builder.js';
import { describeInput, inputRelation } from './input-schema.js';
import type { InputSchema } from './input-schema.js';
import { IpcRecordEncoder } from './ipc-record-encoder.js';
import { unpackResult } from './partition-task.js';
import type { PartitionTask } from './partition-task.js';
import { encodeProbes } from './probe-encoding.js';
import { orderList, selectList } from './sorted-sql.js';
import { PACKAGE_VERSION } from './version.js';

export interface SplitSummary {
  /** The split's files: one, or `--shards` of them. */
  readonly files: readonly string[];
  readonly probes: number;
  readonly measurements: number;
}

export interface BuildResult {
  readonly mode: ResolvedBuildOptions['mode'];
  readonly train: SplitSummary;
  readonly test: SplitSummary;
  /** Rows whose group key is NULL: dropped, and counted here. */
  readonly nullKeyRows: number;
  readonly minRecordBytes: number;
  readonly maxRecordBytes: number;
}

interface Totals {
  trainProbes: number;
  testProbes: number;
  trainRows: number;
  testRows: number;
  minRecordBytes: number;
  maxRecordBytes: number;
}

/**
 * Groups Parquet measurements per probe, orders each probe's rows by time, and writes one Arrow
 * IPC record per probe to `train.array_record` / `test.array_record` (split by a stable hash of the
 * key), with `manifest.json`. All modes write the same bytes; only speed and memory differ.
 *
 * @example
 * await buildProbeRows({ input: 'data/*.parquet', output: 'out', groupBy: 'src_addr', orderBy: 'event_time' });
 */
export async function buildProbeRows(options: BuildOptions, reporter?: RunReporter): Promise<BuildResult> {
  const o = resolveBuildOptions(options);
  const report = reporter ?? new RunReporter({ name: 'probe-rows build', quiet: true, progress: 'none' });
  const output = resolve(o.output);
  await mkdir(output, { recursive: true });
  const scratch = join(output, `.probe-rows-tmp-${process.pid}`);
  await mkdir(scratch, { recursive: true });
  const writerOptions = writerOptionsFor(o.compression);
  const db = await openDuckDB({
    memoryLimit: `${o.memoryLimitGb}GB`,
    threads: o.workers,
    tempDirectory: scratch,
  });
  const names = (split: 'train' | 'test') =>
    o.shards === 1 ? [`${split}.array_record`] : shardNames(split, o.shards, 'array_record');
  const files = {
    train: names('train').map((n) => join(output, n)),
    test: names('test').map((n) => join(output, n)),
  };
  let writers: Writers | undefined;
  try {
    const schema = await describeInput(db, o.input, o.groupBy, o.orderBy);
    const { sql: source, params } = inputRelation(o.input);
    const key = quoteIdentifier(schema.groupBy);
    const [counts] = await db.rows(
      `SELECT count(*) FILTER (WHERE ${key} IS NULL) AS null_keys, count(*) AS total FROM ${source}`,
      params,
    );
    const nullKeyRows = Number(counts?.null_keys ?? 0);
    const totalRows = Number(counts?.total ?? 0) - nullKeyRows;
    report.set('input', { files: o.input, rows: totalRows + nullKeyRows, columns: schema.columns });
    if (nullKeyRows > 0) report.count('null_key_rows_dropped', nullKeyRows);
    writers = { train: [], test: [] };
    for (const split of ['train', 'test'] as const) {
      for (const file of files[split])
        writers[split].push(await ArrayRecordWriter.create(file, { options: writerOptions }));
    }
    const context = { o, db, schema, source, params, writerOptions, report, scratch, totalRows, writers };
    const totals = o.mode === 'sequential' ? await runSequential(context) : await runPartitioned(context);
    const closed = await Promise.all([...writers.train, ...writers.test].map((w) => w.close()));
    await writeManifest(output, {
      tool: { name: '@prepkit/probe-rows', version: PACKAGE_VERSION },
      config: { ...o, signal: undefined, input: o.input, writerOptions },
      inputs: o.input,
      outputs: closed.map((summary) => ({ path: summary.path, records: summary.records })),
      phases: [],
    });
    return {
      mode: o.mode,
      train: { files: files.train, probes: totals.trainProbes, measurements: totals.trainRows },
      test: { files: files.test, probes: totals.testProbes, measurements: totals.testRows },
      nullKeyRows,
      minRecordBytes: Number.isFinite(totals.minRecordBytes) ? totals.minRecordBytes : 0,
      maxRecordBytes: totals.maxRecordBytes,
    };
  } catch (error) {
    await Promise.all([...(writers?.train ?? []), ...(writers?.test ?? [])].map((w) => w.abort()));
    throw error;
  } finally {
    db.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

interface RunContext {
  readonly o: ResolvedBuildOptions;
  readonly db: DuckDB;
  readonly schema: InputSchema;
  readonly source: string;
  readonly params: string[];
  readonly writerOptions: string;
  readonly report: RunReporter;
  readonly scratch: string;
  readonly totalRows: number;
  readonly writers: Writers;
}

/** One writer per shard of each split. */
interface Writers {
  train: ArrayRecordWriter[];
  test: ArrayRecordWriter[];
}

function emptyTotals(): Totals {
  return {
    trainProbes: 0,
    testProbes: 0,
    trainRows: 0,
    testRows: 0,
    minRecordBytes: Infinity,
    maxRecordBytes: 0,
  };
}

/** The baseline: one query per probe, encoded on this thread, as the original did. */
async function runSequential(c: RunContext): Promise<Totals> {
  const key = quoteIdentifier(c.schema.groupBy);
  const keys = await c.db.rows(
    `SELECT DISTINCT ${key} AS k FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY k`,
    c.params,
  );
  const encoder = new IpcRecordEncoder(c.schema.columns);
  const perProbe = `SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} = $${c.params.length + 1} ORDER BY ${orderList(c.schema)}`;
  const totals = emptyTotals();
  await c.report.phase(
    'encode',
    async (phase) => {
      phase.setTotal(keys.length);
      for (const { k } of keys) {
        c.o.signal?.throwIfAborted();
        const builders = c.schema.columns.map((spec) => new ColumnBuilder(spec, 64));
        for await (const chunk of c.db.stream(perProbe, [...c.params, k!]))
          appendChunk(builders, chunk.columns());
        const probes = encodeProbes(
          builders.map((b) => b.finish()),
          encoder,
          c.o,
        );
        // Shards are dealt round-robin by the split's record index, as in the partitioned modes.
        for (const [i, record] of probes.train.entries()) {
          await c.writers.train[(totals.trainProbes + i) % c.writers.train.length]!.write(record);
        }
        for (const [i, record] of probes.test.entries()) {
          await c.writers.test[(totals.testProbes + i) % c.writers.test.length]!.write(record);
        }
        addTotals(
          totals,
          probes.train.length,
          probes.test.length,
          probes.trainRows,
          probes.testRows,
          probes.minRecordBytes,
          probes.maxRecordBytes,
        );
        phase.advance();
      }
    },
    { unit: 'probes' },
  );
  return totals;
}

/** parallel and streaming: ordered partitions of whole probes, encoded on worker threads, appended in order. */
async function runPartitioned(c: RunContext): Promise<Totals> {
  const tasks = c.o.mode === 'streaming' ? await streamingTasks(c) : parallelTasks(c);
  await using pool = new WorkerPool<PartitionTask, ArrayBuffer>({
    filename: workerModule(),
    threads: c.o.workers,
  });
  const totals = emptyTotals();
  await c.report.phase(
    'encode',
    async (phase) => {
      phase.setTotal(c.totalRows);
      for await (const packed of pool.map(tasks, { signal: c.o.signal, transfer: transferList })) {
        const result = unpackResult(packed);
        await writeDealt(c.writers.train, result.train, totals.trainProbes);
        await writeDealt(c.writers.test, result.test, totals.testProbes);
        addTotals(
          totals,
          result.trainProbes,
          result.testProbes,
          result.trainRows,
          result.testRows,
          result.minRecordBytes || Infinity,
          result.maxRecordBytes,
        );
        phase.advance(result.trainRows + result.testRows);
      }
    },
    { unit: 'measurements' },
  );
  return totals;
}

/** Streaming: DuckDB sorts into one Parquet file (spilling under its memory limit); workers read row ranges of it. */
async function streamingTasks(c: RunContext): Promise<Iterable<PartitionTask>> {
  const sorted = join(c.scratch, 'sorted.parquet');
  const key = quoteIdentifier(c.schema.groupBy);
  await c.report.phase('sort', async () => {
    await c.db.run(
      `COPY (SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY ${orderList(c.schema)}) ` +
        `TO '${sorted.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 65536)`,
      c.params,
    );
  });
  // Partition ends at probe boundaries, about partitionRows apart: the last probe whose running row
  // count falls in each multiple of partitionRows. Computed in DuckDB, so only the ends come back.
  const ends = await c.report.phase('plan', () =>
    c.db.rows(
      `WITH counts AS (SELECT ${key} AS k, count(*) AS n FROM read_parquet($1) GROUP BY k),
            running AS (SELECT sum(n) OVER (ORDER BY k ASC NULLS LAST ROWS UNBOUNDED PRECEDING) AS upto FROM counts)
       SELECT max(upto) AS row_end FROM running GROUP BY (upto - 1) // ${c.o.partitionRows} ORDER BY row_end`,
      [sorted],
    ),
  );
  const tasks: PartitionTask[] = [];
  let offset = 0;
  for (const { row_end } of ends) {
    const end = Number(row_end);
    tasks.push(task(c, { kind: 'parquet', path: sorted, offset, limit: end - offset }));
    offset = end;
  }
  return tasks;
}

/** Parallel: one sorted query streamed into memory, cut into partitions of whole probes. */
async function* parallelTasks(c: RunContext): AsyncGenerator<PartitionTask> {
  const key = quoteIdentifier(c.schema.groupBy);
  const query = `SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY ${orderList(c.schema)}`;
  let builders = c.schema.columns.map((spec) => new ColumnBuilder(spec, c.o.partitionRows));
  let lastKey: unknown;
  for await (const chunk of c.db.stream(query, c.params)) {
    const columns = chunk.columns();
    const keys = columns[0]!;
    for (let row = 0; row < chunk.rowCount; row++) {
      const k = keys[row];
      if (builders[0]!.length >= c.o.partitionRows && !sameValue(k, lastKey)) {
        yield task(c, { kind: 'columns', columns: builders.map((b) => b.finish()) });
        builders = c.schema.columns.map((spec) => new ColumnBuilder(spec, c.o.partitionRows));
      }
      for (let i = 0; i < builders.length; i++) builders[i]!.push(columns[i]![row]);
      lastKey = k;
    }
  }
  if (builders[0]!.length > 0) yield task(c, { kind: 'columns', columns: builders.map((b) => b.finish()) });
}

/** Appends encoded records, dealt round-robin over the shards; `dealt` counts the records before them. */
async function writeDealt(
  writers: readonly ArrayRecordWriter[],
  encoded: ArrayBuffer,
  dealt: number,
): Promise<void> {
  if (writers.length === 1) return writers[0]!.writeEncoded(encoded);
  const hands = dealEncoded(encoded, writers.length, dealt);
  for (let i = 0; i < writers.length; i++) await writers[i]!.writeEncoded(hands[i]!);
}

function task(c: RunContext, source: PartitionTask['source']): PartitionTask {
  return {
    source,
    specs: c.schema.columns,
    writerOptions: c.writerOptions,
    seed: c.o.seed,
    testFraction: c.o.testFraction,
  };
}

/** The column buffers of a task are moved to the worker, not copied. */
function transferList(t: PartitionTask): ArrayBuffer[] {
  if (t.source.kind !== 'columns') return [];
  return t.source.columns.flatMap((col) =>
    [col.values, col.offsets, col.bytes, col.valid]
      .filter((b) => b !== null)
      .map((b) => b.buffer as ArrayBuffer),
  );
}

function appendChunk(builders: ColumnBuilder[], columns: readonly (readonly unknown[])[]): void {
  const rows = columns[0]?.length ?? 0;
  for (let row = 0; row < rows; row++)
    for (let i = 0; i < builders.length; i++) builders[i]!.push(columns[i]![row]);
}

/** Key equality for DuckDB's JS values: timestamps arrive as objects holding `micros`. */
function sameValue(a: unknown, b: unknown): boolean {
  return primitive(a) === primitive(b);
}

function primitive(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'micros' in value
    ? (value as { micros: bigint }).micros
    : value;
}

function addTotals(
  t: Totals,
  trainProbes: number,
  testProbes: number,
  trainRows: number,
  testRows: number,
  min: number,
  max: number,
): void {
  t.trainProbes += trainProbes;
  t.testProbes += testProbes;
  t.trainRows += trainRows;
  t.testRows += testRows;
  t.minRecordBytes = Math.min(t.minRecordBytes, min);
  t.maxRecordBytes = Math.max(t.maxRecordBytes, max);
}

/** The built worker beside this module; from source (tests, benchmarks), its TypeScript original. */
function workerModule(): URL {
  const built = new URL('./partition-worker.js', import.meta.url);
  return existsSync(fileURLToPath(built)) ? built : new URL('./partition-worker.ts', import.meta.url);
}
