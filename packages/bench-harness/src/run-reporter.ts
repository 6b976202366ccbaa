import { describeError, formatBytes, formatCount, formatDuration } from './format.js';
import { chooseProgressMode, createProgressDisplay } from './progress.js';
import type { ProgressDisplay, ProgressMode, ProgressTarget } from './progress.js';
import { resourceSnapshot } from './resource-usage.js';

export interface RunReporterOptions {
  /** What ran, for example `probe-rows build`. */
  name: string;
  /** Print one JSON object on stdout at the end instead of the human summary. Default: false. */
  json?: boolean;
  /** No progress and no summary on stderr. Default: false. */
  quiet?: boolean;
  /** Overrides the choice made from `quiet` and whether stderr is a terminal. */
  progress?: ProgressMode;
  /** Milliseconds between plain progress lines when stderr is not a terminal. Default: 2000. */
  progressIntervalMs?: number;
  stderr?: ProgressTarget;
  stdout?: ProgressTarget;
}

export interface PhaseReport {
  readonly name: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Units of work the phase reported through `advance` (rows, probes, …). */
  readonly items: number;
  readonly unit: string;
  /** items per wall-clock second. */
  readonly throughput: number;
}

export interface RunReport {
  readonly name: string;
  readonly status: 'ok' | 'failed';
  readonly error?: string;
  readonly startedAt: string;
  readonly wallMs: number;
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly peakRssBytes: number;
  readonly phases: readonly PhaseReport[];
  readonly counters: Readonly<Record<string, number>>;
  readonly facts: Readonly<Record<string, unknown>>;
}

/** What a phase's body uses to report its progress. */
export interface Phase {
  /** Sets (or corrects) how many units the phase will process, for percentage and ETA. */
  setTotal(total: number): void;
  /** Records `n` more units done. */
  advance(n?: number): void;
  /** Adds to a run-level counter (`dropped_rows`, `cycles_broken`, …). */
  count(name: string, n?: number): void;
}

export interface PhaseOptions {
  total?: number;
  /** The unit of `advance`, shown in progress and summary. Default: `items`. */
  unit?: string;
}

/**
 * Measures a command-line run: named phases with wall and CPU time and throughput, counters,
 * peak RSS; shows progress on stderr; ends with a human summary or one JSON object.
 *
 * @example
 * const reporter = new RunReporter({ name: 'probe-rows build', json: flags.json });
 * await reporter.phase('encode', async (phase) => { phase.setTotal(n); … phase.advance(); }, { unit: 'probes' });
 * reporter.finish();
 */
export class RunReporter {
  readonly #name: string;
  readonly #json: boolean;
  readonly #quiet: boolean;
  readonly #stderr: ProgressTarget;
  readonly #stdout: ProgressTarget;
  readonly #progress: ProgressDisplay;
  readonly #startedAt = new Date();
  readonly #startWall = performance.now();
  readonly #startCpu = process.cpuUsage();
  readonly #phases: PhaseReport[] = [];
  readonly #counters: Record<string, number> = {};
  readonly #facts: Record<string, unknown> = {};
  #report: RunReport | undefined;

  constructor(options: RunReporterOptions) {
    this.#name = options.name;
    this.#json = options.json ?? false;
    this.#quiet = options.quiet ?? false;
    this.#stderr = options.stderr ?? process.stderr;
    this.#stdout = options.stdout ?? process.stdout;
    const mode = options.progress ?? chooseProgressMode(this.#stderr, this.#quiet);
    this.#progress = createProgressDisplay(mode, this.#stderr, options.progressIntervalMs ?? 2000);
  }

  /** Runs `body` as a named phase, timing it and showing its progress. Phases run one at a time. */
  async phase<T>(
    name: string,
    body: (phase: Phase) => Promise<T> | T,
    options: PhaseOptions = {},
  ): Promise<T> {
    const unit = options.unit ?? 'items';
    let items = 0;
    const startWall = performance.now();
    const startCpu = process.cpuUsage();
    this.#progress.start(name, options.total, unit);
    const handle: Phase = {
      setTotal: (total) => this.#progress.setTotal(total),
      advance: (n = 1) => {
        items += n;
        this.#progress.update(items);
      },
      count: (counter, n = 1) => this.count(counter, n),
    };
    try {
      return await body(handle);
    } finally {
      this.#progress.stop();
      const wallMs = performance.now() - startWall;
      const cpu = process.cpuUsage(startCpu);
      this.#phases.push({
        name,
        wallMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        items,
        unit,
        throughput: wallMs > 0 ? items / (wallMs / 1000) : 0,
      });
    }
  }

  count(name: string, n = 1): void {
    this.#counters[name] = (this.#counters[name] ?? 0) + n;
  }

  /** Records a fact about the run for the report (resolved options, input files, …). */
  set(name: string, value: unknown): void {
    this.#facts[name] = value;
  }

  /** Ends the run: writes the summary (or JSON) once and returns the report. */
  finish(error?: unknown): RunReport {
    if (this.#report !== undefined) return this.#report;
    const cpu = process.cpuUsage(this.#startCpu);
    this.#report = {
      name: this.#name,
      status: error === undefined ? 'ok' : 'failed',
      ...(error === undefined ? {} : { error: describeError(error) }),
      startedAt: this.#startedAt.toISOString(),
      wallMs: performance.now() - this.#startWall,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      peakRssBytes: resourceSnapshot().peakRssBytes,
      phases: [...this.#phases],
      counters: { ...this.#counters },
      facts: { ...this.#facts },
    };
    if (this.#json) this.#stdout.write(`${JSON.stringify(this.#report)}\n`);
    else if (!this.#quiet) this.#stderr.write(formatRunSummary(this.#report));
    return this.#report;
  }
}

/** The human summary printed at the end of a run. */
export function formatRunSummary(report: RunReport): string {
  const cpuMs = report.cpuUserMs + report.cpuSystemMs;
  const lines = [
    `${report.name}: ${report.status === 'ok' ? 'done' : `FAILED (${report.error ?? 'unknown error'})`} in ` +
      `${formatDuration(report.wallMs)} (CPU ${formatDuration(cpuMs)}, peak RSS ${formatBytes(report.peakRssBytes)})`,
  ];
  const width = Math.max(0, ...report.phases.map((p) => p.name.length));
  for (const p of report.phases) {
    const work =
      p.items > 0 ? `  ${formatCount(p.items)} ${p.unit}  ${formatCount(p.throughput)} ${p.unit}/s` : '';
    lines.push(`  ${p.name.padEnd(width)}  ${formatDuration(p.wallMs).padStart(9)}${work}`);
  }
  const counters = Object.entries(report.counters);
  if (counters.length > 0) lines.push(`  ${counters.map(([k, v]) => `${k}=${v}`).join('  ')}`);
  return `${lines.join('\n')}\n`;
}
