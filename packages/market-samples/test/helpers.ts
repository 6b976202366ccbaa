import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readParquetBatches } from '@prepkit/record-io';
import { main } from '../src/cli/main.js';

interface ColumnLike {
  get(i: number): unknown;
  toArray(): unknown;
}

export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'market-samples-test-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The SHA-256 of a file's bytes, in hex. */
export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Runs the CLI in this process (`main`) with no environment, collecting what it writes. */
export async function runMain(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const code = await main(argv, {
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
    env: {},
  });
  return { code, ...out };
}

export interface SampleRows {
  readonly ticker: string[];
  readonly split: string[];
  readonly barIndex: number[];
  readonly gaps: number[];
  /** One Float32Array per row. */
  readonly features: Float32Array[];
  readonly meta: Float32Array[];
  readonly rewards: Record<string, number[]>;
}

/** Reads a samples file back with parquet-wasm (an independent reader of what record-io wrote). */
export async function readSamples(path: string): Promise<SampleRows> {
  const rows: SampleRows = {
    ticker: [],
    split: [],
    barIndex: [],
    gaps: [],
    features: [],
    meta: [],
    rewards: {},
  };
  for await (const batch of readParquetBatches(path)) {
    const col = (name: string) => batch.getChild(name) as unknown as ColumnLike;
    for (let i = 0; i < batch.numRows; i++) {
      rows.ticker.push(String(col('ticker').get(i)));
      rows.split.push(String(col('split').get(i)));
      rows.barIndex.push(Number(col('bar_index').get(i)));
      rows.gaps.push(Number(col('gaps').get(i)));
      rows.features.push(Float32Array.from(col('features').get(i) as Iterable<number>));
      rows.meta.push(Float32Array.from(col('meta').get(i) as Iterable<number>));
    }
    for (const field of batch.schema.fields) {
      if (!field.name.startsWith('reward_')) continue;
      (rows.rewards[field.name] ??= []).push(...Array.from(col(field.name).toArray() as Float32Array));
    }
  }
  return rows;
}
