import { Command, CommanderError } from 'commander';
import { nonNegativeInteger, positiveInteger } from './cli-args.js';
import type { BenchmarkResult } from './benchmark-runner.js';
import { describeError } from './format.js';

export interface BenchCliOptions {
  /** Small sizes and one repeat: a smoke run (CI, `npm run demo`). */
  quick: boolean;
  repeats?: number;
  warmup?: number;
  /** Print the full result as JSON on stdout instead of the table. */
  json: boolean;
  /** Do not write `bench-results/…json`. */
  noSave: boolean;
  /** Run only these variants (the baseline always runs). */
  variants?: string[];
}

/** Parses the flags every `bench` script shares. Pure: `argv` excludes `node` and the script. */
export function parseBenchArgs(argv: readonly string[], description = 'Runs a benchmark.'): BenchCliOptions {
  const program = new Command()
    .name('bench')
    .description(description)
    .option('--quick', 'small input and one measured run (smoke test)', false)
    .option('--repeats <n>', 'measured runs per variant', positiveInteger)
    .option('--warmup <n>', 'unmeasured runs per variant first', nonNegativeInteger)
    .option('--variants <names>', 'comma-separated variants to run (the baseline always runs)', (v) =>
      v.split(','),
    )
    .option('--json', 'print the result as JSON instead of a table', false)
    .option('--no-save', 'do not save bench-results/<package>/<timestamp>.json')
    .exitOverride()
    // The caller decides how to show a usage error (runBenchScript prints it once).
    .configureOutput({ writeErr: () => {} })
    .parse(argv, { from: 'user' });
  const opts = program.opts<{
    quick: boolean;
    repeats?: number;
    warmup?: number;
    variants?: string[];
    json: boolean;
    save: boolean;
  }>();
  return {
    quick: opts.quick,
    json: opts.json,
    noSave: !opts.save,
    ...(opts.repeats === undefined ? {} : { repeats: opts.repeats }),
    ...(opts.warmup === undefined ? {} : { warmup: opts.warmup }),
    ...(opts.variants === undefined ? {} : { variants: opts.variants }),
  };
}

/** Prints a result the way the CLI flags asked: the Markdown table, or JSON. */
export function printBenchmark(result: BenchmarkResult, options: Pick<BenchCliOptions, 'json'>): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(`\n${result.table}\n`);
  if (result.resultsFile !== undefined) process.stdout.write(`\nSaved ${result.resultsFile}\n`);
}

/**
 * The whole life of a `bench` script: parse its flags, run `main`, and set the exit code
 * (0 ok, 2 bad flags, 1 failure) with a one-line error instead of a stack trace for bad flags.
 *
 * @example
 * await runBenchScript('Worker pool throughput.', async (flags) => printBenchmark(await runBenchmark(…), flags));
 */
export async function runBenchScript(
  description: string,
  main: (options: BenchCliOptions) => Promise<void>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  let options: BenchCliOptions;
  try {
    options = parseBenchArgs(argv, description);
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') return;
    process.stderr.write(`${describeError(error)}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    await main(options);
  } catch (error) {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : describeError(error)}\n`,
    );
    process.exitCode = 1;
  }
}
