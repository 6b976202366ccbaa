import { nonNegativeInteger, positiveInteger } from './cli-args.js';
import { quietProgram, reportFailure } from './cli-program.js';
import type { BenchmarkResult } from './benchmark-runner.js';

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

/**
 * Parses the flags every `bench` script shares. Pure: `argv` excludes `node` and the script. Gives back the
 * help text for `--help`; a usage mistake throws `UsageError`.
 */
export function parseBenchArgs(
  argv: readonly string[],
  description = 'Runs a benchmark.',
): BenchCliOptions | { readonly help: string } {
  const quiet = quietProgram('bench');
  quiet.program
    .description(description)
    .option('--quick', 'small input and one measured run (smoke test)', false)
    .option('--repeats <n>', 'measured runs per variant', positiveInteger)
    .option('--warmup <n>', 'unmeasured runs per variant first', nonNegativeInteger)
    .option('--variants <names>', 'comma-separated variants to run (the baseline always runs)', (v) =>
      v.split(','),
    )
    .option('--json', 'print the result as JSON instead of a table', false)
    .option('--no-save', 'do not save bench-results/<package>/<timestamp>.json');
  const outcome = quiet.parse(argv);
  if (outcome.kind !== 'parsed') return { help: outcome.text };
  const opts = quiet.program.opts<{
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
 * The whole life of a `bench` script: parse its flags, run `main`, and set the exit code the way every
 * prepkit CLI does (`reportFailure`: 2 with one line for bad flags, 1 with the stack for a failure).
 *
 * @example
 * await runBenchScript('Worker pool throughput.', async (flags) => printBenchmark(await runBenchmark(…), flags));
 */
export async function runBenchScript(
  description: string,
  main: (options: BenchCliOptions) => Promise<void>,
): Promise<void> {
  const io = { stdout: process.stdout, stderr: process.stderr };
  try {
    const options = parseBenchArgs(process.argv.slice(2), description);
    if ('help' in options) io.stdout.write(options.help);
    else await main(options);
  } catch (error) {
    process.exitCode = reportFailure('bench', error, io);
  }
}
