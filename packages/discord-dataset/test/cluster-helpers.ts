// Worker processes and in-process commands for the queued-run tests (test/cluster.test.ts and the stress suite).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Spawner } from '@prepkit/job-queue/testing';

export type { Spawner } from '@prepkit/job-queue/testing';
import { main } from '../src/cli/main.js';

export { testQueueFlags as queueFlags } from '@prepkit/job-queue/testing';

/** Runs the CLI in-process with captured output. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/** `discord-dataset worker <args>` as a child process (the CLI's own entry, through tsx). */
export function startWorker(
  args: readonly string[],
  env: Record<string, string> = {},
  spawner: Spawner = spawn,
): WorkerProcess {
  const runTs = fileURLToPath(new URL('../src/cli/run.ts', import.meta.url));
  const child = spawner(process.execPath, ['--import', 'tsx', runTs, 'worker', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}
