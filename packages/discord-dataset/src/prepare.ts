import { basename, dirname } from 'node:path';
import { PhaseLog } from '@prepkit/bench-harness';
import {
  MANIFEST_FILE,
  beginOutputSet,
  openAtomicFile,
  prepareOutputDirectory,
  removeStaleTemporaries,
} from '@prepkit/record-io';
import type { ManifestPhase, OutputSet } from '@prepkit/record-io';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { passwordOf } from '@prepkit/db-cursors';
import { READ_COLUMNS, openDatabase, requireColumns } from './database.js';
import { AbortedError, throwIfAborted } from '@prepkit/bench-harness/errors';
import { formatTasks, planExamples } from './example-chains.js';
import { formatBatch } from './format-batch.js';
import type { FormatResult, FormatTask } from './format-batch.js';
import { resolvePrepareOptions } from './prepare-options.js';
import type { PrepareOptions, ResolvedPrepareOptions } from './prepare-options.js';
import type { PhaseProgress } from './progress.js';
import { buildReplyForest } from './reply-forest.js';
import { readMessages, readQuery } from './strategies/index.js';
import { guaranteedValidationThread } from './valid-guarantee.js';
import { TOOL } from './version.js';

export interface PreparedFile {
  readonly path: string;
  /** Examples (lines) in the file. */
  readonly records: number;
  readonly bytes: number;
}

export interface PrepareResult {
  readonly train: PreparedFile;
  readonly valid: PreparedFile;
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
    await requireColumns(db.pool, 'messages', READ_COLUMNS);
    const query = readQuery(resolved);
    const { table, stats } = await reporter.phase(
      'load',
      (phase) =>
        readMessages(resolved.strategy, { pool: db.pool, query, phase, signal }, [passwordOf(resolved.db)]),
      { unit: 'messages' },
    );
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
        });
        const validRoot = guaranteedValidationThread(table, forest, plan, resolved.format);
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
    await prepareOutputs(resolved);
    const written = await reporter.phase(
      'format+write',
      (phase) => writeOutputs(resolved, results, plan.examples, phase, signal),
      { unit: 'examples', total: plan.examples },
    );
    const warnings: string[] = [];
    if (written.valid.records === 0) {
      warnings.push(
        `${written.valid.path} is empty: mlx-lm refuses an empty validation set (the valid fraction is 0, or fewer than two threads have examples)`,
      );
    }
    if (written.train.records === 0)
      warnings.push(`${written.train.path} is empty: no example passed the filters`);
    const result: PrepareResult = {
      train: written.train,
      valid: written.valid,
      messages: table.length,
      threads: forest.roots.length,
      cyclesBroken: forest.cyclesBroken,
      danglingReplies: forest.danglingReplies,
      dropped: plan.dropped,
      skipped: { short: written.tooShort, long: written.tooLong },
      queries: stats.queries,
      workers: pool?.threads ?? 1,
      manifests: [],
      warnings,
      phases: reporter.phases,
    };
    const manifests = resolved.manifest
      ? await writeManifests(written.sets, resolved, db.safeUrl, result)
      : [];
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

interface Written {
  sets: OutputSet[];
  train: PreparedFile;
  valid: PreparedFile;
  tooShort: number;
  tooLong: number;
}

/** The output directories (train and valid may be apart), created, and cleared of killed runs' temporaries. */
function outputDirectories(options: ResolvedPrepareOptions): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const path of [options.train, options.valid]) {
    files.set(dirname(path), [...(files.get(dirname(path)) ?? []), basename(path)]);
  }
  return files;
}

/**
 * Before writing: each output directory exists and can be written (else one line naming it), and
 * the temporaries a killed run left there are gone, so their space is free for this run.
 */
async function prepareOutputs(options: ResolvedPrepareOptions): Promise<void> {
  for (const dir of outputDirectories(options).keys()) {
    await prepareOutputDirectory(dir);
    await removeStaleTemporaries(dir);
  }
}

/**
 * Once both files are written under temporary names: one output set per directory, which refuses a
 * complete earlier output unless `overwrite` and takes the old manifest away before any new file
 * is committed. Begun this late so that a run that fails while writing (a full disk, Ctrl-C) leaves
 * an earlier output whole, manifest included.
 */
async function beginOutputs(options: ResolvedPrepareOptions): Promise<OutputSet[]> {
  const sets: OutputSet[] = [];
  for (const [dir, names] of outputDirectories(options)) {
    sets.push(await beginOutputSet(dir, { files: names, overwrite: options.overwrite }));
  }
  return sets;
}

/**
 * Writes the batches' bytes, in input order, to temporary files beside the targets, and renames
 * them onto the targets only when both are complete. A failure or Ctrl-C removes the temporary
 * files.
 */
async function writeOutputs(
  options: ResolvedPrepareOptions,
  results: AsyncIterable<FormatResult>,
  total: number,
  phase: PhaseProgress,
  signal: AbortSignal | undefined,
): Promise<Written> {
  await using train = await openAtomicFile(options.train);
  await using valid = await openAtomicFile(options.valid);
  const counts = { train: 0, valid: 0, tooShort: 0, tooLong: 0 };
  phase.setTotal(total);
  for await (const result of results) {
    throwIfAborted(signal, 'prepare');
    if (result.train.byteLength > 0) await train.write(result.train);
    if (result.valid.byteLength > 0) await valid.write(result.valid);
    counts.train += result.trainExamples;
    counts.valid += result.validExamples;
    counts.tooShort += result.tooShort;
    counts.tooLong += result.tooLong;
    phase.advance(result.trainExamples + result.validExamples + result.tooShort + result.tooLong);
  }
  throwIfAborted(signal, 'prepare');
  const sets = await beginOutputs(options);
  await train.commit();
  await valid.commit();
  return {
    sets,
    train: { path: train.path, records: counts.train, bytes: train.bytesWritten },
    valid: { path: valid.path, records: counts.valid, bytes: valid.bytesWritten },
    tooShort: counts.tooShort,
    tooLong: counts.tooLong,
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
  const files = [result.train, result.valid];
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
