import { dirname } from 'node:path';
import { PhaseLog } from '@prepkit/bench-harness';
import { MANIFEST_FILE } from '@prepkit/record-io';
import type { ManifestPhase, OutputSet } from '@prepkit/record-io';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { passwordOf } from '@prepkit/db-cursors';
import { READ_COLUMNS, openDatabase, requireColumns } from './database.js';
import { AbortedError, throwIfAborted } from '@prepkit/bench-harness/errors';
import { formatTasks, planExamples } from './example-chains.js';
import { formatBatch } from './format-batch.js';
import type { FormatResult, FormatTask } from './format-batch.js';
import { mentionedUserIds } from './mentions.js';
import { resolvePrepareOptions } from './prepare-options.js';
import type { PrepareOptions, ResolvedPrepareOptions } from './prepare-options.js';
import { buildReplyForest } from './reply-forest.js';
import { outputTargets } from './shard-files.js';
import type { Split } from './shard-files.js';
import { planShards } from './shard-plan.js';
import type { DiscordShardPlan } from './shard-plan.js';
import { latestNames, readMessages, readQuery } from './strategies/index.js';
import type { ThreadSelection } from './strategies/index.js';
import { readReplyThreadsOnce } from './reply-threads.js';
import type { ReplyThreadsSource } from './reply-threads.js';
import { prepareOutputs, writeOutputs } from './write-outputs.js';
import type { PreparedFile, WrittenTarget } from './write-outputs.js';
import { guaranteedValidationThread } from './valid-guarantee.js';
import { TOOL } from './version.js';

export type { PreparedFile, WrittenTarget } from './write-outputs.js';

export interface PrepareResult {
  /** The train output; sharded, the given path with the examples and bytes of every shard written. */
  readonly train: PreparedFile;
  readonly valid: PreparedFile;
  /** Every file written, with its split, shard and (sharded) root index. */
  readonly files: readonly WrittenTarget[];
  /** Messages selected from the database. */
  readonly messages: number;
  /** Threads (roots of the reply forest). */
  readonly threads: number;
  readonly cyclesBroken: number;
  readonly danglingReplies: number;
  /** Messages that are not turns: system messages, blank ones, bots' (unless included). */
  readonly dropped: { readonly system: number; readonly empty: number; readonly bot: number };
  /** Examples skipped: fewer than `minTurns` turns, or over `maxChars` even when shortened. */
  readonly skipped: { readonly short: number; readonly long: number };
  /** Statements sent to PostgreSQL to read the messages. */
  readonly queries: number;
  /** Threads that formatted: 1 when the calling thread did (`threads` 1, or fewer than `parallelMinMessages`). */
  readonly workers: number;
  /** `manifest.json` files written (one per output directory). */
  readonly manifests: readonly string[];
  /** Things a fine-tuning tool will complain about (an empty valid file, say). */
  readonly warnings: readonly string[];
  readonly phases: readonly ManifestPhase[];
}

/**
 * The pipeline: selected messages → reply forest (cycles broken, dangling replies as roots) →
 * one example per leaf (or reply) → roles, merged turns, names, mentions → JSONL in the chosen
 * format, split train/valid by a hash of each thread's root, formatted on worker threads in
 * batches and written atomically, then `manifest.json`. The bytes depend only on the data and the
 * options that shape examples, never on strategy, workers or batch size.
 *
 * @example
 * const result = await prepareDiscordDataset({ db: url, train: 'out/train.jsonl', valid: 'out/valid.jsonl' });
 * console.log(result.train.records, result.valid.records);
 */
export async function prepareDiscordDataset(options: PrepareOptions): Promise<PrepareResult> {
  const resolved = resolvePrepareOptions(options);
  const signal = options.signal;
  const reporter = new PhaseLog(options.reporter);
  throwIfAborted(signal, 'prepare');
  const db = await openDatabase(resolved.db, 'prepare', { readOnly: resolved.readOnly });
  let pool: WorkerPool<FormatTask, FormatResult> | undefined;
  try {
    await requireColumns(db.pool, 'messages', READ_COLUMNS, 'prepare');
    const query = readQuery(resolved);
    const partial = resolved.shard !== undefined;
    // A shard that plans for itself reads the reply pairs once, for its plan and its own threads.
    const replyThreads = options.replyThreads ?? readReplyThreadsOnce();
    const shardPlan = partial
      ? (options.plan ??
        (await reporter.phase('plan', () =>
          planShards(db.pool, resolved, resolved.shards, signal, replyThreads),
        )))
      : undefined;
    const threads = shardThreads(shardPlan, resolved.shard, replyThreads);
    const { table, stats } = await reporter.phase(
      'load',
      (phase) =>
        readMessages(
          resolved.strategy,
          { pool: db.pool, query, phase, signal, ...(threads === undefined ? {} : { threads }) },
          [passwordOf(resolved.db)],
        ),
      { unit: 'messages' },
    );
    // A shard sees its threads only: mentions fall back to the names of the whole selection, as unsharded.
    const names = partial
      ? await latestNames(db.pool, query, mentionedUserIds(table.contents), signal)
      : undefined;
    await db.close().catch(() => undefined);
    throwIfAborted(signal, 'prepare');
    // Started now, the threads boot while the forest is built.
    if (resolved.threads > 1 && table.length >= resolved.parallelMinMessages) {
      pool = new WorkerPool<FormatTask, FormatResult>({
        filename: workerModule(import.meta.url, 'format-worker'),
        threads: resolved.threads,
      });
    }
    const { forest, plan, config } = await reporter.phase(
      'forest',
      (phase) => {
        const forest = buildReplyForest(table);
        const plan = planExamples(table, forest, {
          includeBots: resolved.includeBots,
          examplePer: resolved.examplePer,
          assistantAuthor: resolved.format.assistantAuthor,
          ...(names === undefined ? {} : { latestNames: names }),
        });
        const validRoot =
          shardPlan === undefined
            ? guaranteedValidationThread(table, forest, plan, resolved.format)
            : (shardPlan.validRoot ?? undefined);
        const config = validRoot === undefined ? resolved.format : { ...resolved.format, validRoot };
        phase.advance(table.length);
        return { forest, plan, config };
      },
      { unit: 'messages' },
    );
    const tasks = formatTasks(table, forest, plan, config, resolved.batchSize);
    const results =
      pool === undefined
        ? formatInline(tasks, signal)
        : pool.map(tasks, signal === undefined ? {} : { signal });
    const targets = outputTargets(resolved, resolved.shards, resolved.shard);
    await prepareOutputs(targets);
    const written = await reporter.phase(
      'format+write',
      (phase) =>
        writeOutputs(
          targets,
          { overwrite: resolved.overwrite, count: resolved.shards, partial },
          results,
          plan.examples,
          phase,
          signal,
        ),
      { unit: 'examples', total: plan.examples },
    );
    const train = total(written.files, 'train', resolved.train);
    const valid = total(written.files, 'valid', resolved.valid);
    const warnings: string[] = [];
    // A shard's own file may be empty while the whole set is not.
    if (valid.records === 0 && !partial) {
      warnings.push(
        `${valid.path} is empty: mlx-lm refuses an empty validation set (the valid fraction is 0, or fewer than two threads have examples)`,
      );
    }
    if (train.records === 0 && !partial)
      warnings.push(`${train.path} is empty: no example passed the filters`);
    const result: PrepareResult = {
      train,
      valid,
      files: written.files,
      messages: table.length,
      threads: forest.roots.length,
      cyclesBroken: forest.cyclesBroken,
      danglingReplies: forest.danglingReplies,
      dropped: plan.dropped,
      skipped: { short: written.tooShort, long: written.tooLong },
      queries: stats.queries + (names === undefined ? 0 : 1),
      workers: pool?.threads ?? 1,
      manifests: [],
      warnings,
      phases: reporter.phases,
    };
    const manifests =
      resolved.manifest && !partial ? await writeManifests(written.sets, resolved, db.safeUrl, result) : [];
    return { ...result, manifests };
  } catch (error) {
    if (signal?.aborted === true && !(error instanceof AbortedError))
      throw new AbortedError('prepare', { cause: error });
    throw error;
  } finally {
    await pool?.close();
    await db.close().catch(() => undefined);
  }
}

/** The threads a `--shard` run reads: those whose root ids hash to it. */
function shardThreads(
  plan: DiscordShardPlan | undefined,
  index: number | undefined,
  replyThreads: ReplyThreadsSource,
): ThreadSelection | undefined {
  if (plan === undefined || index === undefined) return undefined;
  return { shard: { index, count: plan.shards }, replyThreads };
}

/** A split's files summed: the path given for it, its examples and bytes. */
function total(files: readonly WrittenTarget[], split: Split, path: string): PreparedFile {
  const mine = files.filter((f) => f.split === split);
  if (mine.length === 1 && mine[0]!.roots === undefined)
    return { path, records: mine[0]!.records, bytes: mine[0]!.bytes };
  return {
    path,
    records: mine.reduce((sum, f) => sum + f.records, 0),
    bytes: mine.reduce((sum, f) => sum + f.bytes, 0),
  };
}

async function* formatInline(
  tasks: Iterable<FormatTask>,
  signal: AbortSignal | undefined,
): AsyncGenerator<FormatResult> {
  for (const task of tasks) {
    throwIfAborted(signal, 'prepare');
    yield formatBatch(task);
    // Let a Ctrl-C (and progress) through between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** One manifest per output set (directory), listing the outputs in it, written last. */
async function writeManifests(
  sets: readonly OutputSet[],
  options: ResolvedPrepareOptions,
  safeUrl: string,
  result: PrepareResult,
): Promise<string[]> {
  const files = result.files.flatMap((f) => [f, ...(f.roots === undefined ? [] : [f.roots])]);
  // --overwrite says what to do with an earlier output, not how this one was made.
  const config = Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'overwrite'));
  const paths: string[] = [];
  for (const set of sets) {
    await set.commit({
      tool: TOOL,
      config: { ...config, db: safeUrl },
      inputs: [
        {
          database: safeUrl,
          table: 'messages',
          messages: result.messages,
          threads: result.threads,
          cyclesBroken: result.cyclesBroken,
          danglingReplies: result.danglingReplies,
        },
      ],
      outputs: files
        .filter((f) => dirname(f.path) === set.dir)
        .map((f) => ({ path: f.path, records: f.records })),
      phases: result.phases,
    });
    paths.push(set.path(MANIFEST_FILE));
  }
  return paths;
}
