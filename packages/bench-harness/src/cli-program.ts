import { Command, CommanderError } from 'commander';

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
   * the help or version text commander would have printed. A usage mistake throws `usageError(message)`.
   */
  parse(argv: readonly string[]): CommandLineOutcome;
  /** The root command's help as `--help` gives it (text added with `addHelpText` included). */
  helpText(): string;
}

/**
 * The pipelines' CLIs parse with commander but keep printing and exit codes to themselves (their
 * `parseArgs` is pure and tested): commander's output is captured and its exits become results.
 */
export function quietProgram(name: string, usageError: (message: string) => Error): QuietProgram {
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
        throw usageError(error.message.replace(/^error: /, ''));
      }
    },
    helpText() {
      printed = '';
      program.outputHelp();
      return printed;
    },
  };
}

/** Where a CLI's `main` writes: `process`, or a capture in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

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
