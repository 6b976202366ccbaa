import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlMalformedError, readJsonl, writeJsonl } from '../src/index.js';
import { tempDir } from './helpers.js';

const TRICKY = [
  { text: 'newline\ninside, tab\t, quote " and backslash \\', n: 1 },
  { emoji: '😀👩🏽‍💻🇫🇷', cjk: '漢字かな', rtl: 'שלום', combining: 'e\u0301' },
  { separators: '\u2028\u2029', nul: '\u0000', lone: 'ok' },
  [1.5, -0, 1e21, true, false, null],
  'a string record',
  { nested: { deep: [{ x: 'é'.repeat(100) }] } },
];

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('readJsonl', () => {
  it('round-trips Unicode, emoji and escaped newlines through the writer', async () => {
    const path = join(await tempDir(), 'in.jsonl');
    await writeJsonl(path, TRICKY);
    expect(await collect(readJsonl(path))).toEqual(JSON.parse(JSON.stringify(TRICKY)));
  });

  it('reassembles multi-byte characters split across read chunks', async () => {
    const path = join(await tempDir(), 'in.jsonl');
    const records = Array.from({ length: 200 }, (_, i) => ({ i, s: '😀é漢'.repeat(i % 7) }));
    await writeJsonl(path, records);
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      const reader = readJsonl(path, { chunkSize });
      expect(await collect(reader)).toEqual(records);
      expect(reader.records).toBe(records.length);
    }
  });

  it('accepts CRLF line ends, a missing final newline and a UTF-8 BOM', async () => {
    const path = join(await tempDir(), 'in.jsonl');
    await writeFile(path, '\uFEFF{"a":1}\r\n{"b":"ü"}\r\n{"c":3}');
    const reader = readJsonl(path, { chunkSize: 4 });
    expect(await collect(reader)).toEqual([{ a: 1 }, { b: 'ü' }, { c: 3 }]);
    expect(reader.bytes).toBe(Buffer.byteLength('\uFEFF{"a":1}\r\n{"b":"ü"}\r\n{"c":3}'));
  });

  it('reports a malformed line with the file and its 1-based line number', async () => {
    const path = join(await tempDir(), 'bad.jsonl');
    const lines = Array.from({ length: 100 }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(i % 5) }));
    lines[56] = '{"i": 56, oops}';
    await writeFile(path, `${lines.join('\n')}\n`);
    for (const chunkSize of [16, 1 << 20]) {
      const error = await collect(readJsonl(path, { chunkSize })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JsonlMalformedError);
      expect(error).toMatchObject({ code: 'PREPKIT_JSONL_MALFORMED', path, line: 57 });
      expect((error as Error).message).toMatch(new RegExp(`^${path}:57: invalid JSON`));
    }
  });

  it('yields the records before a bad line, then throws', async () => {
    const path = join(await tempDir(), 'bad.jsonl');
    await writeFile(path, '{"a":1}\r\n{"a":2}\r\n[1,\r\n');
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const record of readJsonl(path)) seen.push(record);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([{ a: 1 }, { a: 2 }]);
    expect(error).toMatchObject({ line: 3 });
  });

  it('reports blank lines (unless allowed) and invalid UTF-8 by line', async () => {
    const dir = await tempDir();
    const blank = join(dir, 'blank.jsonl');
    await writeFile(blank, '1\n2\n\n4\n');
    await expect(collect(readJsonl(blank))).rejects.toThrow(`${blank}:3: blank line`);
    expect(await collect(readJsonl(blank, { allowBlankLines: true }))).toEqual([1, 2, 4]);

    const latin1 = join(dir, 'latin1.jsonl');
    await writeFile(
      latin1,
      Buffer.concat([Buffer.from('"ok"\n"caf'), Buffer.from([0xe9]), Buffer.from('"\n')]),
    );
    await expect(collect(readJsonl(latin1))).rejects.toThrow(`${latin1}:2: not valid UTF-8`);
  });

  it('yields batches of N, the last one shorter', async () => {
    const path = join(await tempDir(), 'in.jsonl');
    await writeJsonl(
      path,
      Array.from({ length: 25 }, (_, i) => i),
    );
    const sizes = (await collect(readJsonl<number>(path, { chunkSize: 8 }).batches(10))).map((b) => b.length);
    expect(sizes).toEqual([10, 10, 5]);
    expect(() => readJsonl(path).batches(0)).toThrow(
      'batches(size): size must be a positive integer (got 0)',
    );
  });

  it('reads no further ahead than it needs while a slow consumer works (back-pressure)', async () => {
    const path = join(await tempDir(), 'big.jsonl');
    const { bytes: fileBytes } = await writeJsonl(
      path,
      Array.from({ length: 20_000 }, (_, i) => ({ i, pad: 'x'.repeat(90) })),
    );
    const chunkSize = 16 * 1024;
    const reader = readJsonl<{ i: number }>(path, { chunkSize });
    let seen = 0;
    let consumed = 0;
    for await (const record of reader) {
      expect(record.i).toBe(seen++);
      consumed += JSON.stringify(record).length + 1;
      if (seen % 1000 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        // Only a few chunks are read beyond what has been consumed, not the 2 MB file.
        expect(reader.bytes - consumed).toBeLessThan(4 * chunkSize);
      }
    }
    expect(seen).toBe(20_000);
    expect(reader.bytes).toBe(fileBytes);
  });

  it('stops when its signal aborts', async () => {
    const path = join(await tempDir(), 'in.jsonl');
    await writeJsonl(
      path,
      Array.from({ length: 10_000 }, (_, i) => i),
    );
    const controller = new AbortController();
    const read = (async () => {
      let n = 0;
      for await (const record of readJsonl(path, { signal: controller.signal, chunkSize: 1024 })) {
        if (record === 9) controller.abort();
        n++;
      }
      return n;
    })();
    await expect(read).rejects.toThrow();
  });
});
