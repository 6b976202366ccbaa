import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PhaseLog, RunReporter } from '@prepkit/bench-harness';
import { AbortedError } from '@prepkit/bench-harness/errors';
import { openDuckDB, quoteIdentifier } from '@prepkit/db-cursors';
import { ArrayRecordWriter, MANIFEST_FILE, shardNames, writeManifest } from '@prepkit/record-io';
import type { BuildContext, Writers } from './build-context.js';
import { manifestConfig, resolveBuildOptions, writerOptionsFor } from './build-options.js';
import type { BuildOptions, ResolvedBuildOptions } from './build-options.js';
import { buildPartitioned } from './build-partitioned.js';
import { buildSequential } from './build-sequential.js';
import { duckdbErrorType, duckdbReason, interruptOnAbort, memoryLimitSetting } from './duckdb.js';
import { OutOfMemoryError, OutputExistsError } from './errors.js';
import { describeInput, inputRelation } from './input-schema.js';
import { PACKAGE_VERSION } from './version.js';

export interface SplitSummary {
  /** The split's files: one, or `shards` of them. */
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

/**
 * Groups Parquet measurements per probe, orders each probe's rows by time, and writes one Arrow
 * IPC record per probe to `train.array_record` / `test.array_record` (split by a stable hash of the
 * key), then `manifest.json`. All modes write the same bytes; only speed and memory differ. Files
 * appear under their names only when complete: a failed or aborted run leaves none.
 *
 * @example
 * await buildProbeRows({ input: 'data/*.parquet', output: 'out', groupBy: 'src_addr', orderBy: 'event_time' });
 */
export async function buildProbeRows(options: BuildOptions): Promise<BuildResult> {
  const o = resolveBuildOptions(options);
  const reporter = o.reporter ?? new RunReporter({ name: 'probe-rows build', quiet: true, progress: 'none' });
  const output = resolve(o.output);
  const files = { train: splitFiles(output, 'train', o.shards), test: splitFiles(output, 'test', o.shards) };
  await mkdir(output, { recursive: true });
  if (!o.overwrite) {
    const existing = [...files.train, ...files.test, join(output, MANIFEST_FILE)].find((f) => existsSync(f));
    if (existing !== undefined) throw new OutputExistsError(existing);
  }
  const scratch = await mkdtemp(join(output, '.probe-rows-tmp-'));
  const writerOptions = writerOptionsFor(o.compression);
  const db = await openDuckDB({
    memoryLimit: memoryLimitSetting(o.memoryLimitGb),
    threads: o.threads,
    tempDirectory: scratch,
  });
  const interrupt = interruptOnAbort(db, o.signal);
  const writers: Writers = { train: [], test: [] };
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
    reporter.set('input', { files: o.input, rows: totalRows + nullKeyRows, columns: schema.columns });
    if (nullKeyRows > 0) reporter.count('null_key_rows_dropped', nullKeyRows);
    for (const split of ['train', 'test'] as const) {
      for (const file of files[split])
        writers[split].push(await ArrayRecordWriter.create(file, { options: writerOptions }));
    }
    const phases = new PhaseLog(reporter);
    const context: BuildContext = {
      o,
      db,
      schema,
      source,
      params,
      writerOptions,
      phases,
      scratch,
      totalRows,
      writers,
    };
    const totals = o.mode === 'sequential' ? await buildSequential(context) : await buildPartitioned(context);
    const closed = await Promise.all([...writers.train, ...writers.test].map((w) => w.close()));
    await writeManifest(output, {
      tool: { name: '@prepkit/probe-rows', version: PACKAGE_VERSION },
      config: manifestConfig(o),
      inputs: o.input,
      outputs: closed.map((summary) => ({ path: summary.path, records: summary.records })),
      phases: phases.phases,
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
    await Promise.all([...writers.train, ...writers.test].map((w) => w.abort()));
    throw failure(error, o);
  } finally {
    interrupt[Symbol.dispose]();
    db.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A split's file paths: `train.array_record`, or `train-00000-of-0000N.array_record`… */
function splitFiles(output: string, split: 'train' | 'test', shards: number): string[] {
  const names = shards === 1 ? [`${split}.array_record`] : shardNames(split, shards, 'array_record');
  return names.map((name) => join(output, name));
}

/** What a failed run reports: an interruption as such, DuckDB running out of memory with what to do about it. */
function failure(error: unknown, o: ResolvedBuildOptions): unknown {
  if (o.signal?.aborted === true)
    return error instanceof AbortedError ? error : new AbortedError('probe-rows build', { cause: error });
  if (duckdbErrorType(error) === 'Out of Memory')
    return new OutOfMemoryError(o.memoryLimitGb, duckdbReason(error), { cause: error });
  return error;
}
