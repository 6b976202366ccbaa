// Guards against a model directory that looks usable but is not: a full disk or a read-only location while
// `embeddings make-test-model` writes must leave no partial directory and no temporary, the error must name
// the path, and an earlier complete model under the same name must stay as it was. Needs root (tmpfs, bind
// mounts); skipped otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestFile } from '@prepkit/bench-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers.js';

const root = process.getuid?.() === 0;
let dir: string;
const mounts: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-disk-'));
});
afterAll(async () => {
  for (const mount of mounts.reverse()) execFileSync('umount', [mount]);
  await rm(dir, { recursive: true, force: true });
});

/** A tmpfs of `size` at a new folder under the test's directory. */
async function tmpfs(name: string, size: string): Promise<string> {
  const at = join(dir, name);
  await mkdir(at);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
  mounts.push(at);
  return at;
}

async function makeModel(output: string, ...more: string[]): ReturnType<typeof startCli>['exit'] {
  // The database URL is not used by make-test-model.
  return startCli(['make-test-model', '--output', output, '-q', ...more], 'postgresql://unused@127.0.0.1/x')
    .exit;
}

async function digests(folder: string): Promise<Record<string, string>> {
  const entries: [string, string][] = [];
  const names = (await readdir(folder)).sort();
  for (const name of names) entries.push([name, (await digestFile(join(folder, name))).sha256]);
  return Object.fromEntries(entries);
}

describe('embeddings make-test-model', () => {
  // The tiny model is ~750 KiB: 300 KiB fills up in model.onnx, 748 KiB in manifest.json, written last.
  it.skipIf(!root).each([
    ['300k', 'model.onnx'],
    ['748k', 'manifest.json'],
  ])(
    '[disk] a %s tmpfs fills up while writing %s: exit 2 naming it, no folder and no temporary left',
    async (size, file) => {
      const disk = await tmpfs(`full-${size}`, size);
      const output = join(disk, 'models', 'tiny');
      const result = await makeModel(output);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(`embeddings: ${join(output, file)}: no space left on device\n`);
      expect(await readdir(disk)).toEqual([]);
    },
  );

  it.skipIf(!root)('[disk] a full disk into an existing folder removes only what the run wrote', async () => {
    const disk = await tmpfs('full-existing', '300k');
    await mkdir(join(disk, 'tiny'));
    const result = await makeModel(join(disk, 'tiny'));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/tiny\/model\.onnx: no space left on device\n$/);
    expect(await readdir(join(disk, 'tiny'))).toEqual([]);
  });

  it.skipIf(!root)('[disk] a read-only location: exit 2 naming it, an earlier model unchanged', async () => {
    const writable = join(dir, 'rw');
    await mkdir(writable);
    const made = await makeModel(join(writable, 'tiny'));
    expect(made.code, made.stderr).toBe(0);
    const before = await digests(join(writable, 'tiny'));
    const readOnly = join(dir, 'ro');
    await mkdir(readOnly);
    execFileSync('mount', ['--bind', writable, readOnly]);
    mounts.push(readOnly);
    execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
    const fresh = await makeModel(join(readOnly, 'other'));
    expect(fresh.code, fresh.stderr).toBe(2);
    expect(fresh.stderr).toBe(`embeddings: ${readOnly}: read-only file system\n`);
    const over = await makeModel(join(readOnly, 'tiny'), '--overwrite');
    expect(over.code, over.stderr).toBe(2);
    expect(over.stderr).toMatch(/read-only file system\n$/);
    expect(await digests(join(writable, 'tiny'))).toEqual(before);
    expect(existsSync(join(writable, 'other'))).toBe(false);
  });

  it.skipIf(!root)(
    '[disk] without --overwrite an earlier model on a full disk is refused and left as it was',
    async () => {
      const disk = await tmpfs('full-refused', '760k');
      const output = join(disk, 'tiny');
      const made = await makeModel(output);
      expect(made.code, made.stderr).toBe(0);
      const before = await digests(output);
      const again = await makeModel(output, '--seed', 'other');
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/already holds manifest\.json, tokenizer\.json.*pass --overwrite/);
      expect(await digests(output)).toEqual(before);
    },
  );
});
