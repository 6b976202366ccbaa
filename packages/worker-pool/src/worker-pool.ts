import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { TaskError, WorkerPoolError } from './errors.js';
import { assertPositiveInteger, resolveWorkerPoolOptions } from './pool-options.js';
import type { ResolvedWorkerPoolOptions, WorkerPoolOptions } from './pool-options.js';

export interface RunOptions {
  /** ArrayBuffers (or MessagePorts) to move to the worker instead of copying. */
  transfer?: readonly TransferListItem[];
  signal?: AbortSignal;
}

export interface MapOptions<TIn> {
  /** Called for each task to list the buffers to move to the worker rather than copy. */
  transfer?: (task: TIn, index: number) => readonly TransferListItem[];
  /** Stops pulling from the source and cancels tasks still queued or running. */
  signal?: AbortSignal;
  /** Overrides the pool's `maxInFlight` for this call. */
  maxInFlight?: number;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * A fixed-size pool of worker threads (piscina underneath) with an ordered, bounded `map`.
 *
 * @example
 * await using pool = new WorkerPool<Chunk, Uint8Array>({ filename: new URL('./encode.js', import.meta.url) });
 * for await (const encoded of pool.map(chunks())) sink.write(encoded); // input order, flat memory
 */
export class WorkerPool<TIn, TOut> implements AsyncDisposable {
  readonly options: ResolvedWorkerPoolOptions;
  readonly #piscina: Piscina<TIn, TOut>;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.options = resolveWorkerPoolOptions(options);
    this.#piscina = new Piscina<TIn, TOut>({
      filename: this.options.filename,
      minThreads: this.options.threads,
      maxThreads: this.options.threads,
      // Workers live as long as the pool: a pipeline's tasks arrive in bursts.
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: this.options.workerData,
      argv: [...this.options.argv],
      ...(this.options.execArgv === undefined ? {} : { execArgv: [...this.options.execArgv] }),
    });
  }

  get threads(): number {
    return this.options.threads;
  }

  /**
   * Runs one task on a worker. Rejects (never throws) with the worker's error, or with the signal's reason as soon
   * as it aborts; an aborted task that already runs finishes on its worker and its result is dropped.
   */
  async run(task: TIn, options: RunOptions = {}): Promise<TOut> {
    if (this.#closed) throw new WorkerPoolError('PREPKIT_WORKER_POOL_CLOSED', 'the worker pool is closed');
    const signal = options.signal;
    signal?.throwIfAborted();
    // The signal is not handed to piscina: it aborts a running task by terminating its worker, and a result
    // already on its way then arrives as "Unexpected message from Worker", an uncaught exception (seen under load).
    const result = this.#piscina.run(task, {
      transferList: options.transfer as TransferListItem[] | undefined,
    });
    if (signal === undefined) return result;
    result.catch(() => {});
    return new Promise<TOut>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own abort reason
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Runs every task of `source` on the pool and yields the results in input order.
   * At most `maxInFlight` tasks are submitted and not yet yielded, so a slow consumer
   * holds the source back instead of buffering without end. A failing task rejects with
   * a {@link TaskError} naming its index; the tasks still in flight are then awaited.
   */
  async *map(
    source: Iterable<TIn> | AsyncIterable<TIn>,
    options: MapOptions<TIn> = {},
  ): AsyncGenerator<TOut> {
    const limit = options.maxInFlight ?? this.options.maxInFlight;
    assertPositiveInteger('maxInFlight', limit);
    const signal = options.signal;
    const iterator = toAsyncIterator(source);
    const inFlight: Promise<Settled<TOut>>[] = [];
    let next = 0;
    let exhausted = false;
    try {
      for (;;) {
        while (!exhausted && inFlight.length < limit) {
          signal?.throwIfAborted();
          const item = await iterator.next();
          if (item.done === true) {
            exhausted = true;
            break;
          }
          const index = next++;
          const transfer = options.transfer?.(item.value, index);
          inFlight.push(
            this.run(item.value, { transfer, signal }).then(
              (value) => ({ ok: true, value }),
              (error: unknown) => ({
                ok: false,
                error: signal?.aborted ? (signal.reason as unknown) : new TaskError(index, error),
              }),
            ),
          );
        }
        const head = inFlight.shift();
        if (head === undefined) return;
        const settled = await head;
        if (!settled.ok) throw settled.error;
        yield settled.value;
      }
    } finally {
      await Promise.all(inFlight);
      if (!exhausted) await iterator.return?.();
    }
  }

  /** Waits for running tasks, then stops every worker. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function toAsyncIterator<T>(source: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> | Iterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  return source[Symbol.iterator]();
}
