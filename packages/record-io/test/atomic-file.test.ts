import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicFileStateError, openAtomicFile, temporaryPathFor } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('openAtomicFile', () => {
  it('shows nothing under the final name until commit, then the whole file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.txt');
    const file = await openAtomicFile(path);
    await file.write('hello ');
    await file.write(new TextEncoder().encode('wörld\n'));
    expect(await readdir(dir)).toEqual([
      expect.stringMatching(/^\.out\.txt\.tmp-[0-9a-f]{8}-\d+-[0-9a-f]{12}$/),
    ]);
    expect(file.bytesWritten).toBe(13);
    await file.commit();
    expect(await readdir(dir)).toEqual(['out.txt']);
    expect(await readFile(path, 'utf8')).toBe('hello wörld\n');
    expect(file.state).toBe('committed');
  });

  it('replaces an older file only on commit', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old');
    const file = await openAtomicFile(path);
    await file.write('new');
    expect(await readFile(path, 'utf8')).toBe('old');
    await file.commit();
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('abort removes the temporary file and leaves an older file alone', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.txt');
    await writeFile(path, 'old');
    const file = await openAtomicFile(path);
    await file.write('partial');
    await file.abort();
    await file.abort(); // twice is fine
    expect(await readdir(dir)).toEqual(['out.txt']);
    expect(await readFile(path, 'utf8')).toBe('old');
  });

  it('aborts on disposal unless committed', async () => {
    const dir = await tempDir();
    {
      await using file = await openAtomicFile(join(dir, 'dropped.txt'));
      await file.write('x');
    }
    {
      await using file = await openAtomicFile(join(dir, 'kept.txt'));
      await file.write('y');
      await file.commit();
    }
    expect(await readdir(dir)).toEqual(['kept.txt']);
  });

  it('refuses writes after commit or abort', async () => {
    const dir = await tempDir();
    const file = await openAtomicFile(join(dir, 'a.txt'));
    await file.commit();
    expect(() => file.write('late')).toThrow(AtomicFileStateError);
    expect(() => file.write('late')).toThrow(/cannot write: the file was already committed/);
    await expect(file.commit()).rejects.toMatchObject({ code: 'PREPKIT_ATOMIC_FILE_CLOSED' });
  });

  it('keeps the bytes of concurrent writes in call order', async () => {
    const dir = await tempDir();
    const file = await openAtomicFile(join(dir, 'order.txt'));
    await Promise.all(Array.from({ length: 50 }, (_, i) => file.write(`${i}\n`)));
    await file.commit();
    const lines = (await readFile(join(dir, 'order.txt'), 'utf8')).trim().split('\n');
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('names temporary files so that they are hidden and unique', () => {
    const a = temporaryPathFor('/data/train.parquet');
    const b = temporaryPathFor('/data/train.parquet');
    expect(a).toMatch(new RegExp(`^/data/\\.train\\.parquet\\.tmp-[0-9a-f]{8}-${process.pid}-[0-9a-f]{12}$`));
    expect(a).not.toBe(b);
  });
});
