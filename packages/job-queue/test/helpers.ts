import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(PACKAGE_DIR, 'test', 'fixtures', 'toy-worker.ts');

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Every JSON line the worker printed so far. */
  readonly lines: Record<string, unknown>[];
  /** Everything it wrote to stderr. */
  readonly stderr: string[];
  /** Resolves with the first line matching `predicate` (at once when one was printed already). */
  waitFor(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  readonly concurrency?: number;
  readonly exitWhenIdle?: boolean;
  /** Runs the worker inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every worker a test started that is still running (a test that timed out), for afterAll. */
export async function killWorkers(): Promise<void> {
  const exits = [...running].map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(exits);
}

/** Starts the toy worker in a child process (a real process, as on another machine). */
export function spawnWorker(url: string, schema: string, options: SpawnOptions = {}): WorkerProcess {
  const args = ['--import', 'tsx', WORKER, schema, String(options.concurrency ?? 1)];
  const [command, argv] =
    options.netns === undefined
      ? [process.execPath, args]
      : ['ip', ['netns', 'exec', options.netns, process.execPath, ...args]];
  const child = spawn(command, argv, {
    cwd: PACKAGE_DIR,
    env: {
      ...process.env,
      PREPKIT_QUEUE_URL: url,
      PREPKIT_EXIT_WHEN_IDLE: options.exitWhenIdle === false ? '0' : '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters: {
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { text };
    }
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr,
    exited,
    waitFor(predicate) {
      const found = lines.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal }) =>
          reject(
            new Error(`worker exited (${String(code ?? signal)}) first: ${stderr.join('').slice(-2000)}`),
          ),
        );
      });
    },
  };
}

/** The output directory's files (manifest aside) with their bytes, for comparing two runs. */
export async function outputFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('part-')) out[name] = await readFile(join(dir, name), 'utf8');
  }
  return out;
}

/** The files and sha256 a manifest lists, for comparing two runs' manifests. */
export async function manifestOutputs(dir: string): Promise<unknown> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { outputs: unknown[] };
  return manifest.outputs;
}
