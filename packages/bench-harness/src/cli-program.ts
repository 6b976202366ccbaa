import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';
import { exitCodeFor } from './exit-code.js';
import { describeError } from './format.js';

// What every prepkit command line shares beyond its argument parsers (cli-args.ts): parsing without
// printing or exiting, where output goes, and a clean stop on Ctrl-C.

/** What parsing a command line came to: a command's action ran, or commander had help or a version to show. */
export type CommandLineOutcome =
  { readonly kind: 'parsed' } | { readonly kind: 'help' | 'version'; readonly text: string };

/** A commander program that never prints or exits, and how to parse with it. */
export interface QuietProgram {
  /** The root command, named; add the description, version, options and subcommands to it. */
  readonly program: Command;
  /**
   * Parses `argv` (without `node` and the script): runs the chosen command's action, or gives back
   * the help or version text commander would have printed. A usage mistake throws `UsageError`.
   */
  parse(argv: readonly string[]): CommandLineOutcome;
  /** The root command's help as `--help` gives it (text added with `addHelpText` included). */
  helpText(): string;
}

/**
 * The pipelines' CLIs parse with commander but keep printing and exit codes to themselves (their
 * `parseArgs` is pure and tested): commander's output is captured and its exits become results.
 */
export function quietProgram(name: string): QuietProgram {
  let printed = '';
  const program = new Command()
    .name(name)
    .exitOverride()
    .configureOutput({ writeOut: (s) => (printed += s), writeErr: (s) => (printed += s) });
  return {
    program,
    parse(argv) {
      printed = '';
      try {
        program.parse([...argv], { from: 'user' });
        return { kind: 'parsed' };
      } catch (error) {
        if (!(error instanceof CommanderError)) throw error;
        if (error.code === 'commander.version') return { kind: 'version', text: printed };
        if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help')
          return { kind: 'help', text: printed };
        throw new UsageError(error.message.replace(/^error: /, ''));
      }
    },
    helpText() {
      printed = '';
      program.outputHelp();
      return printed;
    },
  };
}

/** What a CLI's `main` is given besides its arguments: where to write, and what stops it. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Aborted by Ctrl-C or SIGTERM: the command removes what it half-wrote and returns 130. */
  signal?: AbortSignal;
  /** Environment variables (`DATABASE_URL`); `process.env` in the real process. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Every CLI's `main`: the arguments (without `node` and the script) in, the exit code out. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>;

/**
 * Runs a CLI's `main` with a signal that Ctrl-C (and `kill`, SIGTERM) aborts, so the command can
 * remove half-written output and return its exit code (130 by convention) instead of dying mid-write.
 */
export async function runInterruptible(main: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await main(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/**
 * The process entry of every prepkit CLI (`cli/run.ts`): runs `main` on the process's arguments, streams and
 * environment with a signal that SIGINT and SIGTERM abort, and sets the process's exit code from its result.
 * `main` is loaded only once the signal handlers are in place, so a Ctrl-C while a CLI's heavy modules are
 * still loading is an interruption (130), not a silent death.
 *
 * @example
 * // src/cli/run.ts
 * await runCli(() => import('./main.js'));
 */
export async function runCli(load: () => Promise<{ main: CliMain }>): Promise<void> {
  process.exitCode = await runInterruptible(async (signal) => {
    const { main } = await load();
    return main(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      signal,
      env: process.env,
    });
  });
}

/**
 * The one catch block of every CLI: writes one line for `error` to stderr (`name: what is wrong`; a stack only
 * for a bug) and returns the exit code for it (see `exitCodeFor`). An aborted run is reported as interrupted,
 * whatever the abort made the work throw, followed by `afterInterrupt`: what the user finds on disk.
 */
export function reportFailure(
  name: string,
  error: unknown,
  io: CliIo,
  afterInterrupt = 'no output was left behind',
): number {
  const code = io.signal?.aborted === true ? 130 : exitCodeFor(error);
  if (code === 130) io.stderr.write(`${name}: interrupted; ${afterInterrupt}\n`);
  else if (code === 2) io.stderr.write(`${name}: ${oneLine(describeError(error))}\n`);
  else
    io.stderr.write(
      `${name}: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : describeError(error)}\n`,
    );
  return code;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
