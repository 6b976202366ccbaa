// The three protobuf messages of ArrayRecord (cpp/layout.proto), by hand: proto2, every field
// written in ascending field order as the current writer does; read in any order.
import { ByteSink } from './byte-sink.js';
import { readVarint } from './varint.js';

export const ARRAYRECORD_MAGIC = 0x71930e704fdae05en;

export interface ArrayRecordFooterEntry {
  readonly chunkOffset: number;
  readonly decodedDataSize: number;
  readonly numRecords: number;
}

export interface FooterMetadata {
  readonly version: number;
  readonly numChunks: number;
  readonly numRecords: number;
  readonly writerOptions: string;
}

export interface Postscript {
  readonly footerOffset: number;
  readonly magic: bigint;
}

/** Appends one `ArrayRecordFooter` message (written in place: a file has one per chunk). */
export function writeFooterEntry(out: ByteSink, entry: ArrayRecordFooterEntry): void {
  field(out, 1, entry.chunkOffset);
  field(out, 2, entry.decodedDataSize);
  field(out, 3, entry.numRecords);
}

export function encodeFooterMetadata(metadata: FooterMetadata): Uint8Array {
  const inner = new ByteSink(64);
  field(inner, 1, metadata.version);
  field(inner, 2, metadata.numChunks);
  field(inner, 3, metadata.numRecords);
  const options = new TextEncoder().encode(metadata.writerOptions);
  inner.pushVarint((4 << 3) | 2);
  inner.pushVarint(options.length);
  inner.push(options);
  const out = new ByteSink(inner.size + 8);
  out.pushVarint((1 << 3) | 2);
  out.pushVarint(inner.size);
  out.push(inner.view());
  return out.view().slice();
}

export function encodePostscript(postscript: Postscript): Uint8Array {
  const out = new ByteSink(32);
  field(out, 1, postscript.footerOffset);
  field(out, 2, postscript.magic);
  return out.view().slice();
}

function field(out: ByteSink, number: number, value: number | bigint): void {
  out.pushVarint(number << 3); // wire type 0: varint
  out.pushVarint(value);
}

type Fields = Map<number, bigint | Uint8Array>;

/** Reads a message's fields (last one wins, as in protobuf); unknown wire types 1 and 5 are skipped. */
export function readFields(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  while (pos < bytes.length) {
    const tag = readVarint(bytes, pos);
    if (tag === undefined) throw new Error('truncated field tag');
    pos = tag.next;
    const number = Number(tag.value >> 3n);
    const wire = Number(tag.value & 7n);
    if (wire === 0) {
      const value = readVarint(bytes, pos);
      if (value === undefined) throw new Error(`truncated varint in field ${number}`);
      fields.set(number, value.value);
      pos = value.next;
    } else if (wire === 2) {
      const length = readVarint(bytes, pos);
      if (length === undefined) throw new Error(`truncated length of field ${number}`);
      const end = length.next + Number(length.value);
      if (end > bytes.length) throw new Error(`field ${number} runs past the message`);
      fields.set(number, bytes.subarray(length.next, end));
      pos = end;
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      throw new Error(`unsupported wire type ${wire} in field ${number}`);
    }
  }
  if (pos !== bytes.length) throw new Error('message ends inside a field');
  return fields;
}

function num(fields: Fields, number: number): number {
  const value = fields.get(number);
  return typeof value === 'bigint' ? Number(value) : 0;
}

export function decodeFooterEntry(bytes: Uint8Array): ArrayRecordFooterEntry {
  const f = readFields(bytes);
  return { chunkOffset: num(f, 1), decodedDataSize: num(f, 2), numRecords: num(f, 3) };
}

export function decodeFooterMetadata(bytes: Uint8Array): FooterMetadata | undefined {
  const inner = readFields(bytes).get(1);
  if (!(inner instanceof Uint8Array)) return undefined;
  const f = readFields(inner);
  const options = f.get(4);
  return {
    version: num(f, 1),
    numChunks: num(f, 2),
    numRecords: num(f, 3),
    writerOptions: options instanceof Uint8Array ? new TextDecoder().decode(options) : '',
  };
}

export function decodePostscript(bytes: Uint8Array): Postscript {
  const f = readFields(bytes);
  const magic = f.get(2);
  return { footerOffset: num(f, 1), magic: typeof magic === 'bigint' ? magic : 0n };
}
