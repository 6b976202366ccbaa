import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ArrayRecordCorruptionError, ArrayRecordUnsupportedError } from './arrayrecord-errors.js';
import { BLOCK_SIZE } from './block-layout.js';
import { ChunkType, parseChunk } from './chunk.js';
import type { ParsedChunk } from './chunk.js';
import { initCodecs } from './codecs.js';
import {
  ARRAYRECORD_MAGIC,
  decodeFooterEntry,
  decodeFooterMetadata,
  decodePostscript,
} from './footer-proto.js';
import { loadRiegeliHash } from './riegeli-hash.js';
import type { RiegeliHash } from './riegeli-hash.js';
import { decodeSimpleChunk } from './simple-chunk.js';

const READ_WINDOW = 4 << 20;

export interface ArrayRecordFileInfo {
  readonly path: string;
  readonly fileSize: number;
  readonly records: number;
  readonly chunks: number;
  /** Records per chunk (from the first chunk), which maps a record index to its chunk. */
  readonly groupSize: number;
  /** The writer's options string, as stored in the footer (empty for files from before Oct 2022). */
  readonly writerOptions: string;
  readonly footerOffset: number;
  /** Begin offset of each data chunk. */
  readonly chunkOffsets: readonly number[];
}

/**
 * Random access to the records of an ArrayRecord file, as google/array_record's reader does it:
 * the postscript (last 64 KiB) points at the footer, the footer lists the chunks, and record i lives
 * in chunk floor(i / group_size). Every block header, chunk header and data hash is checked; a
 * corrupt byte is reported with its chunk and offset, never returned as a wrong record.
 *
 * @example
 * await using reader = await ArrayRecordReader.open('train.array_record');
 * const record = await reader.get(42);
 * for await (const r of reader) …
 */
export class ArrayRecordReader implements AsyncDisposable, AsyncIterable<Uint8Array> {
  readonly info: ArrayRecordFileInfo;
  readonly #file: FileHandle;
  readonly #hash: RiegeliHash;
  // The most recently decoded chunk: sequential reads of group_size > 1 decode each chunk once.
  #cached: { index: number; records: Uint8Array[] } | undefined;

  private constructor(file: FileHandle, info: ArrayRecordFileInfo, hash: RiegeliHash) {
    this.#file = file;
    this.info = info;
    this.#hash = hash;
  }

  static async open(path: string): Promise<ArrayRecordReader> {
    const [hash] = await Promise.all([loadRiegeliHash(), initCodecs()]);
    const file = await open(path, 'r');
    try {
      const info = await readIndex(file, path, hash);
      return new ArrayRecordReader(file, info, hash);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  get length(): number {
    return this.info.records;
  }

  /** Record `index` (0-based). */
  async get(index: number): Promise<Uint8Array> {
    if (!Number.isInteger(index) || index < 0 || index >= this.info.records) {
      throw new RangeError(
        `record index ${index} is out of range: ${this.info.path} holds ${this.info.records} records`,
      );
    }
    const records = await this.#chunkRecords(Math.floor(index / this.info.groupSize));
    return records[index % this.info.groupSize]!;
  }

  /** Records `start` (inclusive) to `end` (exclusive). */
  async getRange(start: number, end: number): Promise<Uint8Array[]> {
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > this.info.records ||
      start > end
    ) {
      throw new RangeError(
        `record range [${start}, ${end}) is out of range: ${this.info.path} holds ${this.info.records} records`,
      );
    }
    const out: Uint8Array[] = [];
    for (let i = start; i < end;) {
      const chunk = Math.floor(i / this.info.groupSize);
      const records = await this.#chunkRecords(chunk);
      const from = i - chunk * this.info.groupSize;
      const take = Math.min(records.length - from, end - i);
      out.push(...records.slice(from, from + take));
      i += take;
    }
    return out;
  }

  /** Every record in order, reading the file in windows of about 4 MiB rather than chunk by chunk. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    const { chunks, chunkOffsets } = this.info;
    for (let first = 0; first < chunks;) {
      const begin = chunkOffsets[first]!;
      let last = first + 1;
      while (last < chunks && this.#chunkEnd(last) - begin <= READ_WINDOW) last++;
      const bytes = await readRange(this.#file, begin, this.#chunkEnd(last - 1) - begin);
      for (let chunk = first; chunk < last; chunk++) yield* this.#decode(chunk, bytes, begin);
      first = last;
    }
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Where chunk `index` ends: the next chunk's offset, or the footer's. */
  #chunkEnd(index: number): number {
    return this.info.chunkOffsets[index + 1] ?? this.info.footerOffset;
  }

  async #chunkRecords(index: number): Promise<Uint8Array[]> {
    if (this.#cached?.index === index) return this.#cached.records;
    const begin = this.info.chunkOffsets[index]!;
    const records = this.#decode(
      index,
      await readRange(this.#file, begin, this.#chunkEnd(index) - begin),
      begin,
    );
    this.#cached = { index, records };
    return records;
  }

  /** Decodes chunk `index` from `bytes`, which hold the file from offset `base` on. */
  #decode(index: number, bytes: Uint8Array, base: number): Uint8Array[] {
    const begin = this.info.chunkOffsets[index]!;
    const chunk = parseChunk(bytes, base, begin, this.#hash, this.info.path);
    const records = recordsOf(chunk, this.info.path);
    const expected =
      index === this.info.chunks - 1 ? this.info.records - index * this.info.groupSize : this.info.groupSize;
    if (records.length !== expected) {
      throw new ArrayRecordCorruptionError(
        this.info.path,
        begin,
        begin,
        `chunk ${index} holds ${records.length} records, expected ${expected}`,
      );
    }
    return records;
  }
}

async function readIndex(file: FileHandle, path: string, hash: RiegeliHash): Promise<ArrayRecordFileInfo> {
  const { size: fileSize } = await file.stat();
  if (fileSize < BLOCK_SIZE || fileSize % BLOCK_SIZE !== 0) {
    throw new ArrayRecordCorruptionError(
      path,
      0,
      0,
      `file size ${fileSize} is not a positive multiple of 65536`,
    );
  }
  const postscriptAt = fileSize - BLOCK_SIZE;
  const postscriptChunk = parseChunk(
    await readRange(file, postscriptAt, BLOCK_SIZE),
    postscriptAt,
    postscriptAt,
    hash,
    path,
  );
  const postscript = decodePostscript(firstRecord(postscriptChunk, path, 'postscript'));
  if (postscript.magic !== ARRAYRECORD_MAGIC)
    throw new ArrayRecordCorruptionError(
      path,
      postscriptAt,
      postscriptAt,
      'postscript magic is wrong: not an ArrayRecord file',
    );
  const footerOffset = postscript.footerOffset;
  if (footerOffset < 64 || footerOffset >= postscriptAt) {
    throw new ArrayRecordCorruptionError(
      path,
      postscriptAt,
      postscriptAt,
      `footer offset ${footerOffset} is outside the file`,
    );
  }
  const footerChunk = parseChunk(
    await readRange(file, footerOffset, postscriptAt - footerOffset),
    footerOffset,
    footerOffset,
    hash,
    path,
  );
  const footer = recordsOf(footerChunk, path);
  const metadata = footer[0] === undefined ? undefined : decodeFooterMetadata(footer[0]);
  if (metadata === undefined || metadata.version !== 1) {
    throw new ArrayRecordCorruptionError(
      path,
      footerOffset,
      footerOffset,
      'footer has no ArrayRecord metadata of version 1',
    );
  }
  const entries = footer.slice(1).map(decodeFooterEntry);
  if (entries.length !== metadata.numChunks) {
    throw new ArrayRecordCorruptionError(
      path,
      footerOffset,
      footerOffset,
      `footer lists ${entries.length} chunks, its metadata says ${metadata.numChunks}`,
    );
  }
  const groupSize = entries[0]?.numRecords ?? 1;
  // Records are found by index / group_size, as google/array_record does: that holds only when
  // every chunk but the last holds group_size records, and the counts add up.
  const corrupt = (message: string) =>
    new ArrayRecordCorruptionError(path, footerOffset, footerOffset, message);
  const short = entries.findIndex((e, i) => i < entries.length - 1 && e.numRecords !== groupSize);
  if (short >= 0) {
    throw corrupt(
      `chunk ${short} holds ${entries[short]!.numRecords} records; every chunk but the last must hold the first one's ${groupSize}`,
    );
  }
  const counted = entries.reduce((n, e) => n + e.numRecords, 0);
  if (counted !== metadata.numRecords)
    throw corrupt(`the footer's chunks hold ${counted} records, its metadata says ${metadata.numRecords}`);
  return {
    path,
    fileSize,
    records: metadata.numRecords,
    chunks: metadata.numChunks,
    groupSize: Math.max(1, groupSize),
    writerOptions: metadata.writerOptions,
    footerOffset,
    chunkOffsets: entries.map((e) => e.chunkOffset),
  };
}

function recordsOf(chunk: ParsedChunk, path: string): Uint8Array[] {
  if (chunk.chunkType === ChunkType.transposed)
    throw new ArrayRecordUnsupportedError(path, `transposed chunk at offset ${chunk.begin}`);
  if (chunk.chunkType !== ChunkType.simple) {
    throw new ArrayRecordCorruptionError(
      path,
      chunk.begin,
      chunk.begin,
      `expected a chunk of records, found type 0x${chunk.chunkType.toString(16)}`,
    );
  }
  try {
    return decodeSimpleChunk(chunk.data, chunk.numRecords, chunk.decodedDataSize);
  } catch (error) {
    throw new ArrayRecordCorruptionError(
      path,
      chunk.begin,
      chunk.begin + 40,
      error instanceof Error ? error.message : String(error),
    );
  }
}

function firstRecord(chunk: ParsedChunk, path: string, what: string): Uint8Array {
  const record = recordsOf(chunk, path)[0];
  if (record === undefined)
    throw new ArrayRecordCorruptionError(path, chunk.begin, chunk.begin, `${what} chunk holds no record`);
  return record;
}

async function readRange(file: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}
