import { RecordIoError } from '../errors.js';

/** Bytes of an ArrayRecord file that do not check out: a hash, a size or a structure is wrong. */
export class ArrayRecordCorruptionError extends RecordIoError {
  readonly path: string;
  /** Absolute offset where the chunk in question begins. */
  readonly chunkOffset: number;
  /** Absolute offset of the bad bytes. */
  readonly offset: number;

  constructor(path: string, chunkOffset: number, offset: number, what: string) {
    super(
      'PREPKIT_ARRAYRECORD_CORRUPT',
      `${path}: corrupt ArrayRecord file: ${what} (chunk at offset ${chunkOffset}, offset ${offset})`,
    );
    this.path = path;
    this.chunkOffset = chunkOffset;
    this.offset = offset;
  }
}

/** A valid file using a feature this implementation does not read (transposed chunks). */
export class ArrayRecordUnsupportedError extends RecordIoError {
  constructor(path: string, what: string) {
    super('PREPKIT_ARRAYRECORD_UNSUPPORTED', `${path}: ${what} is not supported`);
  }
}

/** A writer options string that `Options::FromString` would reject, or one we cannot honour. */
export class ArrayRecordOptionsError extends RecordIoError {
  constructor(message: string) {
    super('PREPKIT_ARRAYRECORD_BAD_OPTIONS', message);
  }
}
