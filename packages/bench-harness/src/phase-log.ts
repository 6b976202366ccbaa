import type { Phase, PhaseOptions, RunReporter } from './run-reporter.js';

/** One finished phase as a manifest lists it. */
export interface PhaseTiming {
  readonly name: string;
  readonly wallMs: number;
  readonly items: number;
  readonly unit: string;
}

/** Anything that runs named phases: a `RunReporter`, a `PhaseLog`, or a caller's own. */
export type PhaseRunner = Pick<RunReporter, 'phase'>;

const silentPhase: Phase = { setTotal() {}, advance() {}, count() {} };

/**
 * Runs phases through a reporter (or silently, without one) and keeps each one's wall time and item count.
 * A pipeline writes its manifest before the CLI finishes the reporter, so it keeps the timings itself.
 *
 * @example
 * const log = new PhaseLog(options.reporter);
 * await log.phase('load', (phase) => load(phase), { unit: 'rows' });
 * await writeManifest(dir, { …, phases: log.phases });
 */
export class PhaseLog implements PhaseRunner {
  readonly #reporter: PhaseRunner | undefined;
  readonly #phases: PhaseTiming[] = [];

  constructor(reporter?: PhaseRunner) {
    this.#reporter = reporter;
  }

  /** The phases finished so far, in order. */
  get phases(): readonly PhaseTiming[] {
    return [...this.#phases];
  }

  async phase<T>(
    name: string,
    body: (phase: Phase) => Promise<T> | T,
    options: PhaseOptions = {},
  ): Promise<T> {
    let items = 0;
    const counting = (phase: Phase): Phase => ({
      setTotal: (total) => phase.setTotal(total),
      advance: (n = 1) => {
        items += n;
        phase.advance(n);
      },
      count: (counter, n) => phase.count(counter, n),
    });
    const start = performance.now();
    try {
      return this.#reporter === undefined
        ? await body(counting(silentPhase))
        : await this.#reporter.phase(name, (phase) => body(counting(phase)), options);
    } finally {
      this.#phases.push({ name, wallMs: performance.now() - start, items, unit: options.unit ?? 'items' });
    }
  }
}
