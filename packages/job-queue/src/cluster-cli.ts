import type { Command } from 'commander';
import { formatBytes, resourceSnapshot } from '@prepkit/bench-harness';
import { UsageError } from '@prepkit/bench-harness/errors';
import { withRetry } from '@prepkit/db-cursors';
import { nonNegativeInteger, positiveInteger, positiveNumber, reportFlags } from '@prepkit/bench-harness/cli';
import type { CliIo, ReportFlags } from '@prepkit/bench-harness/cli';
import type { QueueOptions } from './options.js';
import { oneLine, openQueue } from './queue.js';
import type { JobQueue } from './queue.js';
import type { AnyShardedRun, Json } from './sharded-run.js';
import { runStatus } from './status.js';
import type { QueueStatus, RunSummary } from './status.js';
import { submitRun } from './submit.js';
import { runWorker } from './worker.js';

// The three cluster commands (`submit`, `worker`, `status`) as every file-producing pipeline's CLI has them:
// the same flags, words and output, whatever the pipeline. A pipeline supplies its build flags and how they
// become its run's config; everything else is here.

export type ClusterCommand =
  | ({
      readonly command: 'submit';
      readonly db: string;
      readonly queue: QueueOptions;
      readonly config: Json;
      readonly runId?: string;
      readonly wait: boolean;
    } & ReportFlags)
  | ({
      readonly command: 'worker';
      readonly db: string;
      readonly queue: QueueOptions;
      readonly concurrency: number;
      readonly exitWhenIdle: boolean;
    } & ReportFlags)
  | {
      readonly command: 'status';
      readonly db: string;
      readonly queue: QueueOptions;
      readonly runId?: string;
      readonly json: boolean;
    };

export interface ClusterCommandsSpec {
  /** Adds the pipeline's build flags to `submit`: the same ones (and `--shards <n>`) as its plain command. */
  buildFlags(command: Command): Command;
  /**
   * The run's config from the parsed flags (and arguments) of `submit`: plain JSON, every path absolute (the
   * workers run elsewhere). Throws `UsageError` for a mistake.
   */
  config(options: Record<string, unknown>, args: readonly string[]): Json;
  /** `io.env`, for `DATABASE_URL`. */
  env?: Readonly<Record<string, string | undefined>>;
}

const DB_HELP = 'PostgreSQL URL of the job queue (default: $DATABASE_URL); Node 22.12 or newer';

/** The queue's settings as flags, the same on the three commands (fixed when a pipeline's queues are first made). */
function queueFlags(command: Command): Command {
  return command
    .option('--queue-schema <name>', 'PostgreSQL schema of the queue (default: prepkit_queue)')
    .option(
      '--retry-limit <n>',
      'retries of a failed job before it is dead-lettered (default: 4)',
      nonNegativeInteger,
    )
    .option(
      '--retry-delay <s>',
      'seconds before the first retry, doubled each time (default: 5)',
      positiveNumber,
    )
    .option(
      '--heartbeat <s>',
      "seconds without a worker's heartbeat before its job is retried elsewhere (default: 30)",
      positiveNumber,
    )
    .option('--supervise-interval <s>', 'seconds between checks for lost jobs (default: 15)', positiveNumber)
    .option('--poll-interval <s>', 'seconds between polls for jobs (default: 1)', positiveNumber);
}

function queueOptions(options: Record<string, unknown>): QueueOptions {
  const given: Record<string, unknown> = {
    schema: options.queueSchema,
    retryLimit: options.retryLimit,
    retryDelaySeconds: options.retryDelay,
    heartbeatSeconds: options.heartbeat,
    superviseIntervalSeconds: options.superviseInterval,
    pollingIntervalSeconds: options.pollInterval,
  };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

/**
 * Adds `submit`, `worker` and `status` to a pipeline's program; `onParsed` receives the parsed command.
 *
 * @example
 * addClusterCommands(program, { buildFlags: buildOptions, config: buildConfig, env }, (c) => (parsed = c));
 */
export function addClusterCommands(
  program: Command,
  spec: ClusterCommandsSpec,
  onParsed: (command: ClusterCommand) => void,
): void {
  const db = (flag: unknown): string => {
    const url = typeof flag === 'string' && flag !== '' ? flag : spec.env?.DATABASE_URL;
    if (url === undefined || url === '')
      throw new UsageError('no job queue: pass --db <url> or set DATABASE_URL');
    return url;
  };
  const submit = program
    .command('submit')
    .description('queue a run on many machines: a plan, one job per shard, a commit; prints the run id');
  spec.buildFlags(submit);
  // A pipeline that reads PostgreSQL has --db among its build flags already: the queue lives in that database.
  if (!submit.options.some((option) => option.long === '--db')) submit.option('--db <url>', DB_HELP);
  queueFlags(submit)
    .option(
      '--run-id <id>',
      'the run id (default: the pipeline and a hash of the build options: one run per build)',
    )
    .option('--wait', 'wait until the run is done (exit 0) or failed (exit 2)')
    .option('--json', 'print the run id as one JSON object on stdout')
    .option('-q, --quiet', 'no progress')
    .action((...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const options = command.opts<Record<string, unknown>>();
      onParsed({
        command: 'submit',
        db: db(options.db),
        queue: queueOptions(options),
        config: spec.config(options, args.slice(0, -2) as string[]),
        ...(typeof options.runId === 'string' ? { runId: options.runId } : {}),
        wait: options.wait === true,
        ...reportFlags(options),
      });
    });
  queueFlags(
    program
      .command('worker')
      .description("work this pipeline's queued runs until stopped (SIGTERM hands the current shard back)")
      .option('--db <url>', DB_HELP),
  )
    .option('--concurrency <k>', 'shards this process runs at once (default: 1)', positiveInteger)
    .option('--exit-when-idle', 'exit once no run of this pipeline is left to do')
    .option('--json', 'print what this worker did as one JSON object on stdout when it exits')
    .option('-q, --quiet', 'no line per job')
    .action((options: Record<string, unknown>) => {
      onParsed({
        command: 'worker',
        db: db(options.db),
        queue: queueOptions(options),
        concurrency: (options.concurrency as number | undefined) ?? 1,
        exitWhenIdle: options.exitWhenIdle === true,
        ...reportFlags(options),
      });
    });
  queueFlags(
    program
      .command('status')
      .description('runs, shard states and progress, failures and the dead-letter queue')
      .option('--db <url>', DB_HELP),
  )
    .option('--run <id>', 'one run, with every shard')
    .option('--json', 'print as one JSON object')
    .action((options: Record<string, unknown>) => {
      onParsed({
        command: 'status',
        db: db(options.db),
        queue: queueOptions(options),
        ...(typeof options.run === 'string' ? { runId: options.run } : {}),
        json: options.json === true,
      });
    });
}

/**
 * Runs a parsed cluster command for `definition` and returns its exit code (0 done; 2 when `submit --wait`
 * saw the run fail). Errors are thrown for the CLI's one catch block.
 */
export async function runClusterCommand(
  cli: string,
  command: ClusterCommand,
  definition: AnyShardedRun,
  io: CliIo,
): Promise<number> {
  const log = (line: string): void => {
    if (command.command === 'status' || !command.quiet)
      io.stderr.write(`${cli} ${command.command}: ${line}\n`);
  };
  const open = () => openQueue(command.db, { ...command.queue, onError: (line) => log(`queue: ${line}`) });
  // A worker started while the database restarts (or before it is up) waits for it, about a minute at most;
  // submit and status answer at once.
  await using queue =
    command.command === 'worker'
      ? await withRetry(open, {
          retries: 15,
          baseDelayMs: 250,
          maxDelayMs: 5_000,
          ...(io.signal === undefined ? {} : { signal: io.signal }),
          onRetry: (error) => log(`waiting for the queue's database: ${oneLine(error)}`),
        })
      : await open();
  switch (command.command) {
    case 'submit': {
      const submitted = await submitRun(queue, definition, command.config, {
        ...(command.runId === undefined ? {} : { runId: command.runId }),
      });
      if (!command.json) io.stdout.write(`${submitted.runId}\n`);
      log(submitted.created ? `queued run ${submitted.runId}` : `run ${submitted.runId} was queued before`);
      if (!command.wait) {
        if (command.json) io.stdout.write(`${JSON.stringify(submitted)}\n`);
        return 0;
      }
      const run = await waitForRun(queue, submitted.runId, io.signal, log);
      if (command.json)
        io.stdout.write(
          `${JSON.stringify({ ...submitted, state: run.state, error: run.error, result: run.result })}\n`,
        );
      if (run.state === 'failed') {
        io.stderr.write(`${cli}: run ${run.runId} failed: ${run.error ?? 'see status'}\n`);
        return 2;
      }
      return 0;
    }
    case 'worker': {
      const report = await runWorker(queue, [definition], {
        concurrency: command.concurrency,
        exitWhenIdle: command.exitWhenIdle,
        ...(io.signal === undefined ? {} : { signal: io.signal }),
        onReady: () => log(`ready (${definition.name}, ${command.concurrency} shard slot(s))`),
        onEvent: (event) => {
          const step = typeof event.step === 'number' ? `shard ${event.step}` : event.step;
          const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
          log(
            `${event.runId} ${step} ${event.type}${attempt}${event.message === undefined ? '' : `: ${event.message}`}`,
          );
        },
      });
      // CPU and peak memory of the whole worker process, for comparing a worker with a plain run.
      const resources = resourceSnapshot();
      if (command.json) io.stdout.write(`${JSON.stringify({ ...report, ...resources })}\n`);
      log(
        `${report.reason}: ${report.done} done, ${report.failed} failed, ${report.released} handed back ` +
          `(peak RSS ${formatBytes(resources.peakRssBytes)})`,
      );
      return 0;
    }
    case 'status': {
      const status = await runStatus(queue, command.runId === undefined ? {} : { runId: command.runId });
      io.stdout.write(command.json ? `${JSON.stringify(status)}\n` : statusText(status));
      return 0;
    }
  }
}

async function waitForRun(
  queue: JobQueue,
  runId: string,
  signal: AbortSignal | undefined,
  log: (line: string) => void,
): Promise<RunSummary> {
  let last = '';
  for (;;) {
    signal?.throwIfAborted();
    const [run] = (await runStatus(queue, { runId })).runs;
    if (run === undefined) throw new Error(`run ${runId} vanished from the queue`);
    const line = `${run.state}, shards ${run.shardStates.done}/${run.shards ?? '?'} done`;
    if (line !== last) log(line);
    last = line;
    if (run.state === 'done' || run.state === 'failed') return run;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Status as text: a line per run, every shard of one run, then the dead letters naming step and error. */
export function statusText(status: QueueStatus): string {
  let text = status.runs.length === 0 ? 'no runs\n' : '';
  for (const run of status.runs) {
    const s = run.shardStates;
    text +=
      `${run.runId}  ${run.state}  shards ${run.shards ?? '?'}: ${s.done} done, ${s.running} running, ` +
      `${s.queued} queued, ${s.failed} failed  (submitted ${run.submittedOn.toISOString()})\n`;
    if (run.error !== null) text += `  error: ${run.error}\n`;
    for (const shard of run.shardDetails ?? []) {
      const progress =
        shard.progress === null
          ? ''
          : `  ${shard.progress.done}${shard.progress.total === null ? '' : `/${shard.progress.total}`}`;
      text +=
        `  shard ${shard.shard}  ${shard.state}  attempts ${shard.attempts}` +
        `${shard.worker === null ? '' : `  on ${shard.worker}`}${progress}` +
        `${shard.error === null ? '' : `  error: ${shard.error}`}\n`;
    }
  }
  if (status.deadLetters.length > 0) {
    text += 'dead letters:\n';
    for (const dead of status.deadLetters) {
      const step = /^\d+$/.test(dead.step) ? `shard ${dead.step}` : dead.step;
      text += `  ${dead.runId ?? '?'} ${step} after ${dead.attempts} attempt(s): ${dead.error}\n`;
    }
  }
  return text;
}
