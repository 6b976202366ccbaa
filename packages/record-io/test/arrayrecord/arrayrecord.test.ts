import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArrayRecordCorruptionError,
  ArrayRecordReader,
  ArrayRecordUnsupportedError,
  ArrayRecordWriter,
  createChunkEncoder,
  dealEncoded,
  encodedChunkCount,
  inspect,
  parseWriterOptions,
} from '../../src/index.js';
import { loadRiegeliHash } from '../../src/arrayrecord/riegeli-hash.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'arrayrecord-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random bytes: compressible in part, like real records. */
function record(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = i % 3 === 0 ? 97 + (i % 26) : x >>> 24;
  }
  return out;
}

async function writeFileOf(
  name: string,
  records: readonly Uint8Array[],
  options: string,
  threads = 1,
  batchBytes?: number,
) {
  const path = join(dir, name);
  const writer = await ArrayRecordWriter.create(path, {
    options,
    threads,
    ...(batchBytes === undefined ? {} : { batchBytes }),
  });
  for (const r of records) await writer.write(r);
  await writer.close();
  return path;
}

async function readAll(path: string): Promise<Uint8Array[]> {
  await using reader = await ArrayRecordReader.open(path);
  const out: Uint8Array[] = [];
  for await (const r of reader) out.push(r);
  return out;
}

const SIZES = [0, 1, 100 * 1024, 5 * 1024 * 1024, 7, 0, 300, 65_000, 2, 9];
const MIXED = SIZES.map((size, i) => record(size, i));

describe('ArrayRecord round trips', () => {
  for (const codec of ['uncompressed', 'zstd:3', 'brotli:6', 'snappy']) {
    for (const groupSize of [1, 3, 65536]) {
      it(`${codec}, group_size ${groupSize}: records of 0 B to 5 MiB come back intact, by index and range`, async () => {
        const path = await writeFileOf(
          `${codec.replace(':', '')}-${groupSize}.ar`,
          MIXED,
          `group_size:${groupSize},${codec}`,
        );
        await using reader = await ArrayRecordReader.open(path);
        expect(reader.length).toBe(MIXED.length);
        expect(reader.info.groupSize).toBe(Math.min(groupSize, MIXED.length));
        expect(reader.info.chunks).toBe(Math.ceil(MIXED.length / groupSize));
        for (const i of [9, 0, 3, 5, 4])
          expect(Buffer.from(await reader.get(i)).equals(Buffer.from(MIXED[i]!))).toBe(true);
        const range = await reader.getRange(2, 8);
        expect(range.map((r) => r.length)).toEqual(SIZES.slice(2, 8));
        const all = await readAll(path);
        expect(all.map((r) => Buffer.from(r).toString('base64'))).toEqual(
          MIXED.map((r) => Buffer.from(r).toString('base64')),
        );
        expect((await readFile(path)).length % 65536).toBe(0);
      });
    }
  }

  it('starts every data chunk after the first at a 64 KiB boundary with pad_to_block_boundary', async () => {
    const records = Array.from({ length: 6 }, (_, i) => record(40_000 * i + 5, i));
    const path = await writeFileOf('padded.ar', records, 'group_size:1,pad_to_block_boundary:true,zstd:3');
    await using reader = await ArrayRecordReader.open(path);
    // A padding chunk follows every data chunk (not the signature), as in the C++ writer.
    expect(reader.info.chunkOffsets[0]).toBe(64);
    expect(reader.info.chunkOffsets.slice(1).every((offset) => offset % 65536 === 0)).toBe(true);
    expect(reader.info.chunkOffsets[1]).toBe(65536);
    expect((await readAll(path)).map((r) => r.length)).toEqual(records.map((r) => r.length));
    expect(reader.info.writerOptions).toBe(
      'group_size:1,transpose:false,pad_to_block_boundary:true,zstd:3,window_log:20,max_parallelism:1',
    );
  });

  it('reads a chunk whose 40-byte header is split by a block header (chunk at 65500)', async () => {
    // Uncompressed, group 1: a record of n bytes makes a chunk of 40 + 2 + varint(n) + n bytes.
    const records = [record(65_391, 1), record(97, 2), record(10, 3)];
    const path = await writeFileOf('split.ar', records, 'group_size:1,uncompressed');
    await using reader = await ArrayRecordReader.open(path);
    expect(reader.info.chunkOffsets).toEqual([64, 65_500, 65_664]);
    const file = await readFile(path);
    // The block header at 65536 interrupts that chunk 36 bytes in; it ends 128 bytes on (§1.4).
    expect(file.readBigUInt64LE(65536 + 8)).toBe(36n);
    expect(file.readBigUInt64LE(65536 + 16)).toBe(128n);
    expect((await readAll(path)).map((r) => Buffer.from(r).toString('hex'))).toEqual(
      records.map((r) => Buffer.from(r).toString('hex')),
    );
  });

  it('reads an empty file', async () => {
    const path = await writeFileOf('empty.ar', [], 'group_size:1,zstd:3');
    await using reader = await ArrayRecordReader.open(path);
    expect(reader.length).toBe(0);
    expect(await readAll(path)).toEqual([]);
    await expect(reader.get(0)).rejects.toThrow('record index 0 is out of range');
  });

  it('writes the same bytes with 1, 2 and 3 encoding threads, whatever the batch size', async () => {
    // 300 records of 200-1099 bytes (about 190 KB): a 4 KiB batch holds about 6 records (6 chunks at
    // group_size 1, 2 at group_size 3) and an 8 KiB batch about 12, so there are dozens of batches of
    // several chunks each, many more than threads, and their order across workers really matters.
    const records = Array.from({ length: 300 }, (_, i) => record(200 + ((i * 37) % 900), i));
    for (const options of ['group_size:1,zstd:3', 'group_size:3,snappy']) {
      const one = await readFile(await writeFileOf('t1.ar', records, options, 1));
      const two = await readFile(await writeFileOf('t2.ar', records, options, 2, 4096));
      // One batch for the whole file.
      const twoBig = await readFile(await writeFileOf('t3.ar', records, options, 2, 1 << 20));
      const three = await readFile(await writeFileOf('t4.ar', records, options, 3, 8192));
      expect(two.equals(one)).toBe(true);
      expect(twoBig.equals(one)).toBe(true);
      expect(three.equals(one)).toBe(true);
    }
  });

  it('writes the same bytes from chunks encoded elsewhere (createChunkEncoder + writeEncoded)', async () => {
    const records = Array.from({ length: 50 }, (_, i) => record(100 + i, i));
    const options = parseWriterOptions('group_size:4,zstd:5');
    const direct = await readFile(await writeFileOf('direct.ar', records, 'group_size:4,zstd:5'));
    const encode = await createChunkEncoder(options);
    const path = join(dir, 'encoded.ar');
    const writer = await ArrayRecordWriter.create(path, { options });
    await writer.writeEncoded(encode(records.slice(0, 20)));
    await writer.writeEncoded(encode(records.slice(20)));
    await writer.close();
    expect((await readFile(path)).equals(direct)).toBe(true);
    const bad = await ArrayRecordWriter.create(join(dir, 'bad.ar'), { options });
    await bad.writeEncoded(encode(records.slice(0, 6)));
    await expect(bad.writeEncoded(encode(records.slice(6, 10)))).rejects.toThrow(
      'must be the last of the file',
    );
    await expect(bad.write(records[10]!)).rejects.toThrow('must be the last of the file');
    await bad.abort();
    // Records from write() that do not fill a group cannot be followed by encoded chunks: they
    // would become a short chunk in mid-file, which readers cannot index.
    const loose = await ArrayRecordWriter.create(join(dir, 'loose.ar'), { options });
    for (const r of records.slice(0, 5)) await loose.write(r);
    await expect(loose.writeEncoded(encode(records.slice(5, 9)))).rejects.toThrow(
      'after 1 record(s) from write() that do not fill a group of group_size (4)',
    );
    await loose.abort();
    // Nor can an encoded chunk hold more than group_size records.
    const wide = await ArrayRecordWriter.create(join(dir, 'wide.ar'), { options: 'group_size:2,zstd:5' });
    await expect(wide.writeEncoded(encode(records.slice(0, 4)))).rejects.toThrow(
      'an encoded chunk holds 4 records, more than group_size (2)',
    );
    await wide.abort();
  });

  it('refuses to read a file whose chunks before the last differ in size (records are found by index / group_size)', async () => {
    const records = Array.from({ length: 11 }, (_, i) => record(30 + i, i));
    const path = join(dir, 'uneven.ar');
    const four = await createChunkEncoder(parseWriterOptions('group_size:4,zstd:3'));
    const three = await createChunkEncoder(parseWriterOptions('group_size:3,zstd:3'));
    const writer = await ArrayRecordWriter.create(path, { options: 'group_size:4,zstd:3' });
    await writer.writeEncoded(four(records.slice(0, 4)));
    // A malformed file (chunks of 4, 3 and 4 records), which the writer refuses to make: its
    // options are swapped for the middle chunk only.
    const mutable = writer as unknown as { options: ReturnType<typeof parseWriterOptions> };
    mutable.options = parseWriterOptions('group_size:3,zstd:3');
    await writer.writeEncoded(three(records.slice(4, 7)));
    mutable.options = parseWriterOptions('group_size:4,zstd:3');
    await writer.writeEncoded(four(records.slice(7)));
    await writer.close();
    const opening = ArrayRecordReader.open(path);
    await expect(opening).rejects.toThrow(ArrayRecordCorruptionError);
    await expect(ArrayRecordReader.open(path)).rejects.toThrow(
      "chunk 1 holds 3 records; every chunk but the last must hold the first one's 4",
    );
  });

  it('deals encoded chunks round-robin over shards (dealEncoded)', async () => {
    const options = parseWriterOptions('group_size:1,snappy');
    const encode = await createChunkEncoder(options);
    const records = Array.from({ length: 10 }, (_, i) => record(20 + i, i));
    const first = encode(records.slice(0, 4));
    expect(encodedChunkCount(first)).toBe(4);
    const hands = [dealEncoded(first, 3, 0), dealEncoded(encode(records.slice(4)), 3, 4)];
    const shards = [];
    for (let s = 0; s < 3; s++) {
      const path = join(dir, `deal-${s}.ar`);
      const writer = await ArrayRecordWriter.create(path, { options });
      for (const hand of hands) await writer.writeEncoded(hand[s]!);
      await writer.close();
      shards.push((await readAll(path)).map((r) => r.length));
    }
    expect(shards).toEqual([
      [20, 23, 26, 29],
      [21, 24, 27],
      [22, 25, 28],
    ]);
  });

  it('leaves no file under the final name when aborted', async () => {
    const path = join(dir, 'aborted.ar');
    const writer = await ArrayRecordWriter.create(path, { threads: 2 });
    await writer.write('x');
    await writer.abort();
    expect((await readdir(dir)).filter((f) => f.includes('aborted'))).toEqual([]);
  });

  it('inspects a file from its footer', async () => {
    const path = await writeFileOf('inspect.ar', MIXED.slice(0, 5), 'group_size:2,brotli:5');
    const info = await inspect(path);
    expect(info).toMatchObject({
      records: 5,
      chunks: 3,
      groupSize: 2,
      writerOptions: 'group_size:2,transpose:false,pad_to_block_boundary:false,brotli:5,max_parallelism:1',
    });
    expect(info.options?.compression).toEqual({ kind: 'brotli', level: 5 });
    expect(info.fileSize % 65536).toBe(0);
  });
});

describe('ArrayRecord corruption', () => {
  it('reports a flipped byte anywhere in chunks, footer or postscript as corruption, never as wrong records', async () => {
    const records = Array.from({ length: 12 }, (_, i) => record(30 + i * 11, i));
    for (const [pass, options] of ['group_size:1,uncompressed', 'group_size:4,zstd:3'].entries()) {
      const path = await writeFileOf('victim.ar', records, options);
      const original = await readFile(path);
      const expected = records.map((r) => Buffer.from(r).toString('hex'));
      // Every other byte of the data region and footer (not the zero padding, which is never read) and of the
      // postscript, the odd ones in one pass and the even ones in the other: each byte position is tried once,
      // in half the time of trying all in both (this test timed out on a loaded 2-core machine).
      await using reader = await ArrayRecordReader.open(path);
      const footerEnd = reader.info.footerOffset + 200;
      const offsets = [
        ...Array.from({ length: footerEnd }, (_, i) => i).filter((i) => i >= 64),
        ...Array.from({ length: 160 }, (_, i) => original.length - 65536 + i),
      ].filter((offset) => offset % 2 === pass);
      let corruptions = 0;
      for (const offset of offsets) {
        const damaged = Buffer.from(original);
        damaged[offset]! ^= 0x40;
        const victim = join(dir, 'damaged.ar');
        await writeFile(victim, damaged);
        try {
          expect((await readAll(victim)).map((r) => Buffer.from(r).toString('hex'))).toEqual(expected);
        } catch (error) {
          if (!(error instanceof ArrayRecordCorruptionError))
            throw new Error(`offset ${offset}: ${String(error)}`);
          expect(error.message).toMatch(/corrupt ArrayRecord file: .* \(chunk at offset \d+, offset \d+\)$/);
          corruptions++;
        }
      }
      // Only bytes of padding after the footer may go unnoticed.
      expect(corruptions).toBeGreaterThan(offsets.length * 0.6);
    }
  });

  it('rejects a transposed chunk with a clear "not supported" error', async () => {
    const path = await writeFileOf('transposed.ar', [record(10, 1)], 'group_size:1,uncompressed');
    const file = Buffer.from(await readFile(path));
    file[64 + 24] = 0x74; // chunk type 't'
    const hash = await loadRiegeliHash();
    file.set(hash(file.subarray(64 + 8, 64 + 40)), 64); // a valid header hash, so only the type is wrong
    await writeFile(path, file);
    await using reader = await ArrayRecordReader.open(path);
    await expect(reader.get(0)).rejects.toThrow(ArrayRecordUnsupportedError);
    await expect(reader.get(0)).rejects.toThrow('transposed chunk at offset 64 is not supported');
  });
});
