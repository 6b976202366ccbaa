// The market-samples CLI in child processes for the cluster tests: each `worker` is its own process, as on another
// machine. The database URL goes in DATABASE_URL (never on a command line).
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));

/** Fast queue settings for tests: a killed worker's shard is retried within seconds. */
export function queueFlags(schema: string): string[] {
  return [
    '--queue-schema',
    schema,
    '--heartbeat',
    '10',
    '--supervise-interval',
    '1',
    '--poll-interval',
    '0.5',
    '--retry-delay',
    '1',
    '--retry-limit',
    '2',
  ];
}

export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once a stderr line matches (at once if one did already); rejects if the process exits first. */
  waitForLine(pattern: RegExp): Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every CLI process a test started that is still running (a test that failed), for afterAll. */
export async function killAll(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(exits);
}

/** How a process is started: `spawn`, or another machine's way (a network namespace's `NetworkHosts.spawn`). */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Starts `market-samples <argv>` (from source) with `DATABASE_URL=url`. */
export function startCli(argv: readonly string[], url: string, spawner: Spawner = spawn): CliProcess {
  const child = spawner(process.execPath, ['--import', 'tsx', CLI, ...argv], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  let ended = false;
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const check of waiters) check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      ended = true;
      for (const check of waiters) check();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLine: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const line = stderr.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            waiters.delete(check);
            resolve(line);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`market-samples exited before printing ${String(pattern)}:\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Runs `market-samples <argv>` to its end. */
export async function runCli(
  argv: readonly string[],
  url: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(argv, url);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
