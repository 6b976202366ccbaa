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

/**
 * Progress for work that may start over (a read retried after a lost connection): each attempt
 * gets a fresh view of `phase`, whose advances pass only beyond what an earlier attempt reported,
 * so the phase counts its items once.
 */
export function restartableProgress(phase: PhaseProgress): () => PhaseProgress {
  let reported = 0;
  return () => {
    let done = 0;
    return {
      setTotal: (total) => phase.setTotal(total),
      count: (name, n) => phase.count(name, n),
      advance: (n = 1) => {
        done += n;
        if (done > reported) {
          phase.advance(done - reported);
          reported = done;
        }
      },
    };
  };
}
