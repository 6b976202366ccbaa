import { main } from './main.js';

/** The process entry of the `market-samples` bin: Ctrl-C aborts the run cleanly (exit 130). */
export async function run(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    return await main(argv, process, controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
