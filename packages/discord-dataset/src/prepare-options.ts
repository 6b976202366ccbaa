import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
  InvalidOptionError,
  assertFraction,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
} from '@prepkit/bench-harness/errors';
import type { ProgressReporter } from './progress.js';
import type { DiscordShardPlan } from './shard-plan.js';
import { MAX_SNOWFLAKE, isSnowflake } from './snowflake.js';
import type { ReplyThreadsSource } from './reply-threads.js';

/** How messages are read from PostgreSQL; all three produce the same bytes. */
export type Strategy = 'naive' | 'cte' | 'copy';
export const STRATEGIES: readonly Strategy[] = Object.freeze(['naive', 'cte', 'copy']);

/** The shape of each JSONL line. */
export type OutputFormat = 'messages' | 'prompt-completion' | 'text';
export const OUTPUT_FORMATS: readonly OutputFormat[] = Object.freeze([
  'messages',
  'prompt-completion',
  'text',
]);

/** Which messages end an example: every leaf of a thread, or every reply. */
export type ExamplePer = 'leaf' | 'reply';
export const EXAMPLE_PER: readonly ExamplePer[] = Object.freeze(['leaf', 'reply']);

/** How user turns name their speaker in the `messages` format. */
export type SpeakerNames = 'prefix' | 'none';
export const SPEAKER_NAMES: readonly SpeakerNames[] = Object.freeze(['prefix', 'none']);

export interface PrepareOptions {
  /** postgresql:// URL of the database holding `messages`. */
  db: string;
  /** Path of the training JSONL. */
  train: string;
  /** Path of the validation JSONL. */
  valid: string;
  /** Default: `copy`. */
  strategy?: Strategy;
  /** Worker threads that format; 1 formats on the calling thread. Default: `os.availableParallelism()`. */
  threads?: number;
  /** Examples per formatting task. Default: 1,000. */
  batchSize?: number;
  /**
   * Fewest selected messages for which formatting goes to worker threads; below it the calling
   * thread formats (starting threads costs more than it saves there). Same bytes either way. Default: 250,000 (measured: on 2 cores, threads start in about 0.2 s and format 100K messages no faster).
   */
  parallelMinMessages?: number;
  /** Share of threads (not examples) that go to `valid`. Default: 0.05. */
  validFraction?: number;
  /** Seed of the split hash. Default: `'0'`. */
  seed?: string | number;
  /** Default: `messages`. */
  format?: OutputFormat;
  /**
   * An author id, account name or nickname: that author is the assistant in every example, and only
   * examples ending with one of their messages are kept. Default: the author of each example's last message.
   */
  assistantAuthor?: string;
  /** Fewest turns (after merging) an example may have. Default: 2. */
  minTurns?: number;
  /** Keep at most the last N turns of an example. Default: no limit. */
  maxTurns?: number;
  /** Drop the oldest turns until an example has at most N characters; skip it if it cannot. Default: no limit. */
  maxChars?: number;
  /** Keep messages written by bots. Default: false. */
  includeBots?: boolean;
  /** Only these channel ids. Default: every channel. */
  channels?: readonly string[];
  /** Only messages created at or after this instant (ISO-8601 or Date). */
  since?: string | Date;
  /** Only messages created before this instant. */
  until?: string | Date;
  /** Default: `leaf` (one example per thread leaf); `reply` gives one per reply. */
  examplePer?: ExamplePer;
  /** Default: `prefix` (`"name: text"` in user turns). */
  speakerNames?: SpeakerNames;
  /** Write `manifest.json` beside the outputs. Default: true. */
  manifest?: boolean;
  /**
   * Replace a complete earlier output (files listed by a `manifest.json`). Without it, one is an
   * `OutputExistsError`; files without a manifest are an interrupted run's and are replaced. Default: false.
   */
  overwrite?: boolean;
  /**
   * Cut the output into this many shard files per split, `train-00000-of-00003.jsonl` beside the given
   * path (record-io's `shardName`), each with a `.roots` index for `mergeShards`; file i holds the threads
   * whose root id `shardOf` puts in shard i, in the one-file order. Default: 1 (the given names).
   */
  shards?: number;
  /** Only shard `index` of `count` (a `--shard i/n` run): only its files, no manifest. */
  shard?: { readonly index: number; readonly count: number };
  /**
   * With `shard`: the run's plan (`planDiscordShards`), computed once for all shards. Default: computed by
   * this run (one read of the reply ids, plus the few threads the validation guarantee looks at).
   */
  plan?: DiscordShardPlan;
  /**
   * With `shard` or in `planDiscordShards`: where the reply threads come from (`ReplyThreadsSource`); a queued
   * run's worker keeps them for the run. Default: read once by this call, for its plan and its threads.
   */
  replyThreads?: ReplyThreadsSource;
  /** Open every connection read-only (`default_transaction_read_only`); prepare only reads anyway. Default: false. */
  readOnly?: boolean;
  /** Phases and counters; a bench-harness `RunReporter` fits. Not part of the manifest's configuration. */
  reporter?: ProgressReporter;
  /** Aborting it stops the run and removes what it half-wrote (`AbortedError`). */
  signal?: AbortSignal;
}

/** What the split and formatting depend on; it travels to the worker threads with each task. */
export interface FormatConfig {
  readonly format: OutputFormat;
  readonly seed: string;
  readonly validFraction: number;
  readonly minTurns: number;
  /** 0: no limit. */
  readonly maxTurns: number;
  /** 0: no limit. */
  readonly maxChars: number;
  readonly speakerNames: SpeakerNames;
  /** True when `assistantAuthor` decides the roles. */
  readonly assistantAuthor: boolean;
  /** A thread root that goes to valid whatever its split point (see `guaranteedValidationThread`). */
  readonly validRoot?: string;
}

export interface ResolvedPrepareOptions {
  readonly db: string;
  readonly train: string;
  readonly valid: string;
  readonly strategy: Strategy;
  readonly threads: number;
  readonly batchSize: number;
  readonly parallelMinMessages: number;
  readonly assistantAuthor: string | undefined;
  readonly includeBots: boolean;
  readonly channels: readonly string[];
  readonly since: string | undefined;
  readonly until: string | undefined;
  readonly examplePer: ExamplePer;
  readonly manifest: boolean;
  readonly overwrite: boolean;
  readonly readOnly: boolean;
  /** Shard files per split (1: unsharded). */
  readonly shards: number;
  /** The one shard a `--shard i/n` run writes. */
  readonly shard: number | undefined;
  readonly format: FormatConfig;
}

/** The defaults of `PrepareOptions` (`threads` defaults to the CPU count). */
export const DEFAULT_PREPARE_OPTIONS = Object.freeze({
  strategy: 'copy',
  batchSize: 1_000,
  parallelMinMessages: 250_000,
  validFraction: 0.05,
  seed: '0',
  format: 'messages',
  minTurns: 2,
  includeBots: false,
  examplePer: 'leaf',
  speakerNames: 'prefix',
  manifest: true,
  overwrite: false,
});

/** Validates `options` (`options.batchSize must be a positive integer (got 0)`), fills defaults, freezes. */
export function resolvePrepareOptions(options: PrepareOptions): Readonly<ResolvedPrepareOptions> {
  const d = DEFAULT_PREPARE_OPTIONS;
  for (const key of ['db', 'train', 'valid'] as const) assertNonEmptyString(key, options[key]);
  const train = resolve(options.train);
  const valid = resolve(options.valid);
  if (train === valid) throw new InvalidOptionError('the train and valid outputs must be different files');
  const strategy = oneOf('strategy', options.strategy ?? d.strategy, STRATEGIES);
  const threads = positiveInteger('threads', options.threads ?? availableParallelism());
  const batchSize = positiveInteger('batchSize', options.batchSize ?? d.batchSize);
  const parallelMinMessages = options.parallelMinMessages ?? d.parallelMinMessages;
  assertNonNegativeInteger('parallelMinMessages', parallelMinMessages);
  const validFraction = options.validFraction ?? d.validFraction;
  assertFraction('validFraction', validFraction);
  const minTurns = positiveInteger('minTurns', options.minTurns ?? d.minTurns);
  const maxTurns = options.maxTurns === undefined ? 0 : positiveInteger('maxTurns', options.maxTurns);
  if (maxTurns !== 0 && maxTurns < minTurns) {
    throw new InvalidOptionError(
      `options.maxTurns (${maxTurns}) must be at least options.minTurns (${minTurns})`,
    );
  }
  const maxChars = options.maxChars === undefined ? 0 : positiveInteger('maxChars', options.maxChars);
  const channels = [...(options.channels ?? [])];
  for (const channel of channels) {
    if (!isSnowflake(channel)) {
      throw new InvalidOptionError(
        `options.channels must hold snowflake ids, at most ${MAX_SNOWFLAKE} (got ${JSON.stringify(channel)})`,
      );
    }
  }
  const since = instant('since', options.since);
  const until = instant('until', options.until);
  if (since !== undefined && until !== undefined && since >= until) {
    throw new InvalidOptionError(`options.since (${since}) must be before options.until (${until})`);
  }
  const assistantAuthor = options.assistantAuthor;
  if (assistantAuthor !== undefined && (typeof assistantAuthor !== 'string' || assistantAuthor === '')) {
    throw new InvalidOptionError('options.assistantAuthor must be a non-empty author id or name');
  }
  const seed = String(options.seed ?? d.seed);
  const { shards, shard } = shardOptions(options);
  return Object.freeze({
    db: options.db,
    train,
    valid,
    strategy,
    threads,
    batchSize,
    parallelMinMessages,
    assistantAuthor,
    includeBots: options.includeBots ?? d.includeBots,
    channels: Object.freeze(channels),
    since,
    until,
    examplePer: oneOf('examplePer', options.examplePer ?? d.examplePer, EXAMPLE_PER),
    manifest: options.manifest ?? d.manifest,
    overwrite: options.overwrite ?? d.overwrite,
    readOnly: options.readOnly ?? false,
    shards,
    shard,
    format: Object.freeze({
      format: oneOf('format', options.format ?? d.format, OUTPUT_FORMATS),
      seed,
      validFraction,
      minTurns,
      maxTurns,
      maxChars,
      speakerNames: oneOf('speakerNames', options.speakerNames ?? d.speakerNames, SPEAKER_NAMES),
      assistantAuthor: assistantAuthor !== undefined,
    }),
  });
}

/** The most shards a run may have (as for a queued run). */
export const MAX_SHARDS = 100_000;

function shardOptions(options: PrepareOptions): { shards: number; shard: number | undefined } {
  const count = options.shard?.count ?? options.shards ?? 1;
  positiveInteger('shards', count);
  if (count > MAX_SHARDS)
    throw new InvalidOptionError(`options.shards must be at most ${MAX_SHARDS} (got ${count})`);
  if (options.shards !== undefined && options.shards !== count) {
    throw new InvalidOptionError(
      `options.shards (${options.shards}) and options.shard's count (${count}) must agree`,
    );
  }
  const index = options.shard?.index;
  if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < count)) {
    throw new InvalidOptionError(
      `options.shard.index must be an integer from 0 to ${count - 1} (got ${index})`,
    );
  }
  if (options.plan !== undefined && options.plan.shards !== count) {
    throw new InvalidOptionError(`options.plan is for ${options.plan.shards} shards, not ${count}`);
  }
  return { shards: count, shard: index };
}

function positiveInteger(name: string, value: unknown): number {
  assertPositiveInteger(name, value);
  return value;
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  assertOneOf(name, value, allowed);
  return value;
}

function instant(name: string, value: string | Date | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidOptionError(
      `options.${name} must be a date such as 2024-01-31 or 2024-01-31T12:00:00Z (got ${String(value)})`,
    );
  }
  return date.toISOString();
}
