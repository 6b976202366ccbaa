import { PrepkitError } from '@prepkit/bench-harness/errors';

/** Bytes of an ArrayRecord file that do not check out: a hash, a size or a structure is wrong. */
export class ArrayRecordCorruptionError extends PrepkitError {
  readonly path: string;
  /** Absolute offset where the chunk in question begins. */
  readonly chunkOffset: number;
  /** Absolute offset of the bad bytes. */
  readonly offset: number;

  constructor(path: string, chunkOffset: number, offset: number, what: string) {
    super(
      'PREPKIT_ARRAYRECORD_CORRUPT',
      'input',
      `${path}: corrupt ArrayRecord file: ${what} (chunk at offset ${chunkOffset}, offset ${offset})`,
    );
    this.path = path;
    this.chunkOffset = chunkOffset;
    this.offset = offset;
  }
}

/** A valid file using a feature this implementation does not read (transposed chunks). */
export class ArrayRecordUnsupportedError extends PrepkitError {
  constructor(path: string, what: string) {
    super('PREPKIT_ARRAYRECORD_UNSUPPORTED', 'input', `${path}: ${what} is not supported`);
  }
}

/** A writer options string that `Options::FromString` would reject, or one we cannot honour. */
export class ArrayRecordOptionsError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_ARRAYRECORD_BAD_OPTIONS', 'config', message);
  }
}
