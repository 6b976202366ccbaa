import { openAtomicFile } from './atomic-file.js';
import type { AtomicFile, AtomicFileOptions } from './atomic-file.js';
import { JsonlRecordError, describeError } from './errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';

export interface JsonlWriterOptions extends AtomicFileOptions {
  /**
   * Characters of serialised records held in memory before they are written out; `write`
   * waits for that write to finish, which is the back-pressure. Default: 1 MiB (`DEFAULT_JSONL_WRITER_OPTIONS`).
   */
  bufferSize?: number;
}

export interface ResolvedJsonlWriterOptions {
  readonly bufferSize: number;
  readonly mode: number | undefined;
}

export const DEFAULT_JSONL_WRITER_OPTIONS: Readonly<Required<Omit<JsonlWriterOptions, 'mode'>>> =
  Object.freeze({ bufferSize: 1 << 20 });

export function resolveJsonlWriterOptions(options: JsonlWriterOptions = {}): ResolvedJsonlWriterOptions {
  const bufferSize = options.bufferSize ?? DEFAULT_JSONL_WRITER_OPTIONS.bufferSize;
  assertPositiveInteger('bufferSize', bufferSize);
  return Object.freeze({ bufferSize, mode: options.mode });
}

/** What a finished output file holds; the shape `writeManifest` takes for `outputs`. */
export interface WrittenFile {
  readonly path: string;
  readonly records: number;
  readonly bytes: number;
}

/**
 * Writes one JSON value per line (UTF-8, `\n`), atomically: the file appears under `path` only on
 * `close()`. A record JSON cannot represent (`undefined`, a function, a BigInt, a cycle) is
 * rejected with `PREPKIT_JSONL_UNSERIALISABLE` instead of becoming a blank or partial line.
 *
 * @example
 * await using out = await openJsonlWriter('train.jsonl');
 * for (const example of examples) await out.write(example);
 * const { records, bytes } = await out.close();
 */
export class JsonlWriter<T = unknown> {
  readonly #file: AtomicFile;
  readonly #bufferSize: number;
  #pieces: string[] = [];
  #buffered = 0;
  #records = 0;
  #closed = false;

  /** Use `openJsonlWriter`. */
  constructor(file: AtomicFile, options: ResolvedJsonlWriterOptions) {
    this.#file = file;
    this.#bufferSize = options.bufferSize;
  }

  /** The final path of the file. */
  get path(): string {
    return this.#file.path;
  }

  /** Records accepted so far. */
  get records(): number {
    return this.#records;
  }

  /** Bytes written to disk so far (buffered records not included until flushed). */
  get bytes(): number {
    return this.#file.bytesWritten;
  }

  /** Adds one record; resolves at once unless the buffer was full and had to be written. */
  async write(record: T): Promise<void> {
    const line = this.#serialise(record);
    this.#pieces.push(line, '\n');
    this.#buffered += line.length + 1;
    this.#records++;
    if (this.#buffered >= this.#bufferSize) await this.#flush();
  }

  /** Writes every record of `records`, in order. */
  async writeAll(records: Iterable<T> | AsyncIterable<T>): Promise<void> {
    for await (const record of records) await this.write(record);
  }

  /** Writes what is buffered, then commits the file under its final name. */
  async close(): Promise<WrittenFile> {
    if (!this.#closed) {
      await this.#flush();
      this.#closed = true;
      await this.#file.commit();
    }
    return { path: this.path, records: this.#records, bytes: this.#file.bytesWritten };
  }

  /** Discards the file; nothing appears under its final name. */
  async abort(): Promise<void> {
    this.#closed = true;
    this.#pieces = [];
    await this.#file.abort();
  }

  /** `await using` support: aborts unless `close()` ran. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#file.state === 'open') await this.abort();
  }

  #serialise(record: T): string {
    let line: string | undefined;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      throw new JsonlRecordError(this.path, this.#records, describeError(error), error);
    }
    // JSON.stringify returns undefined (typed as string) for undefined, functions and symbols.
    if (typeof line !== 'string') {
      throw new JsonlRecordError(this.path, this.#records, `${typeof record} has no JSON form`);
    }
    return line;
  }

  async #flush(): Promise<void> {
    if (this.#pieces.length === 0) return;
    const chunk = this.#pieces.join('');
    this.#pieces = [];
    this.#buffered = 0;
    await this.#file.write(chunk);
  }
}

/** Opens `path` for writing JSONL atomically (see `JsonlWriter`). */
export async function openJsonlWriter<T = unknown>(
  path: string,
  options: JsonlWriterOptions = {},
): Promise<JsonlWriter<T>> {
  const resolved = resolveJsonlWriterOptions(options);
  const file = await openAtomicFile(path, resolved.mode === undefined ? {} : { mode: resolved.mode });
  return new JsonlWriter<T>(file, resolved);
}

/**
 * Writes all of `records` to `path` as JSONL and commits it; on any error the file is not created.
 *
 * @example
 * const { records } = await writeJsonl('valid.jsonl', examples);
 */
export async function writeJsonl<T>(
  path: string,
  records: Iterable<T> | AsyncIterable<T>,
  options: JsonlWriterOptions = {},
): Promise<WrittenFile> {
  await using writer = await openJsonlWriter<T>(path, options);
  await writer.writeAll(records);
  return await writer.close();
}
