import { main } from './main.js';

/** The process entry of the `embeddings` bin: Ctrl-C stops the run cleanly (exit 130). */
export async function run(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    return await main(argv, process, controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
  }
}
