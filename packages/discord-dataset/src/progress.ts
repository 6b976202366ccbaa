import type { Phase, RunReporter } from '@prepkit/bench-harness';

/** What a phase's body uses to report progress: bench-harness's `Phase`. */
export type PhaseProgress = Phase;

/**
 * Where the library reports its phases and counters: the part of bench-harness's `RunReporter` it
 * uses. The CLI passes a `RunReporter`; library callers may pass their own or nothing.
 */
export type ProgressReporter = Pick<RunReporter, 'phase'>;

const silentPhase: PhaseProgress = { setTotal() {}, advance() {}, count() {} };

/** Runs phases without reporting them. */
export const noProgress: ProgressReporter = {
  async phase(_name, body) {
    return body(silentPhase);
  },
};
