export { ArrayRecordWriter } from './arrayrecord-writer.js';
export type { ArrayRecordWriteSummary, ArrayRecordWriterOptions } from './arrayrecord-writer.js';
export { ArrayRecordReader } from './arrayrecord-reader.js';
export type { ArrayRecordFileInfo } from './arrayrecord-reader.js';
export { inspect } from './inspect.js';
export type { ArrayRecordInspection } from './inspect.js';
export { DEFAULT_ARRAYRECORD_OPTIONS, parseWriterOptions, writerOptionsToString } from './writer-options.js';
export type { ArrayRecordOptions } from './writer-options.js';
export { createChunkEncoder, dealEncoded, encodedChunkCount } from './chunk-encoder.js';
export type { Compression } from './codecs.js';
export {
  ArrayRecordCorruptionError,
  ArrayRecordOptionsError,
  ArrayRecordUnsupportedError,
} from './arrayrecord-errors.js';
