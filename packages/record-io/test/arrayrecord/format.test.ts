// Pins the on-disk format to docs/arrayrecord-format.md: hash vectors, block arithmetic,
// and the exact bytes of the official "digits" golden file's layout.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WasmHighwayHash } from 'highwayhasher';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrayRecordWriter } from '../../src/arrayrecord/arrayrecord-writer.js';
import { chunkEnd } from '../../src/arrayrecord/block-layout.js';
import { loadRiegeliHash } from '../../src/arrayrecord/riegeli-hash.js';
import { parseWriterOptions, writerOptionsToString } from '../../src/arrayrecord/writer-options.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrayrecord-format-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const le64 = (value: bigint): string => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  return b.toString('hex');
};

describe('HighwayHash-64', () => {
  it('matches the official test vectors (key 0..31, data[i] = i)', async () => {
    const module = await WasmHighwayHash.loadModule(); // the build riegeli-hash uses
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    const expected: [number, bigint][] = [
      [0, 0x907a56de22c26e53n],
      [1, 0x7eab43aac7cddd78n],
      [2, 0xb8d0569ab0b53d62n],
      [3, 0x5c6befab8a463d80n],
      [64, 0x75542c5d4cd2a6ffn],
    ];
    for (const [n, value] of expected) expect(hex(module.hash64(key, data.subarray(0, n)))).toBe(le64(value));
  });

  it('matches the Riegeli-key vectors taken from official files', async () => {
    const hash = await loadRiegeliHash();
    const vectors: [string, string][] = [
      ['', 'e19f13c0e9b1c372'],
      ['00000000000000004000000000000000', '83af70d10d884a3f'],
      ['0000000000000000e19f13c0e9b1c3727300000000000000' + '0000000000000000', '91bac23c9287e1a9'],
      ['00010130', 'da1033287d4f0c3b'],
      ['00000000000000006c00000000000000', 'bc812e208ad95aea'],
    ];
    for (const [input, stored] of vectors) expect(hex(hash(Buffer.from(input, 'hex')))).toBe(stored);
    expect(hex(hash(Buffer.from('Riegeli/records\nRiegeli/records\n')))).toBe(le64(0x72e041cd79038506n));
    expect(hex(hash(Uint8Array.from({ length: 64 }, (_, i) => i)))).toBe(le64(0xe34b1e100f1322afn));
    expect(hex(hash(new Uint8Array(65)))).toBe(le64(0xa643d677da0e02a7n));
  });

  it("keeps no memory per call (highwayhasher 0.4.4's native addon kept ~330 bytes a call)", async () => {
    // In a plain Node process: under vitest the package resolves to its browser build, and the
    // native addon is what Node itself loads. The source is imported through tsx.
    const source = new URL('../../src/arrayrecord/riegeli-hash.ts', import.meta.url).href;
    const script = `
      import { loadRiegeliHash } from '${source}';
      const hash = await loadRiegeliHash();
      const data = new Uint8Array(1024).fill(7);
      for (let i = 0; i < 10000; i++) hash(data);
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 500000; i++) hash(data);
      process.stdout.write(String(process.memoryUsage().rss - before));`;
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const grown = Number(stdout);
    // The native addon grew RSS by ~165 MB over these calls.
    expect(grown).toBeLessThan(64 * 2 ** 20);
  });
});

describe('block arithmetic', () => {
  it.each([
    [65500, 100, 1, 65664],
    [65525, 0, 0, 65589],
    [64, 65432, 1, 65536],
    [64, 65433, 1, 65561],
    [64, 20, 5000, 5064],
    [64, 131072, 1, 131224],
  ])('a chunk at %i with %i data bytes and %i records ends at %i', (begin, dataSize, records, end) => {
    expect(chunkEnd(begin, dataSize, records)).toBe(end);
  });
});

describe('options string', () => {
  it('resolves defaults as Options::FromString does and serialises as ToString', () => {
    expect(writerOptionsToString(parseWriterOptions(''))).toBe(
      'group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:20,max_parallelism:1',
    );
    const golden = 'group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1';
    expect(writerOptionsToString(parseWriterOptions(golden))).toBe(golden);
    const old =
      'group_size:65536,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:20,max_parallelism:1';
    expect(writerOptionsToString(parseWriterOptions(old))).toBe(old);
    expect(
      writerOptionsToString(parseWriterOptions('brotli:9,pad_to_block_boundary:true,group_size:3')),
    ).toBe('group_size:3,transpose:false,pad_to_block_boundary:true,brotli:9,max_parallelism:1');
  });

  it.each([
    ['zstd,snappy', 'conflicting compression options "zstd" and "snappy"'],
    ['snappy,window_log:20', 'window_log cannot be used with snappy'],
    ['group_size:0', 'option "group_size" must be an integer from 1 to 2147483647 (got "0")'],
    ['colour:blue', 'unknown ArrayRecord option "colour"'],
    ['transpose:true', 'transposed chunks ("transpose:true") are not supported'],
    ['default,zstd', '"default" must appear alone'],
  ])('rejects %s', (text, message) => {
    expect(() => parseWriterOptions(text)).toThrow(message);
  });
});

describe('the digits golden layout', () => {
  it('writes records "0".."4" uncompressed, group_size 1, byte for byte as the format doc computes', async () => {
    const path = join(dir, 'digits.array_record');
    const writer = await ArrayRecordWriter.create(path, {
      options: 'group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1',
    });
    for (const digit of ['0', '1', '2', '3', '4']) await writer.write(digit);
    const summary = await writer.close();
    const file = await readFile(path);
    expect(file.length).toBe(131072);
    expect(summary).toMatchObject({ records: 5, chunks: 5, bytes: 131072 });

    // §1.5: the first 64 bytes of every file.
    expect(hex(file.subarray(0, 64))).toBe(
      '83af70d10d884a3f0000000000000000' +
        '400000000000000091bac23c9287e1a9' +
        '0000000000000000e19f13c0e9b1c372' +
        '73000000000000000000000000000000',
    );
    // §3: five uncompressed simple chunks of 44 bytes (40 header + data "00 01 01 3d") at 64, 108, …, 240.
    const hash = await loadRiegeliHash();
    for (let i = 0; i < 5; i++) {
      const at = 64 + 44 * i;
      const data = Buffer.from([0, 1, 1, 0x30 + i]);
      expect(hex(file.subarray(at + 40, at + 44))).toBe(hex(data));
      expect(hex(file.subarray(at + 8, at + 40))).toBe(
        le64(4n) + hex(hash(data)) + le64(0x72n | (1n << 8n)) + le64(1n),
      );
      expect(hex(file.subarray(at, at + 8))).toBe(hex(hash(file.subarray(at + 8, at + 40))));
    }
    expect(hex(file.subarray(64 + 40, 64 + 44))).toBe('00010130');
    expect(hex(hash(Buffer.from('00010130', 'hex')))).toBe('da1033287d4f0c3b');

    // §4.2: the footer chunk at 284: metadata, then one entry per chunk, uncompressed.
    const footerAt = 284;
    const options = Buffer.from(
      'group_size:1,transpose:false,pad_to_block_boundary:false,uncompressed,max_parallelism:1',
    );
    const metadataInner = Buffer.concat([
      Buffer.from([0x08, 1, 0x10, 5, 0x18, 5, 0x22, options.length]),
      options,
    ]);
    const metadata = Buffer.concat([Buffer.from([0x0a, metadataInner.length]), metadataInner]);
    const entries = [0, 1, 2, 3, 4].map((i) => {
      const off = 64 + 44 * i;
      const varint = off < 128 ? [off] : [(off & 0x7f) | 0x80, off >> 7];
      return Buffer.from([0x08, ...varint, 0x10, 1, 0x18, 1]);
    });
    const records = [metadata, ...entries];
    const footerData = Buffer.concat([
      Buffer.from([0, records.length, ...records.map((r) => r.length)]),
      ...records,
    ]);
    const footerEnd = footerAt + 40 + footerData.length;
    expect(hex(file.subarray(footerAt + 40, footerEnd))).toBe(hex(footerData));
    expect(file.readBigUInt64LE(footerAt + 24)).toBe(0x72n | (6n << 8n));
    expect(file.readBigUInt64LE(footerAt + 32)).toBe(BigInt(records.reduce((n, r) => n + r.length, 0)));

    // §1.7: a padding chunk from the footer's end to 65536.
    expect(file.readBigUInt64LE(footerEnd + 8)).toBe(BigInt(65536 - footerEnd - 40));
    expect(file[footerEnd + 24]).toBe(0x70);

    // §4.5: the postscript block: block header (prev 0, next 64 + 44), chunk of 3 x 13-byte records.
    expect(file.readBigUInt64LE(65536 + 8)).toBe(0n);
    expect(file.readBigUInt64LE(65536 + 16)).toBe(108n);
    const postscript = Buffer.from([
      0x08, 0x9c, 0x02, 0x10, 0xde, 0xc0, 0xeb, 0xfe, 0x84, 0xce, 0xc3, 0xc9, 0x71,
    ]);
    const postscriptData = Buffer.concat([
      Buffer.from([0, 3, 13, 13, 13]),
      postscript,
      postscript,
      postscript,
    ]);
    expect(file.readBigUInt64LE(65536 + 24 + 8)).toBe(44n);
    expect(file.readBigUInt64LE(65536 + 24 + 32)).toBe(39n);
    expect(hex(file.subarray(65536 + 64, 65536 + 108))).toBe(hex(postscriptData));
    expect(file[65536 + 108 + 24]).toBe(0x70); // the last padding chunk runs to the end of the file
  });

  it('writes an empty file of 131072 bytes', async () => {
    const path = join(dir, 'empty.array_record');
    const writer = await ArrayRecordWriter.create(path);
    expect(await writer.close()).toMatchObject({ records: 0, chunks: 0, bytes: 131072 });
    expect((await readFile(path)).length).toBe(131072);
  });
});
