import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { QueueStatus } from '../status.js';

// A pipeline's CLI in child processes for cluster tests: each `worker` is its own process, as on another
// machine (or in another network namespace, through `NetworkHosts.spawn`). The database URL goes in
// DATABASE_URL, never on a command line.

/** Fast queue settings for tests, with a queue schema of the test file's own: a killed worker's shard is retried within seconds. */
export function testQueueFlags(schema: string): string[] {
  return [
    ...['--queue-schema', schema],
    ...['--heartbeat', '10', '--supervise-interval', '1', '--poll-interval', '0.5'],
    ...['--retry-delay', '1', '--retry-limit', '2'],
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

/** How a process is started: `spawn`, or another machine's way (`NetworkHosts.spawn` bound to a host). */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** A value as JSON gives it back: dates as ISO strings. */
type Jsonified<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Jsonified<U>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;

/** What `<cli> status --json` prints. */
export type StatusJson = Jsonified<QueueStatus>;

export interface CliProcesses {
  /** Starts `<cli> <argv>` with `DATABASE_URL=url`. */
  readonly startCli: (argv: readonly string[], url: string, spawner?: Spawner) => CliProcess;
  /** Runs `<cli> <argv>` to its end. */
  readonly runCli: (
    argv: readonly string[],
    url: string,
  ) => Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** SIGKILLs every process started that is still running (a test that failed), for afterAll. */
  readonly killAll: () => Promise<void>;
}

/**
 * The CLI named `name` whose entry is the script `entry` (`src/cli/run.ts` through tsx, or `bin/<cli>.js`),
 * started in child processes.
 *
 * @example
 * export const { startCli, runCli, killAll } = cliProcesses('probe-rows', fileURLToPath(new URL('../src/cli/run.ts', import.meta.url)));
 */
export function cliProcesses(name: string, entry: string): CliProcesses {
  const running = new Set<ChildProcess>();
  const nodeArgs = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
  const startCli = (argv: readonly string[], url: string, spawner: Spawner = spawn): CliProcess => {
    const child = spawner(process.execPath, [...nodeArgs, ...argv], {
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
              reject(new Error(`${name} exited before printing ${String(pattern)}:\n${stderr}`));
            }
          };
          waiters.add(check);
          check();
        }),
    };
  };
  return {
    startCli,
    runCli: async (argv, url) => {
      const cli = startCli(argv, url);
      const { code } = await cli.exited;
      return { code, stdout: cli.stdout(), stderr: cli.stderr() };
    },
    killAll: async () => {
      const exits = [...running].map((child) => new Promise((resolve) => child.once('close', resolve)));
      for (const child of running) child.kill('SIGKILL');
      await Promise.all(exits);
    },
  };
}
