// The worker side of the worker-pool benchmark.

export interface BenchTask {
  kind: 'noop' | 'mix';
  seed: number;
  rounds: number;
}

/**
 * `noop` measures the pool's own overhead. `mix` is CPU-bound and allocation-free (integer
 * mixing rounds, as in a hash), so that it measures the pool's scaling, not the garbage collector.
 */
export default function runTask({ kind, seed, rounds }: BenchTask): string {
  if (kind === 'noop') return String(seed);
  let h = seed | 0;
  for (let i = 0; i < rounds; i++) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) + i;
  }
  return (h >>> 0).toString(16);
}
