import { COMPRESSION_BYTE, compressBlock, decompressBlock } from './codecs.js';
import type { Compression } from './codecs.js';
import { readVarint } from './varint.js';
import { ByteSink } from './byte-sink.js';

export interface SimpleChunkCounts {
  readonly numRecords: number;
  readonly decodedDataSize: number;
}

// Per-thread scratch space for a chunk's sizes and its compressed sizes block.
const sizesScratch = new ByteSink(64);
const blockScratch = new ByteSink(64);

/**
 * Writes the data of a simple chunk ('r') into `out`: compression byte, the length of the sizes
 * block, the sizes block (record sizes as varints), then the values block (the records back to
 * back). Each block is compressed on its own and, when compressed, prefixed by its decompressed
 * length. `values` holds the records back to back; `sizes` their lengths.
 */
export function writeSimpleChunk(
  out: ByteSink,
  values: Uint8Array,
  sizes: ArrayLike<number>,
  compression: Compression,
): SimpleChunkCounts {
  sizesScratch.clear();
  for (let i = 0; i < sizes.length; i++) sizesScratch.pushVarint(sizes[i]!);
  out.pushByte(COMPRESSION_BYTE[compression.kind]);
  if (compression.kind === 'uncompressed') {
    out.pushVarint(sizesScratch.size);
    out.push(sizesScratch.view());
    out.push(values);
  } else {
    blockScratch.clear();
    blockScratch.pushVarint(sizesScratch.size);
    blockScratch.push(compressBlock(compression, sizesScratch.view()));
    out.pushVarint(blockScratch.size);
    out.push(blockScratch.view());
    out.pushVarint(values.length);
    out.push(compressBlock(compression, values));
  }
  return { numRecords: sizes.length, decodedDataSize: values.length };
}

/** Splits a simple chunk's data back into records (views into one decompressed buffer). */
export function decodeSimpleChunk(
  data: Uint8Array,
  numRecords: number,
  decodedDataSize: number,
): Uint8Array[] {
  const compressionByte = data[0];
  if (compressionByte === undefined) throw new Error('empty simple chunk');
  const sizesLength = readVarint(data, 1);
  if (sizesLength === undefined) throw new Error('truncated sizes length');
  const sizesEnd = sizesLength.next + Number(sizesLength.value);
  if (sizesEnd > data.length) throw new Error('sizes block runs past the chunk data');
  const sizes = unblock(compressionByte, data.subarray(sizesLength.next, sizesEnd), undefined);
  const values = unblock(compressionByte, data.subarray(sizesEnd), decodedDataSize);
  if (values.length !== decodedDataSize)
    throw new Error(`values block holds ${values.length} bytes, the header says ${decodedDataSize}`);
  const records = new Array<Uint8Array>(numRecords);
  let pos = 0;
  let offset = 0;
  for (let i = 0; i < numRecords; i++) {
    const size = readVarint(sizes, pos);
    if (size === undefined) throw new Error(`sizes block ends after ${i} of ${numRecords} sizes`);
    pos = size.next;
    const length = Number(size.value);
    if (offset + length > values.length) throw new Error(`record ${i} runs past the values block`);
    records[i] = values.subarray(offset, offset + length);
    offset += length;
  }
  if (pos !== sizes.length) throw new Error('sizes block has bytes after the last size');
  if (offset !== values.length) throw new Error('values block has bytes after the last record');
  return records;
}

function unblock(compressionByte: number, bytes: Uint8Array, expected: number | undefined): Uint8Array {
  if (compressionByte === COMPRESSION_BYTE.uncompressed) return bytes;
  const prefix = readVarint(bytes, 0);
  if (prefix === undefined) throw new Error('truncated decompressed-size prefix');
  const size = Number(prefix.value);
  if (expected !== undefined && size !== expected)
    throw new Error(`block says ${size} bytes decompressed, the header says ${expected}`);
  const out = decompressBlock(compressionByte, bytes.subarray(prefix.next), size);
  if (out.length !== size) throw new Error(`block decompressed to ${out.length} bytes, expected ${size}`);
  return out;
}
