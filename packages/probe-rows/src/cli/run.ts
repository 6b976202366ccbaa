import { runInterruptible } from '@prepkit/bench-harness';
import { main } from './main.js';

/** The process entry of the `probe-rows` bin: Ctrl-C (or SIGTERM) aborts the run cleanly (exit 130). */
export function run(argv: readonly string[]): Promise<number> {
  return runInterruptible((signal) => main(argv, process, signal));
}
