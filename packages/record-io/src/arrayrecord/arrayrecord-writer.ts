import { availableParallelism } from 'node:os';
import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { openAtomicFile } from '../atomic-file.js';
import type { AtomicFile } from '../atomic-file.js';
import { InvalidOptionError } from '../errors.js';
import { ByteSink } from './byte-sink.js';
import { CHUNK_HEADER_SIZE, USABLE_BLOCK_SIZE, chunkEnd, remainingInBlock } from './block-layout.js';
import { ChunkType, encodeChunk, frameChunkInto } from './chunk.js';
import type { EncodedChunk } from './chunk.js';
import { encodePacked, encodeRecordChunk, unpackEncoded } from './chunk-encoder.js';
import type { EncodedBatch, PackedRecords } from './chunk-encoder.js';
import { initCodecs } from './codecs.js';
import {
  ARRAYRECORD_MAGIC,
  writeFooterEntry,
  encodeFooterMetadata,
  encodePostscript,
} from './footer-proto.js';
import { loadRiegeliHash } from './riegeli-hash.js';
import type { RiegeliHash } from './riegeli-hash.js';
import { DEFAULT_ARRAYRECORD_OPTIONS, parseWriterOptions, writerOptionsToString } from './writer-options.js';
import type { ArrayRecordOptions } from './writer-options.js';

export interface ArrayRecordWriterOptions {
  /**
   * An options string as google/array_record takes it (`group_size:1,zstd:3`), or parsed options.
   * Default: `group_size:1,transpose:false,pad_to_block_boundary:false,zstd:3,window_log:20,max_parallelism:1`.
   */
  options?: string | ArrayRecordOptions;
  /** Threads that compress and hash chunks; 1 encodes on the calling thread. Same bytes either way. Default: 1. */
  threads?: number;
  /** Records batched into one task for a worker: at least this many bytes (whole chunks). Default: 1 MiB. */
  batchBytes?: number;
}

export interface ArrayRecordWriteSummary {
  readonly path: string;
  readonly records: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly writerOptions: string;
}

/**
 * Writes an ArrayRecord file that google/array_record reads (Grain's `ArrayRecordDataSource`):
 * records are grouped into chunks of `group_size`, compressed and hashed (on worker threads when
 * `threads > 1`), and appended in order by this one writer, so the bytes never depend on the
 * thread count. The file appears under its name only when `close()` succeeds.
 *
 * @example
 * await using writer = await ArrayRecordWriter.create('train.array_record', { threads: 2 });
 * for (const record of records) await writer.write(record);
 * await writer.close();
 */
export class ArrayRecordWriter implements AsyncDisposable {
  readonly options: ArrayRecordOptions;
  readonly #file: AtomicFile;
  readonly #hash: RiegeliHash;
  readonly #pool: WorkerPool<PackedRecords, EncodedBatch> | undefined;
  readonly #batchBytes: number;
  // chunkOffset, decodedDataSize, numRecords of each data chunk: numbers, not an object per chunk
  // (a million small objects kept to the end cost the writing thread much garbage-collection time).
  readonly #footer: number[] = [];
  readonly #pending: Promise<EncodedChunk[]>[] = [];
  // The records not yet handed to an encoder, back to back in one growing buffer.
  #batch = new Uint8Array(1 << 16);
  // Batch buffers handed back by the workers, to fill again.
  readonly #spareBatches: Uint8Array<ArrayBuffer>[] = [];
  #batchSize = 0;
  #batchLengths: number[] = [];
  #records = 0;
  #pos = 0;
  #state: 'open' | 'closed' | 'aborted' = 'open';
  #partialChunkWritten = false;

  private constructor(
    file: AtomicFile,
    options: ArrayRecordOptions,
    hash: RiegeliHash,
    threads: number,
    batchBytes: number,
  ) {
    this.#file = file;
    this.options = options;
    this.#hash = hash;
    this.#batchBytes = batchBytes;
    this.#pool =
      threads > 1
        ? new WorkerPool({ filename: workerModule(import.meta.url, 'encode-worker'), threads })
        : undefined;
  }

  static async create(path: string, settings: ArrayRecordWriterOptions = {}): Promise<ArrayRecordWriter> {
    const options =
      settings.options === undefined
        ? DEFAULT_ARRAYRECORD_OPTIONS
        : typeof settings.options === 'string'
          ? parseWriterOptions(settings.options)
          : settings.options;
    const threads = settings.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 4 * availableParallelism()) {
      throw new InvalidOptionError('options.threads must be a positive integer');
    }
    const batchBytes = settings.batchBytes ?? 1 << 20;
    if (!Number.isInteger(batchBytes) || batchBytes < 1)
      throw new InvalidOptionError('options.batchBytes must be a positive integer');
    const [hash] = await Promise.all([loadRiegeliHash(), initCodecs()]);
    const file = await openAtomicFile(path);
    const writer = new ArrayRecordWriter(file, options, hash, threads, batchBytes);
    await writer.#append([signatureChunk(hash)], { indexed: false, pad: false });
    return writer;
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /** Adds one record. Waits when too many chunks are being encoded, so memory stays bounded. */
  async write(record: Uint8Array | string): Promise<void> {
    if (this.#state !== 'open') throw new InvalidOptionError(`cannot write: the writer is ${this.#state}`);
    if (this.#partialChunkWritten) throw this.#partialChunkNotLast();
    const bytes = typeof record === 'string' ? new TextEncoder().encode(record) : record;
    if (this.#batchSize + bytes.length > this.#batch.length) {
      const grown = new Uint8Array(Math.max(2 * this.#batch.length, this.#batchSize + bytes.length));
      grown.set(this.#batch.subarray(0, this.#batchSize));
      this.#batch = grown;
    }
    this.#batch.set(bytes, this.#batchSize); // a copy: the caller may reuse its buffer
    this.#batchSize += bytes.length;
    this.#batchLengths.push(bytes.length);
    this.#records++;
    // Batches hold whole chunks, so chunk boundaries depend on group_size alone.
    if (this.#batchSize >= this.#batchBytes && this.#batchLengths.length % this.options.groupSize === 0) {
      await this.#submitBatch();
    }
  }

  /**
   * Appends chunks encoded elsewhere by `createChunkEncoder` with this writer's options (for
   * pipelines that compress on their own worker threads). Records passed to `write()` before are
   * flushed first, so the order is kept. Only the last chunk of a file may hold fewer than
   * `group_size` records.
   */
  async writeEncoded(encoded: ArrayBuffer): Promise<void> {
    if (this.#state !== 'open') throw new InvalidOptionError(`cannot write: the writer is ${this.#state}`);
    if (this.#partialChunkWritten) throw this.#partialChunkNotLast();
    // Records from write() that do not fill a group would become a short chunk in mid-file.
    const loose = this.#batchLengths.length % this.options.groupSize;
    if (loose !== 0) {
      throw new InvalidOptionError(
        `cannot append encoded chunks after ${loose} record(s) from write() that do not fill a group of group_size (${this.options.groupSize})`,
      );
    }
    if (this.#batchLengths.length > 0) await this.#submitBatch();
    while (this.#pending.length > 0) await this.#appendData(await this.#pending.shift()!);
    const chunks = unpackEncoded(encoded);
    for (const chunk of chunks) {
      if (this.#partialChunkWritten) throw this.#partialChunkNotLast();
      // Readers find record i in chunk i / group_size: a larger chunk would shift every later record.
      if (chunk.numRecords > this.options.groupSize) {
        throw new InvalidOptionError(
          `an encoded chunk holds ${chunk.numRecords} records, more than group_size (${this.options.groupSize}): encode with this writer's options`,
        );
      }
      this.#partialChunkWritten = chunk.numRecords < this.options.groupSize;
      this.#records += chunk.numRecords;
    }
    await this.#appendData(chunks);
  }

  /** Writes the last chunk, the footer and the postscript, then moves the file into place. */
  async close(): Promise<ArrayRecordWriteSummary> {
    if (this.#state !== 'open') throw new InvalidOptionError(`cannot close: the writer is ${this.#state}`);
    try {
      if (this.#batchLengths.length > 0) await this.#submitBatch();
      while (this.#pending.length > 0) await this.#appendData(await this.#pending.shift()!);
      const writerOptions = writerOptionsToString(this.options);
      const footerOffset = this.#pos;
      const last = { indexed: false, pad: true };
      await this.#append([this.#footerChunk(writerOptions)], last);
      await this.#append([postscriptChunk(footerOffset, this.#hash)], last);
      await this.#pool?.close();
      await this.#file.commit();
      this.#state = 'closed';
      return {
        path: this.#file.path,
        records: this.#records,
        chunks: this.#footer.length / 3,
        bytes: this.#pos,
        writerOptions,
      };
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Stops and removes the temporary file; nothing appears under the final name. */
  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    await Promise.allSettled(this.#pending);
    await this.#pool?.close();
    await this.#file.abort();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }

  /** The footer: its metadata record, then one entry per data chunk, as one chunk of records. */
  #footerChunk(writerOptions: string): EncodedChunk {
    const chunks = this.#footer.length / 3;
    const metadata = encodeFooterMetadata({
      version: 1,
      numChunks: chunks,
      numRecords: this.#records,
      writerOptions,
    });
    const records = new ByteSink(metadata.length + 16 * chunks);
    const sizes = [metadata.length];
    records.push(metadata);
    for (let i = 0; i < this.#footer.length; i += 3) {
      const before = records.size;
      writeFooterEntry(records, {
        chunkOffset: this.#footer[i]!,
        decodedDataSize: this.#footer[i + 1]!,
        numRecords: this.#footer[i + 2]!,
      });
      sizes.push(records.size - before);
    }
    return encodeRecordChunk(records.view(), sizes, this.options.compression, this.#hash);
  }

  async #submitBatch(): Promise<void> {
    // Records are found by their lengths, so the batch buffer goes as it is: used in place when
    // encoded on this thread, moved (and replaced) when a worker encodes it.
    const task: PackedRecords = {
      buffer: this.#batch.buffer,
      lengths: Float64Array.from(this.#batchLengths),
      groupSize: this.options.groupSize,
      compression: this.options.compression,
    };
    this.#batchSize = 0;
    this.#batchLengths = [];
    // A batch buffer that grew for a huge record is not kept: buffers in rotation stay near batchBytes.
    const keep = 2 * Math.max(this.#batchBytes, 1 << 16);
    if (this.#pool === undefined) {
      this.#pending.push(Promise.resolve(unpackEncoded(encodePacked(task, this.#hash))));
      if (this.#batch.length > keep) this.#batch = new Uint8Array(keep);
    } else {
      this.#batch = this.#spareBatches.pop() ?? new Uint8Array(Math.min(this.#batch.length, keep));
      const encoded = this.#pool
        .run(task, { transfer: [task.buffer, task.lengths.buffer as ArrayBuffer] })
        .then(({ encoded, records }) => {
          if (records.byteLength <= keep) this.#spareBatches.push(new Uint8Array(records));
          return unpackEncoded(encoded);
        });
      // Awaited in order later; a failure meanwhile must not count as an unhandled rejection.
      encoded.catch(() => undefined);
      this.#pending.push(encoded);
    }
    const maxInFlight = 2 * (this.#pool?.threads ?? 0);
    while (this.#pending.length > maxInFlight) await this.#appendData(await this.#pending.shift()!);
  }

  #partialChunkNotLast(): InvalidOptionError {
    return new InvalidOptionError(
      `a chunk of fewer than group_size (${this.options.groupSize}) records must be the last of the file`,
    );
  }

  #appendData(chunks: readonly EncodedChunk[]): Promise<void> {
    return this.#append(chunks, { indexed: true, pad: this.options.padToBlockBoundary });
  }

  /**
   * Frames chunks at the current position (block headers, padding) and writes them, in order.
   * `indexed` chunks are data chunks, listed in the footer; `pad` adds a padding chunk after each.
   */
  async #append(chunks: readonly EncodedChunk[], how: { indexed: boolean; pad: boolean }): Promise<void> {
    // First where each chunk (and padding) goes, then one buffer for all of them: no per-chunk copies.
    const placed: { chunk: EncodedChunk; begin: number; end: number }[] = [];
    const start = this.#pos;
    let pos = start;
    for (const chunk of chunks) {
      if (how.indexed) this.#footer.push(pos, chunk.decodedDataSize, chunk.numRecords);
      const end = chunkEnd(pos, chunk.dataSize, chunk.numRecords);
      placed.push({ chunk, begin: pos, end });
      pos = end;
      const padding = how.pad ? paddingChunk(pos, this.#hash) : undefined;
      if (padding !== undefined) {
        const paddingEnd = chunkEnd(pos, padding.dataSize, 0);
        placed.push({ chunk: padding, begin: pos, end: paddingEnd });
        pos = paddingEnd;
      }
    }
    const out = new Uint8Array(pos - start);
    for (const p of placed) frameChunkInto(p.chunk, p.begin, p.end, out, p.begin - start, this.#hash);
    this.#pos = pos;
    await this.#file.write(out);
  }
}

/** Three copies of the postscript, uncompressed, as the reader expects in the last block. */
function postscriptChunk(footerOffset: number, hash: RiegeliHash): EncodedChunk {
  const postscript = encodePostscript({ footerOffset, magic: ARRAYRECORD_MAGIC });
  const copies = new Uint8Array(3 * postscript.length);
  for (let i = 0; i < 3; i++) copies.set(postscript, i * postscript.length);
  const sizes = [postscript.length, postscript.length, postscript.length];
  return encodeRecordChunk(copies, sizes, { kind: 'uncompressed' }, hash);
}

function signatureChunk(hash: RiegeliHash): EncodedChunk {
  return encodeChunk(
    { chunkType: ChunkType.signature, numRecords: 0, decodedDataSize: 0 },
    new Uint8Array(0),
    hash,
  );
}

/** A padding chunk from `pos` to the next block boundary (the one after, if no header fits). */
function paddingChunk(pos: number, hash: RiegeliHash): EncodedChunk | undefined {
  let length = remainingInBlock(pos);
  if (length === 0) return undefined;
  if (length < CHUNK_HEADER_SIZE) length += USABLE_BLOCK_SIZE;
  return encodeChunk(
    { chunkType: ChunkType.padding, numRecords: 0, decodedDataSize: 0 },
    new Uint8Array(length - CHUNK_HEADER_SIZE),
    hash,
  );
}
