// The input and expected output shared by the queued-run stress tests (cluster.test.ts, postgres-restart.test.ts):
// six generated tickers, and the plain single-machine build a run must equal byte for byte.
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSamples, generateRaw } from '../../src/index.js';

// Every shard of 4 and of 6 gets at least one of these tickers.
export const TICKERS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
export const SAMPLES = 'samples_80K.parquet';
export const OPTIONS = { nSamples: 80_000, seed: 3, window: 32, horizons: [1, 5], chunkRows: 2000 };
/** OPTIONS as build/submit flags. */
export const FLAGS = [
  ...['--n-samples', `${OPTIONS.nSamples}`, '--seed', `${OPTIONS.seed}`, '--window', `${OPTIONS.window}`],
  ...['--horizons', OPTIONS.horizons.join(','), '--chunk-rows', `${OPTIONS.chunkRows}`],
];

/** Generates the raw files into `<root>/raw` and the plain build into `<root>/one`; returns both paths. */
export async function prepareRun(root: string): Promise<{ raw: string; one: string }> {
  const raw = join(root, 'raw');
  await generateRaw({ tickers: TICKERS, bars: 20_000, seed: 12, dataDir: raw, dirty: 0.001 });
  const one = join(root, 'one');
  await cp(raw, one, { recursive: true });
  await buildSamples({ ...OPTIONS, threads: 2, dataDir: one });
  return { raw, one };
}
