import type { PhaseLog } from '@prepkit/bench-harness';
import type { DuckDB } from '@prepkit/db-cursors';
import type { ArrayRecordWriter } from '@prepkit/record-io';
import type { ResolvedBuildOptions } from './build-options.js';
import type { InputSchema } from './input-schema.js';
import type { PartitionTask } from './partition-task.js';

// What the three build modes (build-sequential.ts, build-parallel.ts, build-streaming.ts) are given and give back.

/** One writer per file of each split: all `shards` of them, or the one file of `shard`. */
export interface Writers {
  readonly train: ArrayRecordWriter[];
  readonly test: ArrayRecordWriter[];
}

export interface BuildContext {
  readonly o: ResolvedBuildOptions;
  readonly db: DuckDB;
  readonly schema: InputSchema;
  /** The input relation's SQL and its parameters. */
  readonly source: string;
  readonly params: readonly string[];
  readonly writerOptions: string;
  readonly phases: PhaseLog;
  /** A directory for DuckDB's spill files and the streaming mode's sorted copy; removed at the end. */
  readonly scratch: string;
  /** Rows with a non-NULL key. */
  readonly totalRows: number;
  readonly writers: Writers;
}

export interface Totals {
  trainProbes: number;
  testProbes: number;
  trainRows: number;
  testRows: number;
  minRecordBytes: number;
  maxRecordBytes: number;
}

export function emptyTotals(): Totals {
  return {
    trainProbes: 0,
    testProbes: 0,
    trainRows: 0,
    testRows: 0,
    minRecordBytes: Infinity,
    maxRecordBytes: 0,
  };
}

export function addTotals(t: Totals, more: Totals): void {
  t.trainProbes += more.trainProbes;
  t.testProbes += more.testProbes;
  t.trainRows += more.trainRows;
  t.testRows += more.testRows;
  t.minRecordBytes = Math.min(t.minRecordBytes, more.minRecordBytes);
  t.maxRecordBytes = Math.max(t.maxRecordBytes, more.maxRecordBytes);
}

/** A partition for a worker, with what every partition of the run shares. */
export function partitionTask(c: BuildContext, source: PartitionTask['source']): PartitionTask {
  return {
    source,
    specs: c.schema.columns,
    writerOptions: c.writerOptions,
    seed: c.o.seed,
    testFraction: c.o.testFraction,
    shards: c.writers.train.length,
  };
}
