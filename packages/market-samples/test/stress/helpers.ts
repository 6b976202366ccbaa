import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { samplesFileName } from '../../src/options.js';

// What the fault tests share: the built CLI in a child process, the small build they interrupt, and what they
// check afterwards. The CLI is the one users run (bin -> dist), so `npm run build` comes first (the package's
// test:stress target depends on it).

export const BIN = fileURLToPath(new URL('../../bin/market-samples.js', import.meta.url));

export const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD'];

/** A build of about 2 s on a 2-core machine: 20 row groups of ~0.14 MB, so kills land inside the write. */
export const BUILD = [
  'build',
  '--n-samples',
  '8000',
  '--window',
  '16',
  '--horizons',
  '1,5',
  '--chunk-rows',
  '400',
  '--threads',
  '2',
  '--seed',
  '7',
];
export const SAMPLES = samplesFileName({}, 8000);
export const SCALER = 'meta_scaler.json';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Child {
  readonly process: ChildProcess;
  /** Resolves once the child has been spawned (its pid exists). */
  readonly spawned: Promise<void>;
  readonly exit: Promise<Exit>;
}

/** Starts `market-samples <args>` from the built bin. */
export function startCli(args: readonly string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exit = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { process: child, spawned, exit };
}

export function runCli(args: readonly string[]): Promise<Exit> {
  return startCli(args).exit;
}

/** CPU time (user + system, all threads) the process has used so far, in clock ticks; undefined once gone. */
export async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * Resolves once `condition` holds, checking it every few milliseconds: this waits for an event in the child
 * (its CPU time, a file appearing or growing), never for a fixed time. Resolves false if the child exits first.
 */
export async function waitFor(child: Child, condition: () => Promise<boolean> | boolean): Promise<boolean> {
  let exited = false;
  void child.exit.then(() => (exited = true));
  for (;;) {
    if (await condition()) return true;
    if (exited) return false;
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Hidden temporaries (`.<name>.tmp-…`) in `dir`. */
export async function temporaries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^\..+\.tmp-/.test(name));
}

/** A fresh directory under the system temporary folder; `cleanUp` removes them all. */
export async function freshDir(prefix = 'market-samples-stress-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
const made: string[] = [];
export async function cleanUp(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Copies the raw files (and any other listed files) of `from` into `to`. */
export async function copyFiles(from: string, to: string, names?: readonly string[]): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const name of names ?? (await readdir(from)).filter((n) => n.startsWith('raw_')))
    if (existsSync(join(from, name))) await copyFile(join(from, name), join(to, name));
}

/** Raw files for TICKERS (4000 bars each), generated once per test file through the CLI. */
export async function rawFixture(): Promise<string> {
  const dir = await freshDir('market-samples-raw-');
  const made = await runCli(['generate-raw', '--bars', '4000', '--seed', '1', '--data-dir', dir, '-q']);
  if (made.code !== 0) throw new Error(`generate-raw failed: ${made.stderr}`);
  return dir;
}
