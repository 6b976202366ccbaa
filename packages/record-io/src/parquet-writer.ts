import { Table, tableToIPC } from 'apache-arrow';
import type { Schema } from 'apache-arrow';
import { WorkerPool } from '@prepkit/worker-pool';
import { encodeRowGroup } from '../workers/parquet-encode.mjs';
import type { EncodeSettings, EncodeTask } from '../workers/parquet-encode.mjs';
import { openAtomicFile } from './atomic-file.js';
import type { AtomicFile } from './atomic-file.js';
import { AtomicFileStateError, OutputLocationError, ParquetIoError } from './errors.js';
import { Handoff } from './handoff.js';
import type { WrittenFile } from './jsonl-writer.js';
import { resolveParquetWriterOptions } from './parquet-options.js';
import type { ParquetWriterOptions, ResolvedParquetWriterOptions } from './parquet-options.js';
import { arrowSchemaFor, normalizeBatch, recordBatchOf } from './parquet-schema.js';
import type { NormalizedBatch, ParquetBatch, ParquetColumn } from './parquet-schema.js';
import { PARQUET_MAGIC, ParquetStitcher } from './parquet-stitch.js';
import { RowGroupBuilder } from './row-group-builder.js';

const ENCODER = new URL('../workers/parquet-encode.mjs', import.meta.url);

/**
 * Writes a Parquet file from columnar batches, atomically, with memory bounded by a few row groups.
 *
 * Batches are cut into row groups of exactly `rowGroupSize` rows (views on the caller's typed
 * arrays where a row group lies inside one batch). Each row group becomes an Arrow IPC message that
 * parquet-wasm (arrow-rs) encodes into a one-row-group Parquet file: the first on the caller's
 * thread, the rest on `threads` worker threads (or the caller's, with one thread); the parts are
 * appended in order and one footer lists them all.
 * The bytes depend only on the rows and options, never on batch sizes or thread count.
 *
 * @example
 * await using out = await openParquetWriter('train.parquet', [
 *   { name: 'id', type: 'int64' },
 *   { name: 'embedding', type: 'float32-list', listSize: 384 },
 *   { name: 'text', type: 'utf8' },
 * ], { compression: 'zstd', threads: 2 });
 * await out.write({ id: ids, embedding: vectors, text: texts });
 * const { records, bytes } = await out.close();
 */
export class ParquetWriter {
  readonly #file: AtomicFile;
  readonly #columns: readonly ParquetColumn[];
  readonly #schema: Schema;
  readonly #options: ResolvedParquetWriterOptions;
  readonly #builder: RowGroupBuilder;
  readonly #stitcher = new ParquetStitcher();
  readonly #tasks = new Handoff<EncodeTask>();
  #pool: WorkerPool<EncodeTask, Uint8Array> | undefined;
  readonly #pump: Promise<void>;
  readonly #onAbort = (): void => void this.abort(this.#options.signal?.reason);
  #records = 0;
  #submitted = 0;
  #state: 'open' | 'closed' | 'aborted' = 'open';
  #aborting: Promise<void> | undefined;

  private constructor(
    file: AtomicFile,
    columns: readonly ParquetColumn[],
    schema: Schema,
    options: ResolvedParquetWriterOptions,
  ) {
    this.#file = file;
    this.#columns = columns;
    this.#schema = schema;
    this.#options = options;
    this.#builder = new RowGroupBuilder(columns, options.rowGroupSize);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#pump = this.#appendParts();
    this.#pump.catch(() => {}); // surfaced through write/close; an idle writer must not crash Node
  }

  /** Use `openParquetWriter`. */
  static async open(
    path: string,
    columns: readonly ParquetColumn[],
    options: ParquetWriterOptions = {},
  ): Promise<ParquetWriter> {
    const resolved = resolveParquetWriterOptions(options);
    const schema = arrowSchemaFor(columns);
    resolved.signal?.throwIfAborted();
    const file = await openAtomicFile(path, resolved.mode === undefined ? {} : { mode: resolved.mode });
    try {
      await file.write(PARQUET_MAGIC);
      return new ParquetWriter(file, columns, schema, resolved);
    } catch (error) {
      await file.abort();
      throw error;
    }
  }

  /** The final path of the file. */
  get path(): string {
    return this.#file.path;
  }

  /** Rows accepted so far. */
  get records(): number {
    return this.#records;
  }

  /** Bytes written to disk so far (whole row groups). */
  get bytes(): number {
    return this.#file.bytesWritten;
  }

  /**
   * Adds rows (any batch size). Resolves once every row group the batch completed has been handed to
   * an encoder; the caller may then reuse its arrays.
   */
  async write(batch: ParquetBatch): Promise<void> {
    this.#assertOpen('write');
    const normalized = normalizeBatch(this.path, this.#columns, batch);
    for (const group of this.#builder.add(normalized)) await this.#submit(group);
    this.#records += normalized.rows;
  }

  /** Encodes the last row group, writes the footer, and commits the file under its final name. */
  async close(): Promise<WrittenFile> {
    if (this.#state === 'aborted') {
      await this.#aborting; // the temporary file is gone before close() reports the abort
      throw this.#abortReason();
    }
    if (this.#state === 'open') {
      this.#state = 'closed';
      this.#options.signal?.removeEventListener('abort', this.#onAbort);
      try {
        const last = this.#builder.flush() ?? (this.#submitted === 0 ? this.#builder.empty() : undefined);
        if (last !== undefined) await this.#submit(last);
        this.#tasks.end();
        await this.#pump;
        await this.#file.write(this.#stitcher.footer());
        await this.#file.commit();
      } catch (error) {
        this.#tasks.fail(error);
        await this.#file.abort();
        throw writeFailure(this.path, error);
      } finally {
        await this.#pool?.close();
      }
    }
    return { path: this.path, records: this.#records, bytes: this.#file.bytesWritten };
  }

  /**
   * Stops writing and removes the temporary file; nothing appears under the final name. Every call
   * (the signal's included) waits until the file is gone.
   */
  abort(reason?: unknown): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    this.#aborting ??= this.#stop(reason);
    return this.#aborting;
  }

  async #stop(reason: unknown): Promise<void> {
    this.#state = 'aborted';
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#tasks.fail(reason ?? new AtomicFileStateError(this.path, 'the Parquet writer was aborted'));
    await this.#pump.catch(() => {});
    await this.#pool?.close();
    await this.#file.abort();
  }

  /** `await using` support: aborts unless `close()` ran. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }

  async #submit(group: NormalizedBatch): Promise<void> {
    const ipc = tableToIPC(new Table([recordBatchOf(this.#schema, this.#columns, group)]), 'stream');
    const { compression, metadata } = this.#options;
    const settings: EncodeSettings = {
      compression,
      rows: group.rows,
      dictionaryColumns: this.#columns.filter(usesDictionary).map((c) => c.name),
      metadata: Object.entries(metadata),
    };
    this.#submitted++;
    await this.#tasks.put({ ipc, settings });
  }

  /** Encodes the queued row groups (in order) and appends each part's column chunks to the file. */
  async #appendParts(): Promise<void> {
    try {
      for await (const part of this.#encode(this.#taskSource())) {
        await this.#file.write(this.#stitcher.append(part));
      }
    } catch (error) {
      const failure = writeFailure(this.path, error);
      this.#tasks.fail(failure);
      throw failure;
    }
  }

  /**
   * The first row group is encoded on this thread, so a file of one row group never starts workers;
   * the pool starts with the second (its threads then live as long as the writer).
   */
  async *#encode(tasks: AsyncGenerator<EncodeTask>): AsyncGenerator<Uint8Array> {
    const first = await tasks.next();
    if (first.done === true) return;
    yield encodeRowGroup(first.value);
    const { threads } = this.#options;
    if (threads === 1) {
      for await (const task of tasks) yield encodeRowGroup(task);
      return;
    }
    // One row group queued per thread beyond those running keeps the threads busy.
    this.#pool = new WorkerPool<EncodeTask, Uint8Array>({
      filename: ENCODER,
      threads,
      maxInFlight: 2 * threads,
    });
    // tableToIPC allocates a fresh ArrayBuffer per message, so it can move to the worker.
    yield* this.#pool.map(tasks, { transfer: (task) => [task.ipc.buffer as ArrayBuffer] });
  }

  async *#taskSource(): AsyncGenerator<EncodeTask> {
    for (;;) {
      const task = await this.#tasks.take();
      if (task === undefined) return;
      yield task;
    }
  }

  #abortReason(): unknown {
    const signal = this.#options.signal;
    return signal?.aborted
      ? signal.reason
      : new AtomicFileStateError(this.path, 'the Parquet writer was aborted');
  }

  #assertOpen(action: string): void {
    if (this.#state === 'aborted') throw this.#abortReason();
    if (this.#state !== 'open') {
      throw new AtomicFileStateError(this.path, `cannot ${action}: the Parquet writer is ${this.#state}`);
    }
  }
}

/** Opens `path` for writing Parquet with `columns` (see `ParquetWriter`). */
export function openParquetWriter(
  path: string,
  columns: readonly ParquetColumn[],
  options: ParquetWriterOptions = {},
): Promise<ParquetWriter> {
  return ParquetWriter.open(path, columns, options);
}

/**
 * Dictionary encoding is tried on strings only (unless a column says otherwise): on
 * high-cardinality numbers arrow-rs tries it, gives up and falls back, which measured 2x slower.
 */
function usesDictionary(column: ParquetColumn): boolean {
  if (column.type === 'float32-list') return false;
  return column.dictionary ?? column.type === 'utf8';
}

/** A write failure as the caller sees it: errors that already name the file (a full disk, say) pass as they are. */
function writeFailure(path: string, error: unknown): unknown {
  return error instanceof ParquetIoError || error instanceof OutputLocationError
    ? error
    : new ParquetIoError(path, 'write', error);
}
