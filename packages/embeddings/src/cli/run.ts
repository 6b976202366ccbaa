import { runInterruptible } from '@prepkit/bench-harness';
import { main } from './main.js';

/** The process entry of the `embeddings` bin: Ctrl-C (or SIGTERM) stops the run cleanly (exit 130). */
export function run(argv: readonly string[]): Promise<number> {
  return runInterruptible((signal) => main(argv, process, signal));
}
