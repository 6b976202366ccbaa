// What the probe-rows stress tests share: a build in a child process that can be killed at a chosen event,
// the real CLI in a child process, and the checks every fault ends with.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { digestFile } from '@prepkit/bench-harness';
import type { BuildOptions } from '../../src/index.js';

const buildChild = fileURLToPath(new URL('../fixtures/build-child.ts', import.meta.url));
const cliEntry = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url));

/** When to act on a running build: on its Nth `encode:` progress line, or when a name in its output appears. */
export interface RunEvent {
  readonly line?: number;
  readonly file?: RegExp;
}

export interface ChildEnd {
  /** The child reached the event (and was sent the signal). */
  readonly reached: boolean;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs `probe-rows build` with `options` (test/fixtures/build-child.ts) and sends `signal` at `event`. */
export function buildUntil(
  options: BuildOptions,
  event: RunEvent,
  signal: NodeJS.Signals,
): Promise<ChildEnd> {
  const child = spawn(process.execPath, ['--import', 'tsx', buildChild, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return signalAt(child, options.output, event, signal);
}

/** Runs the `probe-rows` CLI (from source) with `argv` and sends `signal` when `event` happens in `dir`. */
export function cliUntil(
  argv: readonly string[],
  dir: string,
  event: RunEvent,
  signal: NodeJS.Signals,
): Promise<ChildEnd> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliEntry, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return signalAt(child, dir, event, signal);
}

function signalAt(
  child: ChildProcess,
  dir: string,
  event: RunEvent,
  signal: NodeJS.Signals,
): Promise<ChildEnd> {
  let reached = false;
  let stderr = '';
  const send = (): void => {
    if (reached) return;
    reached = true;
    child.kill(signal);
  };
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // The directory exists before the child starts, so every name that appears in it is seen.
  const watcher = watch(dir, (_, name) => {
    if (event.file !== undefined && name !== null && event.file.test(name)) send();
  });
  let lines = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('encode:') && ++lines === event.line) send();
  });
  return new Promise((resolve) => {
    child.on('exit', (code, exitSignal) => {
      watcher.close();
      resolve({ reached, code, signal: exitSignal, stderr });
    });
  });
}

/** Names in `dir` that are hidden: temporaries of writers, scratch directories. */
export async function hiddenNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.startsWith('.'));
}

/** sha256 of each named file in `dir`. */
export async function digests(dir: string, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = (await digestFile(join(dir, name))).sha256;
  return out;
}

export const SPLIT_FILES = ['test.array_record', 'train.array_record'] as const;
export const OUTPUT_FILES = ['manifest.json', ...SPLIT_FILES] as const;
