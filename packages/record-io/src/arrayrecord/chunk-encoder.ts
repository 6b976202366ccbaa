import { ByteSink } from './byte-sink.js';
import { CHUNK_HEADER_SIZE } from './block-layout.js';
import { ChunkType, fillChunkHeader } from './chunk.js';
import type { EncodedChunk } from './chunk.js';
import type { Compression } from './codecs.js';
import { initCodecs } from './codecs.js';
import { loadRiegeliHash } from './riegeli-hash.js';
import type { RiegeliHash } from './riegeli-hash.js';
import type { ArrayRecordOptions } from './writer-options.js';
import { writeSimpleChunk } from './simple-chunk.js';

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

/**
 * Builds encoded chunks straight into their packed form (see `packEncoded`): each chunk's header
 * and data are written once, in place, into one growing buffer.
 */
export class PackedChunkBuilder {
  readonly #compression: Compression;
  readonly #hash: RiegeliHash;
  readonly #bytes: ByteSink;
  // dataSize, numRecords, decodedDataSize of each chunk.
  readonly #meta: number[] = [];
  // Where separate records are put back to back.
  readonly #values = new ByteSink();

  constructor(compression: Compression, hash: RiegeliHash, capacity?: number) {
    this.#compression = compression;
    this.#hash = hash;
    this.#bytes = new ByteSink(capacity);
  }

  /**
   * Encodes one group of records, given back to back in `values` with their `sizes`, as a simple
   * chunk: position-independent, so any thread can do it.
   */
  add(values: Uint8Array, sizes: ArrayLike<number>): void {
    const headerAt = this.#bytes.skip(CHUNK_HEADER_SIZE);
    const counts = writeSimpleChunk(this.#bytes, values, sizes, this.#compression);
    const dataSize = this.#bytes.size - headerAt - CHUNK_HEADER_SIZE;
    fillChunkHeader(
      this.#bytes.view(headerAt, headerAt + CHUNK_HEADER_SIZE),
      { chunkType: ChunkType.simple, ...counts },
      this.#bytes.view(headerAt + CHUNK_HEADER_SIZE),
      this.#hash,
    );
    this.#meta.push(dataSize, counts.numRecords, counts.decodedDataSize);
  }

  /** Encodes separate records as chunks of `groupSize`. */
  addRecords(records: readonly Uint8Array[], groupSize: number): void {
    for (let first = 0; first < records.length; first += groupSize) {
      const last = Math.min(first + groupSize, records.length);
      if (last - first === 1) {
        this.add(records[first]!, [records[first]!.length]);
        continue;
      }
      this.#values.clear();
      const sizes: number[] = [];
      for (let i = first; i < last; i++) {
        this.#values.push(records[i]!);
        sizes.push(records[i]!.length);
      }
      this.add(this.#values.view(), sizes);
    }
  }

  /** The chunks added so far, packed in one buffer. */
  finish(): ArrayBuffer {
    return packed(this.#meta, this.#bytes.view());
  }
}

/** What an encoding worker returns: the packed chunks, and the task's records buffer to reuse. */
export interface EncodedBatch {
  readonly encoded: ArrayBuffer;
  readonly records: ArrayBuffer;
}

/** Encodes one group of records, given back to back in `values` with their `sizes`, as a simple chunk. */
export function encodeRecordChunk(
  values: Uint8Array,
  sizes: ArrayLike<number>,
  compression: Compression,
  hash: RiegeliHash,
): EncodedChunk {
  const builder = new PackedChunkBuilder(compression, hash, CHUNK_HEADER_SIZE + values.length + 64);
  builder.add(values, sizes);
  return unpackEncoded(builder.finish())[0]!;
}

/** Encodes a batch of packed records as chunks of `groupSize`, in packed form. */
export function encodePacked(task: PackedRecords, hash: RiegeliHash): ArrayBuffer {
  const bytes = new Uint8Array(task.buffer);
  let used = 0;
  for (let i = 0; i < task.lengths.length; i++) used += task.lengths[i]!;
  // Room for the records plus headers and compression overhead; the buffer grows if that is short.
  const builder = new PackedChunkBuilder(task.compression, hash, used + 64 * task.lengths.length + (1 << 12));
  let offset = 0;
  for (let first = 0; first < task.lengths.length; first += task.groupSize) {
    const sizes = task.lengths.subarray(first, Math.min(first + task.groupSize, task.lengths.length));
    let length = 0;
    for (let i = 0; i < sizes.length; i++) length += sizes[i]!;
    builder.add(bytes.subarray(offset, offset + length), sizes);
    offset += length;
  }
  return builder.finish();
}

// Encoded chunks travel back as one buffer: [count, (dataSize, numRecords, decodedDataSize)*count]
// as float64, then each chunk's 40-byte header and data.
function packed(meta: readonly number[], bytes: Uint8Array): ArrayBuffer {
  const metaBytes = 8 * (1 + meta.length);
  const buffer = new ArrayBuffer(metaBytes + bytes.length);
  const header = new Float64Array(buffer, 0, 1 + meta.length);
  header[0] = meta.length / 3;
  header.set(meta, 1);
  new Uint8Array(buffer, metaBytes).set(bytes);
  return buffer;
}

export function packEncoded(chunks: readonly EncodedChunk[]): ArrayBuffer {
  const meta: number[] = [];
  const bytes = new ByteSink(chunks.reduce((sum, c) => sum + c.header.length + c.data.length, 0));
  for (const c of chunks) {
    meta.push(c.dataSize, c.numRecords, c.decodedDataSize);
    bytes.push(c.header);
    bytes.push(c.data);
  }
  return packed(meta, bytes.view());
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
      header: bytes.subarray(at, at + CHUNK_HEADER_SIZE),
      data: bytes.subarray(at + CHUNK_HEADER_SIZE, at + CHUNK_HEADER_SIZE + dataSize),
    });
    at += CHUNK_HEADER_SIZE + dataSize;
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
    const builder = new PackedChunkBuilder(options.compression, hash);
    builder.addRecords(records, options.groupSize);
    return builder.finish();
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
