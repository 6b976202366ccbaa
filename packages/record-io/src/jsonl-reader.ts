import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { InvalidOptionError, JsonlMalformedError, describeError } from './errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';

export interface JsonlReaderOptions {
  /** Bytes read from disk at a time. Default: 1 MiB. */
  chunkSize?: number;
  /** Skip empty (or whitespace-only) lines instead of reporting them as malformed. Default: false. */
  allowBlankLines?: boolean;
  /** Stops the read; the iterator rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface ResolvedJsonlReaderOptions {
  readonly chunkSize: number;
  readonly allowBlankLines: boolean;
  readonly signal: AbortSignal | undefined;
}

export const DEFAULT_JSONL_READER_OPTIONS = Object.freeze({ chunkSize: 1 << 20, allowBlankLines: false });

export function resolveJsonlReaderOptions(options: JsonlReaderOptions = {}): ResolvedJsonlReaderOptions {
  const chunkSize = options.chunkSize ?? DEFAULT_JSONL_READER_OPTIONS.chunkSize;
  assertPositiveInteger('chunkSize', chunkSize);
  const allowBlankLines = options.allowBlankLines ?? DEFAULT_JSONL_READER_OPTIONS.allowBlankLines;
  return Object.freeze({ chunkSize, allowBlankLines, signal: options.signal });
}

const NEWLINE = 0x0a;
const UTF8_BOM = '\uFEFF';

/**
 * Reads a JSONL file as an async iterable of records (or `batches(n)` of them). Lines are split on
 * bytes, before decoding, so a multi-byte character split across two reads is never broken; CRLF
 * line ends and a missing final newline are accepted. A bad line throws `PREPKIT_JSONL_MALFORMED`
 * naming the file and its 1-based line number. `T` is not checked: validate records if the file
 * is untrusted.
 *
 * @example
 * const reader = readJsonl<{ text: string }>('train.jsonl');
 * for await (const batch of reader.batches(1000)) await embed(batch);
 * console.log(reader.records, reader.bytes);
 */
export class JsonlReader<T = unknown> implements AsyncIterable<T> {
  readonly path: string;
  readonly #options: ResolvedJsonlReaderOptions;
  #records = 0;
  #bytes = 0;

  constructor(path: string, options: JsonlReaderOptions = {}) {
    this.path = path;
    this.#options = resolveJsonlReaderOptions(options);
  }

  /** Records yielded so far. */
  get records(): number {
    return this.#records;
  }

  /** Bytes read from the file so far. */
  get bytes(): number {
    return this.#bytes;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const records of this.#chunks()) {
      for (const record of records) {
        this.#records++;
        yield record;
      }
    }
  }

  /** The records in arrays of `size` (the last one may be shorter). */
  batches(size: number): AsyncGenerator<T[]> {
    if (!Number.isInteger(size) || size < 1) {
      throw new InvalidOptionError(`batches(size): size must be a positive integer (got ${String(size)})`);
    }
    return this.#batches(size);
  }

  async *#batches(size: number): AsyncGenerator<T[]> {
    let batch: T[] = [];
    for await (const records of this.#chunks()) {
      for (const record of records) {
        batch.push(record);
        if (batch.length === size) {
          this.#records += size;
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) {
      this.#records += batch.length;
      yield batch;
    }
  }

  /** Parses the file one read-chunk at a time: the records of each chunk's complete lines. */
  async *#chunks(): AsyncGenerator<T[]> {
    const { chunkSize, signal } = this.#options;
    const stream = createReadStream(this.path, { highWaterMark: chunkSize, ...(signal ? { signal } : {}) });
    let carry: Buffer | undefined;
    let line = 1;
    try {
      for await (const read of stream) {
        const chunk = read as Buffer;
        this.#bytes += chunk.byteLength;
        const bytes = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
        const end = bytes.lastIndexOf(NEWLINE);
        if (end < 0) {
          carry = bytes;
          continue;
        }
        carry = end + 1 < bytes.byteLength ? Buffer.from(bytes.subarray(end + 1)) : undefined;
        const parsed = this.#parseLines(bytes.subarray(0, end), line);
        line += parsed.lines;
        yield* this.#deliver(parsed);
      }
      if (carry !== undefined) yield* this.#deliver(this.#parseLines(carry, line));
    } finally {
      stream.destroy();
    }
  }

  /** The good records before a bad line still reach the consumer; then the error is thrown. */
  *#deliver({ records, error }: ParsedLines<T>): Generator<T[]> {
    if (records.length > 0) yield records;
    if (error !== undefined) throw error;
  }

  /** Parses `bytes` (whole lines without the last `\n`); `firstLine` is the number of its first line. */
  #parseLines(bytes: Buffer, firstLine: number): ParsedLines<T> {
    const records: T[] = [];
    if (!isUtf8(bytes)) return { records, lines: 0, error: this.#invalidUtf8(bytes, firstLine) };
    let text = bytes.toString('utf8');
    if (firstLine === 1 && text.startsWith(UTF8_BOM)) text = text.slice(1);
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let source = lines[i] ?? '';
      if (source.endsWith('\r')) source = source.slice(0, -1);
      if (source.trim() === '') {
        if (this.#options.allowBlankLines) continue;
        return { records, lines: i, error: new JsonlMalformedError(this.path, firstLine + i, 'blank line') };
      }
      try {
        records.push(JSON.parse(source) as T);
      } catch (cause) {
        const problem = `invalid JSON (${describeError(cause)})`;
        return {
          records,
          lines: i,
          error: new JsonlMalformedError(this.path, firstLine + i, problem, cause),
        };
      }
    }
    return { records, lines: lines.length };
  }

  /** Finds the line holding the bad bytes; only on this error path, so good files decode in bulk. */
  #invalidUtf8(bytes: Buffer, firstLine: number): JsonlMalformedError {
    let start = 0;
    for (let line = firstLine; start <= bytes.byteLength; line++) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline < 0 ? bytes.byteLength : newline;
      if (!isUtf8(bytes.subarray(start, end)))
        return new JsonlMalformedError(this.path, line, 'not valid UTF-8');
      start = end + 1;
    }
    return new JsonlMalformedError(this.path, firstLine, 'not valid UTF-8');
  }
}

interface ParsedLines<T> {
  readonly records: T[];
  /** Lines consumed (all of them unless `error` is set). */
  readonly lines: number;
  readonly error?: JsonlMalformedError;
}

/** Opens `path` as a JSONL reader (see `JsonlReader`). */
export function readJsonl<T = unknown>(path: string, options: JsonlReaderOptions = {}): JsonlReader<T> {
  return new JsonlReader<T>(path, options);
}
