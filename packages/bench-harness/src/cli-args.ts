import { Command, CommanderError, InvalidArgumentError } from 'commander';

// Argument parsers for commander options, shared by the pipelines' CLIs and the bench scripts. Each
// throws commander's InvalidArgumentError, which commander reports as
// `option '--workers <n>' argument '0' is invalid. must be a positive integer`.

const DIGITS = /^\d+(_\d+)*$/; // 1000000 or 1_000_000; no sign, exponent or blank

/** An integer >= 1 (`--workers 2`, `--rows 1_000_000`). */
export function positiveInteger(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** An integer >= 0 (`--warmup 0`). */
export function nonNegativeInteger(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

/** Any safe integer, negative too (`--seed -1`). */
export function integer(value: string): number {
  const trimmed = value.trim();
  const n = wholeNumber(trimmed.startsWith('-') ? trimmed.slice(1) : trimmed);
  if (n === undefined) throw new InvalidArgumentError('must be an integer');
  return trimmed.startsWith('-') ? -n : n;
}

/** A finite number > 0 (`--memory-limit-gb 1.5`). */
export function positiveNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** A number from 0 to 1 inclusive (`--test-fraction 0.1`). */
export function fraction(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

function wholeNumber(value: string): number | undefined {
  const trimmed = value.trim();
  if (!DIGITS.test(trimmed)) return undefined;
  const n = Number(trimmed.replaceAll('_', ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

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
