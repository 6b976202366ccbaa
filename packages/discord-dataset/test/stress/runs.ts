// What the discord-dataset stress tests share: a run in a child process that can be signalled at a chosen event
// (its Nth progress line, a name appearing in a directory, a condition polled in the database), the real CLI in
// a child process, and the checks every fault ends with.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { digestFile } from '@prepkit/bench-harness';
import type { ImportOptions, PrepareOptions } from '../../src/index.js';

const childEntry = fileURLToPath(new URL('./child.ts', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));

/** When to act on a running child: its Nth progress line (of a phase starting with `phase`), or a name appearing in `dir`. */
export interface RunEvent {
  readonly line?: number;
  readonly phase?: string;
  readonly file?: RegExp;
  /** Polled every few milliseconds while the child runs (a row count, a backend in pg_stat_activity). */
  readonly when?: () => Promise<boolean>;
}

export interface ChildEnd {
  /** The event happened (and the action ran). */
  readonly reached: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `prepare` or `import` through the library in a child (./child.ts) and runs `act` at `event`. */
export function libraryUntil(
  command: 'prepare' | 'import',
  options: PrepareOptions | ImportOptions,
  dir: string,
  event: RunEvent,
  act: (child: ChildProcess) => unknown,
): Promise<ChildEnd> {
  const child = spawn(process.execPath, ['--import', 'tsx', childEntry, command, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return actAt(child, dir, event, act);
}

/** Runs the `discord-dataset` CLI (from source) with `argv` and runs `act` at `event` (none: to the end). */
export function cliUntil(
  argv: readonly string[],
  dir: string,
  event: RunEvent,
  act: (child: ChildProcess) => unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildEnd> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  return actAt(child, dir, event, act);
}

/** The CLI run to its end. */
export function cli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildEnd> {
  return cliUntil(argv, '.', {}, () => undefined, env);
}

function actAt(
  child: ChildProcess,
  dir: string,
  event: RunEvent,
  act: (child: ChildProcess) => unknown,
): Promise<ChildEnd> {
  let reached = false;
  let exited = false;
  let stdout = '';
  let stderr = '';
  const fire = (): void => {
    if (reached || exited) return;
    reached = true;
    void act(child);
  };
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The directory exists before the child starts, so every name that appears in it is seen.
  const watcher =
    event.file === undefined
      ? undefined
      : watch(dir, (_, name) => {
          if (name !== null && event.file!.test(name)) fire();
        });
  let lines = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    if (
      event.line !== undefined &&
      line.startsWith(event.phase ?? '') &&
      /: /.test(line) &&
      ++lines === event.line
    )
      fire();
  });
  const exit = new Promise<ChildEnd>((resolve) => {
    child.on('exit', (code, exitSignal) => {
      exited = true;
      watcher?.close();
      resolve({ reached, code, signal: exitSignal, stdout, stderr });
    });
  });
  if (event.when !== undefined) {
    const when = event.when;
    void (async () => {
      while (!exited && !reached) {
        if (await when()) fire();
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
  }
  return exit;
}

/** Names in `dir` that are hidden: temporaries of writers. */
export async function hiddenNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.'));
}

/** sha256 of each named file in `dir`. */
export async function digests(dir: string, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = (await digestFile(join(dir, name))).sha256;
  return out;
}

export const SPLIT_FILES = ['train.jsonl', 'valid.jsonl'] as const;
export const OUTPUT_FILES = ['manifest.json', ...SPLIT_FILES] as const;
