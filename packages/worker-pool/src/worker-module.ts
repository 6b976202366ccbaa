import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The worker module `name` beside the calling module: the built `name.js` when there is one, else the
 * TypeScript source `name.ts`, which the pool loads through tsx when run from source (tests, benchmarks).
 *
 * @example
 * new WorkerPool({ filename: workerModule(import.meta.url, 'encode-worker') });
 */
export function workerModule(callerUrl: string | URL, name: string): URL {
  const built = new URL(`./${name}.js`, callerUrl);
  return existsSync(fileURLToPath(built)) ? built : new URL(`./${name}.ts`, callerUrl);
}
