import { ArrayRecordCorruptionError } from './arrayrecord-errors.js';
import { BLOCK_HEADER_SIZE, BLOCK_SIZE, CHUNK_HEADER_SIZE, chunkEnd } from './block-layout.js';
import type { RiegeliHash } from './riegeli-hash.js';

/** Chunk types (riegeli/chunk_encoding/constants.h). */
export const ChunkType = {
  signature: 0x73,
  metadata: 0x6d,
  padding: 0x70,
  simple: 0x72,
  transposed: 0x74,
} as const;

export interface ChunkHeader {
  readonly dataSize: number;
  readonly chunkType: number;
  readonly numRecords: number;
  readonly decodedDataSize: number;
}

/** A chunk as encoded, before it is placed in a file: its 40-byte header (hashes included) and data. */
export interface EncodedChunk extends ChunkHeader {
  readonly header: Uint8Array;
  readonly data: Uint8Array;
}

export function encodeChunk(
  fields: Omit<ChunkHeader, 'dataSize'>,
  data: Uint8Array,
  hash: RiegeliHash,
): EncodedChunk {
  const header = new Uint8Array(CHUNK_HEADER_SIZE);
  fillChunkHeader(header, fields, data, hash);
  return { ...fields, dataSize: data.length, header, data };
}

/** Writes the 40-byte header (hashes included) of a chunk holding `data` into `header`. */
export function fillChunkHeader(
  header: Uint8Array,
  fields: Omit<ChunkHeader, 'dataSize'>,
  data: Uint8Array,
  hash: RiegeliHash,
): void {
  const view = new DataView(header.buffer, header.byteOffset, CHUNK_HEADER_SIZE);
  setU64(view, 8, data.length);
  header.set(hash(data), 16);
  // type | num_records << 8, as two 32-bit halves (num_records < 2^53 here).
  view.setUint32(24, (fields.chunkType | ((fields.numRecords % 2 ** 24) << 8)) >>> 0, true);
  view.setUint32(28, Math.floor(fields.numRecords / 2 ** 24), true);
  setU64(view, 32, fields.decodedDataSize);
  header.set(hash(header.subarray(8, CHUNK_HEADER_SIZE)), 0);
}

/**
 * Places an encoded chunk at `begin`: header, data and zero padding, with a block header wherever
 * the bytes cross a multiple of 64 KiB. Returns exactly the bytes of [begin, end).
 */
export function frameChunk(
  chunk: EncodedChunk,
  begin: number,
  hash: RiegeliHash,
): { bytes: Uint8Array; end: number } {
  const end = chunkEnd(begin, chunk.dataSize, chunk.numRecords);
  const bytes = new Uint8Array(end - begin);
  frameChunkInto(chunk, begin, end, bytes, 0, hash);
  return { bytes, end };
}

/** `frameChunk` into `out` at `at`, which must hold `end - begin` zeroed bytes. */
export function frameChunkInto(
  chunk: EncodedChunk,
  begin: number,
  end: number,
  out: Uint8Array,
  at: number,
  hash: RiegeliHash,
): void {
  let pos = begin;
  let logical = 0; // index into header ++ data
  const logicalSize = CHUNK_HEADER_SIZE + chunk.dataSize;
  while (pos < end) {
    if (pos % BLOCK_SIZE === 0) {
      out.set(blockHeader(pos - begin, end - pos, hash), at + pos - begin);
      pos += BLOCK_HEADER_SIZE;
      continue;
    }
    const room = Math.min(BLOCK_SIZE - (pos % BLOCK_SIZE), end - pos);
    const take = Math.min(room, logicalSize - logical);
    if (take > 0) {
      copyLogical(chunk, logical, take, out, at + pos - begin);
      logical += take;
    }
    pos += room; // the rest of the room, if any, is padding (already zeros)
  }
}

function copyLogical(chunk: EncodedChunk, from: number, length: number, out: Uint8Array, at: number): void {
  let copied = 0;
  if (from < CHUNK_HEADER_SIZE) {
    const part = chunk.header.subarray(from, Math.min(CHUNK_HEADER_SIZE, from + length));
    out.set(part, at);
    copied = part.length;
  }
  if (copied < length) {
    const start = from + copied - CHUNK_HEADER_SIZE;
    out.set(chunk.data.subarray(start, start + length - copied), at + copied);
  }
}

/** A little-endian uint64 from a safe integer, without BigInt. */
function setU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

export function blockHeader(previousChunk: number, nextChunk: number, hash: RiegeliHash): Uint8Array {
  const bytes = new Uint8Array(BLOCK_HEADER_SIZE);
  const view = new DataView(bytes.buffer);
  setU64(view, 8, previousChunk);
  setU64(view, 16, nextChunk);
  bytes.set(hash(bytes.subarray(8)), 0);
  return bytes;
}

export interface ParsedChunk extends ChunkHeader {
  readonly begin: number;
  readonly end: number;
  readonly data: Uint8Array;
}

/**
 * Reads the chunk that begins at absolute offset `begin` from `bytes`, which hold the file from
 * absolute offset `base` on. Checks every block header, the header hash and the data hash.
 */
export function parseChunk(
  bytes: Uint8Array,
  base: number,
  begin: number,
  hash: RiegeliHash,
  file: string,
): ParsedChunk {
  const corrupt = (offset: number, what: string): ArrayRecordCorruptionError =>
    new ArrayRecordCorruptionError(file, begin, offset, what);
  const blockHeaders: number[] = [];
  const slice = (at: number, length: number): Uint8Array => {
    if (at - base < 0 || at - base + length > bytes.length)
      throw corrupt(at, `truncated: needs ${length} bytes at offset ${at}`);
    return bytes.subarray(at - base, at - base + length);
  };
  const checkBlockHeader = (at: number): void => {
    const header = slice(at, BLOCK_HEADER_SIZE);
    if (!equalBytes(hash(header.subarray(8)), header.subarray(0, 8)))
      throw corrupt(at, 'block header hash mismatch');
    const previous = readU64(header, 8);
    if (previous !== at - begin)
      throw corrupt(at, `block header says the chunk began ${previous} bytes earlier, not ${at - begin}`);
    blockHeaders.push(at);
  };
  let pos = begin;
  // Reads `length` logical bytes from `pos`, stepping over (and checking) block headers.
  const readLogical = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (pos % BLOCK_SIZE === 0) {
        checkBlockHeader(pos);
        pos += BLOCK_HEADER_SIZE;
        continue;
      }
      const take = Math.min(length - filled, BLOCK_SIZE - (pos % BLOCK_SIZE));
      out.set(slice(pos, take), filled);
      filled += take;
      pos += take;
    }
    return out;
  };

  const header = readLogical(CHUNK_HEADER_SIZE);
  if (!equalBytes(hash(header.subarray(8)), header.subarray(0, 8)))
    throw corrupt(begin, 'chunk header hash mismatch');
  const dataSize = readU64(header, 8);
  const typeAndCount = new DataView(header.buffer).getBigUint64(24, true);
  const chunkType = Number(typeAndCount & 0xffn);
  const numRecords = Number(typeAndCount >> 8n);
  const decodedDataSize = readU64(header, 32);
  if (
    !Number.isSafeInteger(dataSize) ||
    !Number.isSafeInteger(numRecords) ||
    !Number.isSafeInteger(decodedDataSize)
  ) {
    throw corrupt(begin, 'chunk header sizes out of range');
  }
  const end = chunkEnd(begin, dataSize, numRecords);
  if (end - base > bytes.length)
    throw corrupt(begin, `truncated: the chunk ends at ${end}, past the ${base + bytes.length} bytes read`);
  const data = readLogical(dataSize);
  // Block headers inside the padding are checked too; the padding bytes themselves are not read.
  for (let at = Math.ceil(pos / BLOCK_SIZE) * BLOCK_SIZE; at < end; at += BLOCK_SIZE) checkBlockHeader(at);
  for (const at of blockHeaders) {
    const next = readU64(slice(at, BLOCK_HEADER_SIZE), 16);
    if (next !== end - at)
      throw corrupt(at, `block header says the chunk ends ${next} bytes on, not ${end - at}`);
  }
  if (!equalBytes(hash(data), header.subarray(16, 24)))
    throw corrupt(begin + CHUNK_HEADER_SIZE, 'chunk data hash mismatch');
  return { begin, end, dataSize, chunkType, numRecords, decodedDataSize, data };
}

/** A little-endian uint64 as a number (unsafe values come back inexact; callers check). */
function readU64(bytes: Uint8Array, at: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(at, true));
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
