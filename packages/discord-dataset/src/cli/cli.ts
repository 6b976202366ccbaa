import { ConnectionError, QueryError, passwordOf, redact } from '@prepkit/db-cursors';
import { AbortedError, DiscordDatasetError, UsageError } from '../errors.js';
import { parseArgs } from './args.js';
import { runCommand } from './commands.js';
import type { CliIo } from './commands.js';

/** Exit codes: 0 done, 1 unexpected failure (a bug), 2 bad input or flags, 130 interrupted. */
export const EXIT = Object.freeze({ ok: 0, failure: 1, usage: 2, interrupted: 130 });

/**
 * The command line: parses `argv`, runs the command through the library, reports, and returns
 * the exit code. Never exits the process and never throws; every message it prints is stripped
 * of the passwords of the URLs in `argv`.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const secrets = argv.map((arg) => passwordOf(arg));
  const mask = (text: string): string => redact(text, secrets);
  let command;
  try {
    command = parseArgs(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`discord-dataset: ${mask(message)}\nRun \`discord-dataset --help\` for usage.\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help' || command.kind === 'version') {
    io.stdout.write(command.text);
    return EXIT.ok;
  }
  try {
    await runCommand(command, io, mask);
    return io.signal?.aborted === true ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    const what = `discord-dataset ${command.kind}`;
    if (error instanceof AbortedError || io.signal?.aborted === true) {
      io.stderr.write(`${what}: interrupted; nothing was left half-written\n`);
      return EXIT.interrupted;
    }
    // Library messages start with the operation ("prepare: cannot connect…"); say it once.
    const full = mask(error instanceof Error ? error.message : String(error));
    const message = full.startsWith(`${command.kind}: `) ? full.slice(command.kind.length + 2) : full;
    if (isUserError(error)) {
      io.stderr.write(`${what}: ${firstLine(message)}\n`);
      return EXIT.usage;
    }
    const stack = error instanceof Error && error.stack !== undefined ? mask(error.stack) : message;
    io.stderr.write(`${what}: unexpected failure: ${message}\n${stack}\n`);
    return EXIT.failure;
  }
}

/** A mistake of the caller (flags, files, credentials, schema) rather than a bug here. */
export function isUserError(error: unknown): boolean {
  if (error instanceof UsageError) return true;
  if (error instanceof DiscordDatasetError) return error.userError;
  if (error instanceof ConnectionError) return true;
  // Raised by the database for a missing relation or column, or privileges: the user's schema.
  if (error instanceof QueryError) return ['42P01', '42703', '42501', '25006'].includes(error.sqlState ?? '');
  return false;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
}
