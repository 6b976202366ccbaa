import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { digestFile } from '@prepkit/bench-harness';
import { openDuckDB } from '@prepkit/db-cursors';
import { defineShardedRun } from '@prepkit/job-queue';
import { ArrayRecordReader, MANIFEST_FILE, readManifest, verify, writeManifest } from '@prepkit/record-io';
import { buildProbeRows } from './build.js';
import { resolveBuildOptions } from './build-options.js';
import type { BuildMode, BuildOptions, Compression } from './build-options.js';
import { ProbeRowsInputError } from './errors.js';
import { describeInput } from './input-schema.js';
import { mergeShards } from './merge.js';
import { PACKAGE_VERSION } from './version.js';

// probe-rows build as a run on many machines (`probe-rows submit` / `worker` / `status`, @prepkit/job-queue):
// shard i is exactly `build --shard i/N`, the commit checks every shard file and, with `merge`, merges them
// as `probe-rows merge` does; manifest.json comes last.

/** The run's config: the build options as plain JSON, paths absolute (workers see the same shared storage). */
export type ProbeRowsRunConfig = {
  readonly input: readonly string[];
  readonly output: string;
  readonly overwrite: boolean;
  readonly shards: number;
  /** Merge the shard files into `train.array_record` / `test.array_record` at the commit. */
  readonly merge: boolean;
  readonly mode?: BuildMode;
  readonly threads?: number;
  readonly memoryLimitGb?: number;
  readonly groupBy?: string;
  readonly orderBy?: string;
  readonly testFraction?: number;
  readonly seed?: number;
  readonly compression?: Compression;
  readonly partitionRows?: number;
};

/** One file a shard wrote, as its summary lists it (path relative to the output directory). */
export type ShardFile = {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
};

export type ProbeRowsShardSummary = { readonly files: readonly ShardFile[] };

/** The run's build options (without `merge`). */
function buildOptionsOf(config: ProbeRowsRunConfig): BuildOptions {
  const options: Record<string, unknown> = { ...config, input: [...config.input] };
  delete options.merge;
  return options as unknown as BuildOptions;
}

export const probeRowsRun = defineShardedRun({
  name: 'probe-rows',

  /** Checks the options and the input's schema once, so a bad column fails the run before any shard. */
  async plan(config: ProbeRowsRunConfig) {
    const o = resolveBuildOptions(buildOptionsOf(config));
    await using db = await openDuckDB({ threads: 1 });
    await describeInput(db, o.input, o.groupBy, o.orderBy);
    return { shards: config.shards };
  },

  async runShard(config: ProbeRowsRunConfig, plan, index, context): Promise<ProbeRowsShardSummary> {
    const result = await buildProbeRows({
      ...buildOptionsOf(config),
      shard: { index, count: plan.shards },
      signal: context.signal,
      onProgress: (done, total) => context.progress(done, total),
    });
    const files: ShardFile[] = [];
    for (const [split, probes] of [
      [result.train, result.train.probes],
      [result.test, result.test.probes],
    ] as const) {
      const path = split.files[0]!;
      const { bytes, sha256 } = await digestFile(path);
      files.push({ path: basename(path), records: probes, bytes, sha256 });
    }
    return { files };
  },

  async commit(config: ProbeRowsRunConfig, plan, summaries: ProbeRowsShardSummary[]) {
    const expected = config.merge
      ? ['train.array_record', 'test.array_record']
      : summaries.flatMap((s) => s.files.map((f) => f.path));
    // A commit run again finds its own complete output and ends the same way.
    if (await completeOutput(config.output, expected)) return { files: expected, merged: config.merge };
    for (const [shard, summary] of summaries.entries())
      for (const file of summary.files) await checkShardFile(config.output, shard, file);
    if (config.merge) {
      await mergeShards({
        output: config.output,
        shards: plan.shards,
        overwrite: config.overwrite,
        config,
        inputs: config.input,
      });
    } else {
      await writeManifest(config.output, {
        tool: { name: '@prepkit/probe-rows', version: PACKAGE_VERSION },
        config,
        inputs: config.input,
        outputs: summaries.flatMap((s) => s.files.map((f) => ({ path: f.path, records: f.records }))),
      });
    }
    return { files: expected, merged: config.merge };
  },
});

/** A manifest in `dir` that lists exactly `files`, every one matching it. */
async function completeOutput(dir: string, files: readonly string[]): Promise<boolean> {
  if (!existsSync(join(dir, MANIFEST_FILE))) return false;
  const manifest = await readManifest(dir).catch(() => undefined);
  const listed = manifest?.outputs.map((o) => o.path) ?? [];
  if (listed.length !== files.length || !files.every((f) => listed.includes(f))) return false;
  return (await verify(dir)).ok;
}

/** The file a shard reported is there, unchanged: bytes, sha256 and record count. */
async function checkShardFile(dir: string, shard: number, file: ShardFile): Promise<void> {
  const path = join(dir, file.path);
  if (!existsSync(path))
    throw new ProbeRowsInputError(`${path}: missing, though shard ${shard} wrote it: was it removed?`);
  const { bytes, sha256 } = await digestFile(path);
  // The record count is read only from a file whose bytes are the reported ones: it must agree with them.
  let records = file.records;
  if (bytes === file.bytes && sha256 === file.sha256) {
    await using reader = await ArrayRecordReader.open(path);
    records = reader.length;
  }
  if (bytes !== file.bytes || sha256 !== file.sha256 || records !== file.records) {
    throw new ProbeRowsInputError(
      `${path}: changed after shard ${shard} wrote it (${file.records} records, ${file.bytes} bytes, sha256 ` +
        `${file.sha256.slice(0, 12)}…; now ${bytes} bytes, sha256 ${sha256.slice(0, 12)}…)`,
    );
  }
}
