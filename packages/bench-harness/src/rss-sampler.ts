import { Worker } from 'node:worker_threads';

// Runs on its own thread so that it keeps sampling while the main thread is busy with
// synchronous work; the peak lives in shared memory, read without a message round trip.
const SAMPLER_SOURCE = `
const { workerData } = require('node:worker_threads');
const peak = new Float64Array(workerData.shared);
const sample = () => { const rss = process.memoryUsage.rss(); if (rss > peak[0]) peak[0] = rss; };
sample();
setInterval(sample, workerData.intervalMs);
`;

/**
 * Samples the process's resident set size every few milliseconds between `start()` and `stop()`.
 * Unlike `resourceUsage().maxRSS`, which only grows, it measures the peak of one stretch of work.
 */
export class RssSampler {
  readonly #intervalMs: number;
  #worker: Worker | undefined;
  #peak: Float64Array | undefined;

  constructor(intervalMs = 5) {
    this.#intervalMs = intervalMs;
  }

  start(): void {
    const shared = new SharedArrayBuffer(8);
    this.#peak = new Float64Array(shared);
    this.#peak[0] = process.memoryUsage.rss();
    this.#worker = new Worker(SAMPLER_SOURCE, {
      eval: true,
      workerData: { shared, intervalMs: this.#intervalMs },
    });
    this.#worker.unref();
  }

  /** Stops sampling and returns the peak RSS in bytes seen since `start()`. */
  async stop(): Promise<number> {
    const peak = this.#peak;
    if (peak === undefined) throw new Error('RssSampler.stop() called before start()');
    peak[0] = Math.max(peak[0] ?? 0, process.memoryUsage.rss());
    await this.#worker?.terminate();
    this.#worker = undefined;
    return peak[0] ?? 0;
  }
}
