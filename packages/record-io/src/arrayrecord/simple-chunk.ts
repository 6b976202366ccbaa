import { COMPRESSION_BYTE, compressBlock, decompressBlock } from './codecs.js';
import type { Compression } from './codecs.js';
import { pushVarint, readVarint } from './varint.js';

export interface SimpleChunkData {
  readonly data: Uint8Array;
  readonly numRecords: number;
  readonly decodedDataSize: number;
}

/**
 * The data of a simple chunk ('r'): compression byte, the length of the sizes block, the sizes
 * block (record sizes as varints), then the values block (the records back to back). Each block
 * is compressed on its own and, when compressed, prefixed by its decompressed length.
 */
export function encodeSimpleChunk(records: readonly Uint8Array[], compression: Compression): SimpleChunkData {
  const sizes: number[] = [];
  let decodedDataSize = 0;
  for (const record of records) {
    pushVarint(sizes, record.length);
    decodedDataSize += record.length;
  }
  const head: number[] = [COMPRESSION_BYTE[compression.kind]];
  if (compression.kind === 'uncompressed') {
    // Uncompressed: the records go straight into the chunk data, copied once.
    pushVarint(head, sizes.length);
    const data = new Uint8Array(head.length + sizes.length + decodedDataSize);
    data.set(head, 0);
    data.set(sizes, head.length);
    let at = head.length + sizes.length;
    for (const record of records) {
      data.set(record, at);
      at += record.length;
    }
    return { data, numRecords: records.length, decodedDataSize };
  }
  const values = records.length === 1 ? records[0]! : concatRecords(records, decodedDataSize);
  const sizesBlock = block(compression, Uint8Array.from(sizes));
  const valuesBlock = block(compression, values);
  pushVarint(head, sizesBlock.length);
  const data = new Uint8Array(head.length + sizesBlock.length + valuesBlock.length);
  data.set(head, 0);
  data.set(sizesBlock, head.length);
  data.set(valuesBlock, head.length + sizesBlock.length);
  return { data, numRecords: records.length, decodedDataSize };
}

function concatRecords(records: readonly Uint8Array[], total: number): Uint8Array {
  const values = new Uint8Array(total);
  let at = 0;
  for (const record of records) {
    values.set(record, at);
    at += record.length;
  }
  return values;
}

function block(compression: Compression, raw: Uint8Array): Uint8Array {
  if (compression.kind === 'uncompressed') return raw;
  const compressed = compressBlock(compression, raw);
  const prefix: number[] = [];
  pushVarint(prefix, raw.length);
  const out = new Uint8Array(prefix.length + compressed.length);
  out.set(prefix, 0);
  out.set(compressed, prefix.length);
  return out;
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
