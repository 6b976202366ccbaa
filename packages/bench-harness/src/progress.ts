import cliProgress from 'cli-progress';
import { formatCount, formatDuration } from './format.js';

/** How progress is shown: a live bar (terminals), periodic plain lines (logs, pipes), or nothing. */
export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressDisplay {
  start(label: string, total: number | undefined, unit: string): void;
  update(done: number): void;
  setTotal(total: number): void;
  stop(): void;
}

export interface ProgressTarget {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** A bar only where a person watches a terminal; plain lines anywhere else; silence when asked. */
export function chooseProgressMode(stream: ProgressTarget, quiet: boolean): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY === true ? 'bar' : 'lines';
}

export function createProgressDisplay(
  mode: ProgressMode,
  stream: ProgressTarget,
  intervalMs: number,
): ProgressDisplay {
  switch (mode) {
    case 'bar':
      return new BarProgress(stream);
    case 'lines':
      return new LineProgress(stream, intervalMs);
    case 'none':
      return { start() {}, update() {}, setTotal() {}, stop() {} };
  }
}

class BarProgress implements ProgressDisplay {
  readonly #stream: ProgressTarget;
  #bar: cliProgress.SingleBar | undefined;
  #label = '';
  #unit = '';
  #total: number | undefined;
  #startedAt = 0;

  constructor(stream: ProgressTarget) {
    this.#stream = stream;
  }

  start(label: string, total: number | undefined, unit: string): void {
    this.#label = label;
    this.#unit = unit;
    this.#total = total;
    this.#startedAt = performance.now();
  }

  update(done: number): void {
    // The bar is drawn on first progress, so a total set after start() still gets a bar and an ETA.
    const bar = (this.#bar ??= this.#createBar());
    const elapsedS = (performance.now() - this.#startedAt) / 1000;
    bar.update(done, {
      rate: formatCount(elapsedS > 0 ? done / elapsedS : 0),
      left: formatCount(Math.max(0, (this.#total ?? 0) - done)),
    });
  }

  #createBar(): cliProgress.SingleBar {
    const unit = this.#unit;
    const bar = new cliProgress.SingleBar({
      stream: this.#stream as NodeJS.WritableStream,
      format:
        this.#total === undefined
          ? `${this.#label} {value} ${unit} | {rate} ${unit}/s | {duration_formatted}`
          : `${this.#label} [{bar}] {percentage}% | {value}/{total} ${unit} | {left} left | {rate} ${unit}/s | ETA {eta_formatted}`,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      hideCursor: true,
      etaBuffer: 50,
      fps: 10,
    });
    bar.start(this.#total ?? 0, 0, { rate: '0', left: formatCount(this.#total ?? 0) });
    return bar;
  }

  setTotal(total: number): void {
    this.#total = total;
    this.#bar?.setTotal(total);
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}

class LineProgress implements ProgressDisplay {
  readonly #stream: ProgressTarget;
  readonly #intervalMs: number;
  #label = '';
  #unit = '';
  #total: number | undefined;
  #done = 0;
  #startedAt = 0;
  #lastLineAt = 0;

  constructor(stream: ProgressTarget, intervalMs: number) {
    this.#stream = stream;
    this.#intervalMs = intervalMs;
  }

  start(label: string, total: number | undefined, unit: string): void {
    this.#label = label;
    this.#unit = unit;
    this.#total = total;
    this.#done = 0;
    this.#startedAt = this.#lastLineAt = performance.now();
  }

  update(done: number): void {
    this.#done = done;
    const now = performance.now();
    if (now - this.#lastLineAt >= this.#intervalMs) {
      this.#lastLineAt = now;
      this.#stream.write(`${this.#line(now)}\n`);
    }
  }

  setTotal(total: number): void {
    this.#total = total;
  }

  stop(): void {}

  #line(now: number): string {
    const elapsedS = (now - this.#startedAt) / 1000;
    const rate = elapsedS > 0 ? this.#done / elapsedS : 0;
    const parts = [`${this.#label}: ${formatCount(this.#done)}`];
    if (this.#total !== undefined && this.#total > 0) {
      parts[0] += `/${formatCount(this.#total)} ${this.#unit} (${((100 * this.#done) / this.#total).toFixed(0)}%)`;
      const left = Math.max(0, this.#total - this.#done);
      const etaMs = rate > 0 ? (left / rate) * 1000 : Number.NaN;
      parts.push(
        `${formatCount(left)} left`,
        `${formatCount(rate)} ${this.#unit}/s`,
        `ETA ${Number.isFinite(etaMs) ? formatDuration(etaMs) : '?'}`,
      );
    } else {
      parts[0] += ` ${this.#unit}`;
      parts.push(`${formatCount(rate)} ${this.#unit}/s`);
    }
    return parts.join(', ');
  }
}
