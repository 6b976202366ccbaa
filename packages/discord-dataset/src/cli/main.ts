import { reportFailure } from '@prepkit/bench-harness/cli';
import { passwordOf, redact } from '@prepkit/bench-harness/redact';
import type { CliIo } from '@prepkit/bench-harness/cli';
import { parseArgs } from './args.js';
import { runCommand } from './commands.js';
import { runClusterCommand } from '@prepkit/job-queue/cli';
import { createDiscordRun } from '../cluster-run.js';

/**
 * The command line: parses `argv`, runs the command through the library, reports, and returns the
 * exit code: 0 done, 2 bad flags, input, schema or credentials, 1 an unexpected failure (a bug), 130
 * interrupted (Ctrl-C or SIGTERM) after removing half-written files. Never exits the process; nothing
 * it writes shows the password of a URL given in `argv` or `DATABASE_URL`.
 *
 * @example
 * process.exitCode = await main(['validate', 'out/train.jsonl'], { stdout: process.stdout, stderr: process.stderr });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const safe = masked(
    io,
    [...argv, io.env?.DATABASE_URL ?? ''].map((arg) => passwordOf(arg)),
  );
  let kind: string | undefined;
  try {
    const command = parseArgs(argv, io.env);
    kind = command.kind;
    if (command.kind === 'help' || command.kind === 'version') {
      safe.stdout.write(command.text);
      return 0;
    }
    if (command.kind === 'cluster') {
      // The worker reads the source database with its own --db (which may carry the password; the run's config never does).
      return await runClusterCommand(
        'discord-dataset',
        command.command,
        createDiscordRun(command.command.db),
        safe,
      );
    }
    await runCommand(command, safe);
    return 0;
  } catch (error) {
    return reportFailure('discord-dataset', error, safe, AFTER_INTERRUPT[kind ?? ''] ?? undefined);
  }
}

// What an interrupted command leaves, when it is not "no output was left behind": the writers to PostgreSQL
// commit batch by batch.
const AFTER_INTERRUPT: Readonly<Record<string, string>> = {
  import: 'the batches committed so far are kept; importing the same files again is safe',
  generate: 'the rows committed so far are kept',
};

/** `io` with every secret masked in what is written to it: one place, whatever a message quotes. */
function masked(io: CliIo, secrets: readonly (string | undefined)[]): CliIo {
  const mask = (stream: CliIo['stderr']): CliIo['stderr'] => ({
    write: (text: string) => stream.write(redact(text, secrets)),
    ...(stream.isTTY === undefined ? {} : { isTTY: stream.isTTY }),
  });
  return { ...io, stdout: mask(io.stdout), stderr: mask(io.stderr) };
}
