import { ChunkType, encodeChunk } from './chunk.js';
import type { EncodedChunk } from './chunk.js';
import type { Compression } from './codecs.js';
import { initCodecs } from './codecs.js';
import { loadRiegeliHash } from './riegeli-hash.js';
import type { RiegeliHash } from './riegeli-hash.js';
import type { ArrayRecordOptions } from './writer-options.js';
import { encodeSimpleChunk } from './simple-chunk.js';

/**
 * Records of several chunks packed into one buffer, so that a batch crosses to a worker thread as
 * two transferred buffers instead of thousands of small copies.
 */
export interface PackedRecords {
  readonly buffer: ArrayBuffer;
  /** Byte length of each record, in order. */
  readonly lengths: Float64Array;
  /** Records per chunk; the last chunk of the batch may hold fewer. */
  readonly groupSize: number;
  readonly compression: Compression;
}

/** Encodes one group of records as a simple chunk: position-independent, so any thread can do it. */
export function encodeRecordChunk(
  records: readonly Uint8Array[],
  compression: Compression,
  hash: RiegeliHash,
): EncodedChunk {
  const simple = encodeSimpleChunk(records, compression);
  return encodeChunk(
    { chunkType: ChunkType.simple, numRecords: simple.numRecords, decodedDataSize: simple.decodedDataSize },
    simple.data,
    hash,
  );
}

export function encodePacked(task: PackedRecords, hash: RiegeliHash): EncodedChunk[] {
  const bytes = new Uint8Array(task.buffer);
  const chunks: EncodedChunk[] = [];
  let offset = 0;
  for (let first = 0; first < task.lengths.length; first += task.groupSize) {
    const records: Uint8Array[] = [];
    const last = Math.min(first + task.groupSize, task.lengths.length);
    for (let i = first; i < last; i++) {
      const length = task.lengths[i]!;
      records.push(bytes.subarray(offset, offset + length));
      offset += length;
    }
    chunks.push(encodeRecordChunk(records, task.compression, hash));
  }
  return chunks;
}

// Encoded chunks travel back as one buffer: [count, (dataSize, numRecords, decodedDataSize)*count]
// as float64, then each chunk's 40-byte header and data.
export function packEncoded(chunks: readonly EncodedChunk[]): ArrayBuffer {
  const metaBytes = 8 * (1 + 3 * chunks.length);
  const total = metaBytes + chunks.reduce((sum, c) => sum + c.header.length + c.data.length, 0);
  const buffer = new ArrayBuffer(total);
  const meta = new Float64Array(buffer, 0, 1 + 3 * chunks.length);
  const bytes = new Uint8Array(buffer);
  meta[0] = chunks.length;
  let at = metaBytes;
  chunks.forEach((c, i) => {
    meta[1 + 3 * i] = c.dataSize;
    meta[2 + 3 * i] = c.numRecords;
    meta[3 + 3 * i] = c.decodedDataSize;
    bytes.set(c.header, at);
    bytes.set(c.data, at + c.header.length);
    at += c.header.length + c.data.length;
  });
  return buffer;
}

export function unpackEncoded(buffer: ArrayBuffer): EncodedChunk[] {
  const count = new Float64Array(buffer, 0, 1)[0]!;
  const meta = new Float64Array(buffer, 0, 1 + 3 * count);
  const bytes = new Uint8Array(buffer);
  const chunks: EncodedChunk[] = [];
  let at = meta.byteLength;
  for (let i = 0; i < count; i++) {
    const dataSize = meta[1 + 3 * i]!;
    chunks.push({
      chunkType: ChunkType.simple,
      dataSize,
      numRecords: meta[2 + 3 * i]!,
      decodedDataSize: meta[3 + 3 * i]!,
      header: bytes.subarray(at, at + 40),
      data: bytes.subarray(at + 40, at + 40 + dataSize),
    });
    at += 40 + dataSize;
  }
  return chunks;
}

/**
 * For pipelines that encode on their own worker threads: returns a function that turns records
 * into encoded chunks (compressed and hashed, `group_size` records each) packed in one buffer,
 * to hand to `ArrayRecordWriter.writeEncoded` on the writing thread. Same bytes as `write()`.
 */
export async function createChunkEncoder(
  options: ArrayRecordOptions,
): Promise<(records: readonly Uint8Array[]) => ArrayBuffer> {
  const [hash] = await Promise.all([loadRiegeliHash(), initCodecs()]);
  return (records) => {
    const chunks: EncodedChunk[] = [];
    for (let first = 0; first < records.length; first += options.groupSize) {
      chunks.push(
        encodeRecordChunk(records.slice(first, first + options.groupSize), options.compression, hash),
      );
    }
    return packEncoded(chunks);
  };
}

/**
 * Deals the chunks of an encoded buffer round-robin over `ways` buffers (for sharded outputs):
 * chunk j goes to `(first + j) % ways`, where `first` counts the chunks dealt before this buffer.
 * Each result is again in packed form, for `ArrayRecordWriter.writeEncoded`.
 */
export function dealEncoded(encoded: ArrayBuffer, ways: number, first: number): ArrayBuffer[] {
  const chunks = unpackEncoded(encoded);
  const hands: EncodedChunk[][] = Array.from({ length: ways }, () => []);
  chunks.forEach((chunk, j) => hands[(first + j) % ways]!.push(chunk));
  return hands.map(packEncoded);
}

/** How many chunks an encoded buffer holds. */
export function encodedChunkCount(encoded: ArrayBuffer): number {
  return new Float64Array(encoded, 0, 1)[0]!;
}
