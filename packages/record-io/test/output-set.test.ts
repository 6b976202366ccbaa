import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MANIFEST_FILE,
  OutputExistsError,
  OutputLocationError,
  beginOutputSet,
  openAtomicFile,
  prepareOutputDirectory,
  removeStaleTemporaries,
  temporaryPathFor,
  verify,
} from '../src/index.js';

const TOOL = { name: 'test', version: '0' };
let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'output-set-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeSet(out: string, text: string, overwrite = false): Promise<void> {
  const set = await beginOutputSet(out, { files: ['a.txt', 'b.txt'], overwrite });
  for (const name of ['a.txt', 'b.txt']) {
    await using file = await openAtomicFile(set.path(name));
    await file.write(`${name} ${text}\n`);
    await file.commit();
  }
  await set.commit({ tool: TOOL, outputs: [set.path('a.txt'), set.path('b.txt')] });
}

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('beginOutputSet', () => {
  it('writes the files and then a manifest that verifies', async () => {
    await writeSet(join(dir, 'out'), 'one');
    expect((await verify(join(dir, 'out'))).ok).toBe(true);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['a.txt', 'b.txt', MANIFEST_FILE]);
  });

  it('refuses a complete earlier output without overwrite, and replaces it with', async () => {
    const out = join(dir, 'out');
    await writeSet(out, 'one');
    await expect(writeSet(out, 'two')).rejects.toThrow(OutputExistsError);
    await expect(writeSet(out, 'two')).rejects.toThrow(/a\.txt exists; pass --overwrite/);
    await writeSet(out, 'two', true);
    expect((await verify(out)).ok).toBe(true);
  });

  it('takes the old manifest away before any new file is committed', async () => {
    const out = join(dir, 'out');
    await writeSet(out, 'one');
    const set = await beginOutputSet(out, { files: ['a.txt', 'b.txt'], overwrite: true });
    // A kill from here on leaves files without a manifest, never new files beside the old manifest.
    expect(await readdir(out)).not.toContain(MANIFEST_FILE);
    expect(set.dir).toBe(out);
  });

  it('replaces the files an interrupted run left without a manifest, without overwrite', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'a.txt'), 'half a run\n');
    await writeSet(out, 'new');
    expect((await verify(out)).ok).toBe(true);
  });

  it('removes the temporaries of dead processes, keeping those of live ones', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const live = temporaryPathFor(join(out, 'a.txt'));
    await writeFile(live, 'mine');
    const dead = live.replace(`-${process.pid}-`, `-${await deadPid()}-`);
    await writeFile(dead, 'left by a SIGKILL');
    const legacy = join(out, `.b.txt.tmp-${await deadPid()}-abcdef`);
    await writeFile(legacy, 'an older name, without the host');
    const set = await beginOutputSet(out, { files: ['a.txt'] });
    expect([...set.staleRemoved].sort()).toEqual([dead, legacy].sort());
    expect(await readdir(out)).toContain(live.slice(out.length + 1));
    expect(await removeStaleTemporaries(out)).toEqual([]);
  });
});

describe('prepareOutputDirectory', () => {
  it('names the file that stands where a directory is needed', async () => {
    await writeFile(join(dir, 'file'), '');
    await expect(prepareOutputDirectory(join(dir, 'file', 'sub'))).rejects.toThrow(
      new OutputLocationError(join(dir, 'file'), 'a file stands where a directory is needed'),
    );
  });

  it.skipIf(process.getuid?.() !== 0)(
    'says "read-only file system", not ENOENT, under a read-only mount',
    async () => {
      const mount = join(dir, 'ro');
      await mkdir(mount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', mount]);
      try {
        await expect(prepareOutputDirectory(join(mount, 'a', 'b'))).rejects.toThrow(
          `${mount}: read-only file system`,
        );
        await expect(openAtomicFile(join(mount, 'x.txt'))).rejects.toThrow(
          `${join(mount, 'x.txt')}: read-only file system`,
        );
      } finally {
        execFileSync('umount', [mount]);
      }
    },
  );

  it.skipIf(process.getuid?.() !== 0)(
    'names the file when the disk fills, and leaves no temporary',
    async () => {
      const mount = join(dir, 'small');
      await mkdir(mount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount]);
      try {
        const target = join(mount, 'big.bin');
        await expect(
          (async () => {
            await using file = await openAtomicFile(target);
            await file.write(new Uint8Array(1024 * 1024));
            await file.commit();
          })(),
        ).rejects.toThrow(`${target}: no space left on device`);
        expect(await readdir(mount)).toEqual([]);
      } finally {
        execFileSync('umount', [mount]);
      }
    },
  );
});
