import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { fraction, nonNegativeInteger, positiveInteger } from '@prepkit/bench-harness/cli';
import { DEFAULT_PREPARE_OPTIONS, EXAMPLE_PER, OUTPUT_FORMATS, SPEAKER_NAMES, STRATEGIES } from '../index.js';
import type { ExamplePer, OutputFormat, PrepareOptions, SpeakerNames, Strategy } from '../index.js';
import { MAX_SHARDS } from '../prepare-options.js';
import { MAX_SNOWFLAKE, isSnowflake } from '../snowflake.js';

/** The flags that shape a prepare, the same on `prepare` and `submit` (one function, so they cannot drift). */
export function prepareFlags(command: Command): Command {
  const d = DEFAULT_PREPARE_OPTIONS;
  return command
    .argument('<train.jsonl>', 'training output')
    .argument('<valid.jsonl>', 'validation output')
    .option('--db <url>', 'postgresql:// URL (default: $DATABASE_URL)')
    .addOption(
      new Option(
        '--threads <n>',
        'worker threads that format; 1 formats on the main thread (default: CPU count)',
      ).argParser(positiveInteger),
    )
    .addOption(new Option('--max-workers <n>').argParser(positiveInteger).hideHelp())
    .addOption(
      new Option('--strategy <name>', `how to read PostgreSQL (default: ${d.strategy})`).choices(STRATEGIES),
    )
    .option('--batch-size <n>', `examples per formatting task (default: ${d.batchSize})`, positiveInteger)
    .option(
      '--parallel-min-messages <n>',
      `use worker threads from this many messages on (default: ${d.parallelMinMessages})`,
      nonNegativeInteger,
    )
    .option(
      '--valid-fraction <f>',
      `share of threads written to valid; at least one thread when two or more have examples (default: ${d.validFraction})`,
      fraction,
    )
    .option('--seed <s>', `seed of the train/valid split hash (default: ${d.seed})`)
    .addOption(new Option('--format <name>', `line format (default: ${d.format})`).choices(OUTPUT_FORMATS))
    .option('--assistant-author <id|name>', 'this author is the assistant; keep only chains ending with them')
    .option(
      '--min-turns <n>',
      `fewest turns per example, after merging (default: ${d.minTurns})`,
      positiveInteger,
    )
    .option('--max-turns <n>', 'keep the last N turns of each example', positiveInteger)
    .option(
      '--max-chars <n>',
      'drop the oldest turns until an example has at most N characters',
      positiveInteger,
    )
    .option('--include-bots', 'keep messages written by bots')
    .option('--channel <id>', 'only this channel (repeat, or comma-separate)', collect)
    .option('--since <date>', 'only messages at or after this date (ISO-8601)')
    .option('--until <date>', 'only messages before this date (ISO-8601)')
    .addOption(
      new Option(
        '--example-per <unit>',
        `one example per thread leaf, or per reply (default: ${d.examplePer})`,
      ).choices(EXAMPLE_PER),
    )
    .addOption(
      new Option(
        '--speaker-names <style>',
        `prefix user turns with "name: " or not (default: ${d.speakerNames})`,
      ).choices(SPEAKER_NAMES),
    )
    .option(
      '--shards <n>',
      'write n shard files per split (train-00000-of-0000n.jsonl …, each with a .roots index) (default: 1)',
      shardCount,
    )
    .option('--no-manifest', 'do not write manifest.json')
    .option('--overwrite', 'replace an earlier complete output (one its manifest.json lists)');
}

export interface PrepareFlags {
  db?: string;
  channel?: string[];
  manifest: boolean;
  overwrite?: boolean;
  strategy?: Strategy;
  format?: OutputFormat;
  examplePer?: ExamplePer;
  speakerNames?: SpeakerNames;
  includeBots?: boolean;
  threads?: number;
  maxWorkers?: number;
  batchSize?: number;
  parallelMinMessages?: number;
  validFraction?: number;
  seed?: string;
  assistantAuthor?: string;
  minTurns?: number;
  maxTurns?: number;
  maxChars?: number;
  since?: string;
  until?: string;
  shards?: number;
}

/** The library's prepare options from the flags (only what the user gave: the library's defaults apply). */
export function prepareOptionsFrom(
  db: string,
  train: string,
  valid: string,
  o: PrepareFlags,
): Omit<PrepareOptions, 'reporter' | 'signal'> {
  return {
    db,
    train,
    valid,
    ...defined({
      strategy: o.strategy,
      threads: o.threads ?? o.maxWorkers,
      batchSize: o.batchSize,
      parallelMinMessages: o.parallelMinMessages,
      validFraction: o.validFraction,
      seed: o.seed,
      format: o.format,
      assistantAuthor: o.assistantAuthor,
      minTurns: o.minTurns,
      maxTurns: o.maxTurns,
      maxChars: o.maxChars,
      includeBots: o.includeBots,
      channels: o.channel,
      since: o.since,
      until: o.until,
      examplePer: o.examplePer,
      speakerNames: o.speakerNames,
      shards: o.shards,
      manifest: o.manifest ? undefined : false,
      overwrite: o.overwrite,
    }),
  };
}

/** The same options with absolute paths, for a queued run (workers run elsewhere). */
export function absolutePaths<T extends { train: string; valid: string }>(options: T): T {
  return { ...options, train: resolve(options.train), valid: resolve(options.valid) };
}

/** The entries of `values` that are not undefined (the library's defaults apply to the rest). */
export function defined<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

export function shardCount(value: string): number {
  const n = positiveInteger(value);
  if (n > MAX_SHARDS) throw new InvalidArgumentError(`must be at most ${MAX_SHARDS}`);
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  const ids = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  for (const id of ids)
    if (!isSnowflake(id))
      throw new InvalidArgumentError(`${id} is not a channel id (digits, at most ${MAX_SNOWFLAKE})`);
  return [...previous, ...ids];
}
