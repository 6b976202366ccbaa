/** What a phase's body uses to report progress; a bench-harness `Phase` fits. */
export interface PhaseProgress {
  setTotal(total: number): void;
  advance(n?: number): void;
  count(name: string, n?: number): void;
}

/**
 * Where the library reports its phases and counters. A bench-harness `RunReporter` fits, which is
 * what the CLI passes; library callers may pass their own or nothing.
 */
export interface ProgressReporter {
  phase<T>(
    name: string,
    body: (phase: PhaseProgress) => Promise<T> | T,
    options?: { total?: number; unit?: string },
  ): Promise<T>;
}

const silentPhase: PhaseProgress = { setTotal() {}, advance() {}, count() {} };

/** Runs phases without reporting them. */
export const noProgress: ProgressReporter = {
  async phase(_name, body) {
    return body(silentPhase);
  },
};
