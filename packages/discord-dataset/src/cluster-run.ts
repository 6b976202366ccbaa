import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defineShardedRun } from '@prepkit/job-queue';
import type { ShardContext } from '@prepkit/job-queue';
import { redact } from '@prepkit/db-cursors';
import { readManifest, verify, writeManifest } from '@prepkit/record-io';
import { ShardFileError } from './errors.js';
import { mergeShards } from './merge.js';
import { prepareDiscordDataset } from './prepare.js';
import { replyThreadsOfRun } from './reply-threads.js';
import type { PrepareOptions } from './prepare-options.js';
import type { ProgressReporter } from './progress.js';
import { planDiscordShards } from './shard-plan.js';
import type { DiscordShardPlan } from './shard-plan.js';
import { TOOL } from './version.js';
import { relativePath } from './write-outputs.js';

/**
 * A queued prepare: the prepare options as plain JSON (absolute paths: workers run elsewhere, on storage
 * mounted at the same path), without the password (a worker connects with its own `--db`, or
 * `PGPASSWORD`), the shard count and whether the commit merges the shards into the one-file output.
 */
export type DiscordRunConfig = Omit<
  PrepareOptions,
  'reporter' | 'signal' | 'shard' | 'plan' | 'replyThreads' | 'since' | 'until'
> & {
  readonly shards: number;
  readonly merge: boolean;
  readonly since?: string;
  readonly until?: string;
};

/** One file a shard wrote: relative to the train output's directory. */
export interface DiscordShardFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
  readonly sha256: string;
}

export interface DiscordShardSummary {
  readonly files: DiscordShardFile[];
  readonly messages: number;
  readonly threads: number;
  readonly cyclesBroken: number;
  readonly danglingReplies: number;
}

/** The URL without its password: what a queued run's config keeps. */
export function withoutPassword(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

/**
 * The URL a worker reads the messages with: its own `--db`, the database its queue lives in, which is the one
 * `submit` was given (each machine may reach it by another address, through a proxy, with its own password);
 * the config's URL (without password) only when there is none.
 */
function sourceUrl(config: DiscordRunConfig, workerDb: string | undefined): string {
  return workerDb ?? config.db;
}

/** The config without `merge`, which is not a prepare option. */
function withoutMerge(config: DiscordRunConfig): Omit<DiscordRunConfig, 'merge'> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'merge')) as Omit<
    DiscordRunConfig,
    'merge'
  >;
}

function prepareOptions(config: DiscordRunConfig, workerDb: string | undefined): PrepareOptions {
  return { ...withoutMerge(config), db: sourceUrl(config, workerDb) };
}

/** Progress of a shard's phases, reported to the queue (status shows it). */
function queueProgress(context: ShardContext): ProgressReporter {
  return {
    async phase(_name, body) {
      let done = 0;
      let total: number | undefined;
      return body({
        setTotal: (n) => (total = n),
        advance: (n = 1) => {
          done += n;
          context.progress(done, total);
        },
        count() {},
      });
    },
  };
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * discord-dataset prepare as a queued run (`discord-dataset submit|worker|status`): `plan` finds the
 * reply-cycle components and the guaranteed validation thread once (`planDiscordShards`); each shard is a
 * `--shard i/n` prepare; `commit` checks every shard file against its summary, merges them when
 * `config.merge` (`mergeShards`), and writes `manifest.json` last. `workerDb` is the worker's own `--db`.
 */
export function createDiscordRun(workerDb?: string) {
  // A worker reads the reply pairs once per run, not once per shard.
  const replyThreads = replyThreadsOfRun();
  return defineShardedRun({
    name: 'discord-dataset',
    plan: async (config: DiscordRunConfig, context): Promise<DiscordShardPlan> =>
      planDiscordShards({
        ...prepareOptions(config, workerDb),
        shards: config.shards,
        signal: context.signal,
        replyThreads: replyThreads(context.runId),
      }),

    async runShard(
      config: DiscordRunConfig,
      plan: DiscordShardPlan,
      index,
      context,
    ): Promise<DiscordShardSummary> {
      const result = await prepareDiscordDataset({
        ...prepareOptions(config, workerDb),
        shard: { index, count: plan.shards },
        plan,
        signal: context.signal,
        replyThreads: replyThreads(context.runId),
        reporter: queueProgress(context),
      });
      const base = dirname(config.train);
      const files: DiscordShardFile[] = [];
      for (const file of result.files.flatMap((f) => [f, ...(f.roots === undefined ? [] : [f.roots])])) {
        files.push({
          path: relativePath(base, file.path),
          records: file.records,
          bytes: file.bytes,
          sha256: await sha256Of(file.path),
        });
      }
      return {
        files,
        messages: result.messages,
        threads: result.threads,
        cyclesBroken: result.cyclesBroken,
        danglingReplies: result.danglingReplies,
      };
    },

    async commit(
      config: DiscordRunConfig,
      plan: DiscordShardPlan,
      summaries: DiscordShardSummary[],
      context,
    ) {
      const base = dirname(config.train);
      const digest = createHash('sha256').update(JSON.stringify(summaries)).digest('hex');
      const outputs = config.merge ? [config.train, config.valid] : undefined;
      // A commit run twice finds its own manifest, matching its files: done.
      const dirs = [...new Set([dirname(config.train), dirname(config.valid)])];
      if (await committedBefore(dirs, digest)) return { merged: config.merge, digest, again: true };
      for (const summary of summaries) {
        for (const file of summary.files) {
          const path = join(base, file.path);
          if (!existsSync(path)) throw new ShardFileError(path, 'missing: its shard reported it written');
          if ((await sha256Of(path)) !== file.sha256)
            throw new ShardFileError(path, 'changed since its shard wrote it (sha256 differs)');
        }
      }
      const sum = (key: 'messages' | 'threads' | 'cyclesBroken' | 'danglingReplies'): number =>
        summaries.reduce((total, s) => total + s[key], 0);
      const safeUrl = redact(config.db);
      const options = withoutMerge(config);
      const manifest = {
        tool: TOOL,
        config: { ...options, db: safeUrl, shards: plan.shards, merged: config.merge, summaries: digest },
        inputs: [
          {
            database: safeUrl,
            table: 'messages',
            messages: sum('messages'),
            threads: sum('threads'),
            cyclesBroken: sum('cyclesBroken'),
            danglingReplies: sum('danglingReplies'),
          },
        ],
        phases: [],
      };
      let listed: { path: string; records: number }[];
      if (outputs !== undefined) {
        const merged = await mergeShards({
          train: config.train,
          valid: config.valid,
          shards: plan.shards,
          overwrite: config.overwrite === true,
          manifest: false,
          signal: context.signal,
        });
        listed = [merged.train, merged.valid];
      } else {
        listed = summaries.flatMap((s) =>
          s.files.map((f) => ({ path: join(base, f.path), records: f.records })),
        );
      }
      for (const dir of dirs) {
        await writeManifest(dir, { ...manifest, outputs: listed.filter((f) => dirname(f.path) === dir) });
      }
      return { merged: config.merge, digest, again: false };
    },
  });
}

/** Whether every output directory holds a verified manifest of this run (same shard summaries). */
async function committedBefore(dirs: readonly string[], digest: string): Promise<boolean> {
  for (const dir of dirs) {
    const manifest = await readManifest(dir).catch(() => undefined);
    if ((manifest?.config as { summaries?: unknown } | undefined)?.summaries !== digest) return false;
    if (!(await verify(dir)).ok) return false;
  }
  return true;
}

/** The run as the CLI's worker uses it, without a worker URL (the config's is used). */
export const discordRun = createDiscordRun();
