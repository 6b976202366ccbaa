import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlRecordError, openJsonlWriter, resolveJsonlWriterOptions, writeJsonl } from '../src/index.js';
import { tempDir } from './helpers.js';

describe('JsonlWriter', () => {
  it('writes one JSON value per line, UTF-8, newline-terminated, and counts records and bytes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.jsonl');
    const records = [
      { text: 'line one\nline two', emoji: '👍🏽', accents: 'naïve café' },
      [1, 2],
      'plain',
      42,
      null,
    ];
    const result = await writeJsonl(path, records);
    const bytes = await readFile(path);
    const text = bytes.toString('utf8');
    expect(text).toBe(`${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(text.split('\n')).toHaveLength(records.length + 1);
    expect(text).toContain('line one\\nline two'); // the newline inside a string is escaped
    expect(result).toEqual({ path, records: records.length, bytes: bytes.byteLength });
  });

  it('never writes a blank line: unserialisable records are rejected and skipped', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.jsonl');
    const writer = await openJsonlWriter<unknown>(path);
    await writer.write({ a: 1 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, () => 1, Symbol('s'), 10n, cyclic]) {
      const error = await writer.write(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JsonlRecordError);
      expect(error).toMatchObject({ code: 'PREPKIT_JSONL_UNSERIALISABLE', index: 1, path });
    }
    await writer.write({ b: 2 });
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n{"b":2}\n');
  });

  it('names the file and the record in the error message', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.jsonl');
    await expect(writeJsonl(path, [{}, {}, undefined])).rejects.toThrow(
      `${path}: record 2 cannot be written as JSON: undefined has no JSON form`,
    );
  });

  it('leaves no file when writing fails part-way', async () => {
    const dir = await tempDir();
    async function* source() {
      yield { ok: true };
      await new Promise((resolve) => setTimeout(resolve, 1));
      throw new Error('source failed');
    }
    await expect(writeJsonl(join(dir, 'out.jsonl'), source())).rejects.toThrow('source failed');
    expect(await readdir(dir)).toEqual([]);
  });

  it('flushes as it goes (back-pressure), holding at most about bufferSize in memory', async () => {
    const dir = await tempDir();
    const path = join(dir, 'out.jsonl');
    const writer = await openJsonlWriter(path, { bufferSize: 4096 });
    let written = 0;
    for (let i = 0; i < 2000; i++) {
      const record = { i, pad: 'x'.repeat(50) };
      written += JSON.stringify(record).length + 1;
      await writer.write(record);
      // Once write has resolved, everything but the current buffer is on disk.
      expect(written - writer.bytes).toBeLessThan(4096 + 100);
    }
    const { bytes } = await writer.close();
    expect(bytes).toBe(written);
    expect((await stat(path)).size).toBe(written);
  });

  it('validates its options', () => {
    expect(() => resolveJsonlWriterOptions({ bufferSize: 0 })).toThrow(
      'options.bufferSize must be a positive integer (got 0)',
    );
    expect(resolveJsonlWriterOptions()).toEqual({ bufferSize: 1 << 20, mode: undefined });
  });
});
