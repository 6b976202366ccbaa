import type { CliIo } from '@prepkit/bench-harness/cli';

/** A `main` io that keeps what the CLI writes: `out` and `err` are the chunks written to stdout and stderr. */
export function capture(signal?: AbortSignal): { out: string[]; err: string[]; io: CliIo } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: false },
      env: {},
      ...(signal === undefined ? {} : { signal }),
    },
  };
}
