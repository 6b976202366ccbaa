// Guards against a crash leaving a half-written file under the final name: each writer (atomic file,
// JSONL, Parquet on one or two threads) runs in a child process that is SIGKILLed (no clean-up runs)
// once its first bytes are on disk, as the child announces; only a hidden temporary may remain.
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

const slowWriter = fileURLToPath(new URL('../fixtures/slow-writer.ts', import.meta.url));

/** Starts the fixture, waits until it has written bytes, SIGKILLs it; returns the directory listing. */
async function killMidWrite(kind: string, dir: string, path: string): Promise<string[]> {
  const child = spawn('node', ['--import', 'tsx', slowWriter, kind, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('wrote')) resolve();
    });
    child.on('exit', () => reject(new Error(`writer exited before writing: ${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  return readdir(dir);
}

describe('record-io writers', () => {
  for (const kind of ['atomic', 'jsonl', 'parquet', 'parquet-threads']) {
    it(`[kill] SIGKILL mid-write of ${kind}: no file under the final name, only a partial hidden temporary`, async () => {
      const dir = await tempDir();
      const path = join(dir, 'out.data');
      const names = await killMidWrite(kind, dir, path);
      expect(names).not.toContain('out.data');
      expect(names).toHaveLength(1);
      expect(names[0]).toMatch(/^\.out\.data\.tmp-[0-9a-f]{8}-\d+-[0-9a-f]{12}$/);
      // The kill really landed mid-write: bytes had reached the temporary file.
      expect((await stat(join(dir, names[0]!))).size).toBeGreaterThan(0);
    });
  }

  it('control: the same writer left to finish does create the file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.data');
    const child = spawn('node', ['--import', 'tsx', slowWriter, 'parquet', path, 'commit'], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(await readdir(dir)).toEqual(['out.data']);
  });
});
