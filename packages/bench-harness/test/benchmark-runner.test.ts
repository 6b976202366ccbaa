import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InvalidBenchmarkError,
  OutputMismatchError,
  formatBenchmarkTable,
  runBenchmark,
} from '../src/index.js';
import type { BenchmarkResult, BenchmarkVariant, VariantSummary } from '../src/index.js';

const quietLog = { write: () => true };

/** A variant that writes `text` to out.txt and reports `items` units of work. */
function writer(name: string, text: string, items = 1000): BenchmarkVariant<string> {
  return {
    name,
    async run({ input, outputDir }) {
      await writeFile(join(outputDir, 'out.txt'), input + text);
      return { items, outputs: ['out.txt'] };
    },
  };
}

/**
 * What the runner must have derived from its own recorded run times: the median, the throughput at the
 * median and the speed-up against the baseline (the first variant). Timing itself is never asserted.
 */
function expectDerivedFigures(variants: readonly VariantSummary[]): void {
  const baseline = variants[0]!;
  for (const v of variants) {
    const sorted = [...v.runsMs].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    expect(v.medianMs).toBe(median);
    expect(v.minMs).toBe(sorted[0]);
    expect(v.throughput).toBeCloseTo(v.items / (v.medianMs / 1000), 6);
    expect(v.speedup).toBeCloseTo(v.throughput / baseline.throughput, 9);
  }
}

describe('runBenchmark', () => {
  it('measures variants, compares them with the baseline and saves the results', async () => {
    const resultsDir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    const result = await runBenchmark({
      package: 'demo',
      name: 'write a file',
      unit: 'rows',
      setup: () => 'input:',
      variants: [writer('other', 'same', 4000), writer('base', 'same')],
      baseline: 'base',
      warmup: 1,
      repeats: 3,
      params: { rows: 1000 },
      resultsDir,
      log: quietLog,
    });
    expect(result.variants.map((v) => v.name)).toEqual(['base', 'other']);
    const [base, other] = result.variants;
    expect(base!.runsMs).toHaveLength(3);
    expect(other!.runsMs).toHaveLength(3);
    expect(other!.items).toBe(4000);
    expect(base!.speedup).toBe(1);
    expectDerivedFigures(result.variants);
    expect(other!.outputs).toEqual(base!.outputs);
    expect(base!.outputs[0]).toMatchObject({ file: 'out.txt', bytes: 'input:same'.length });
    expect(result.table).toBe(formatBenchmarkTable(result));
    expect(result.table).toContain(`| other | 4000 |`);
    expect(result.table).toContain(`| ${other!.speedup.toFixed(2)}x |`);
    expect(result.resultsFile).toMatch(/demo[/\\][^/\\]+\.json$/);
    const saved = JSON.parse(await readFile(result.resultsFile!, 'utf8')) as {
      variants: unknown[];
      params: unknown;
    };
    expect(saved.variants).toHaveLength(2);
    expect(saved.params).toEqual({ rows: 1000 });
  });

  it('fails loudly, naming both variants and the file, when a variant writes different bytes', async () => {
    const error = await runBenchmark({
      package: 'demo',
      name: 'mismatch',
      setup: () => 'input:',
      variants: [writer('baseline', 'right'), writer('broken', 'wrong')],
      baseline: 'baseline',
      repeats: 1,
      noSave: true,
      log: quietLog,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputMismatchError);
    expect((error as Error).message).toBe(
      'variant "broken" wrote output that differs from baseline "baseline": out.txt',
    );
    expect(error).toMatchObject({ baseline: 'baseline', variant: 'broken', files: ['out.txt'] });
  });

  it('reports a file the baseline wrote and a variant did not', async () => {
    const lazy: BenchmarkVariant<string> = { name: 'lazy', run: () => ({ items: 1, outputs: [] }) };
    await expect(
      runBenchmark({
        package: 'demo',
        name: 'missing',
        setup: () => '',
        variants: [writer('baseline', 'x'), lazy],
        baseline: 'baseline',
        repeats: 1,
        noSave: true,
        log: quietLog,
      }),
    ).rejects.toThrow('differs from baseline "baseline": out.txt (missing)');
  });

  it('skips the byte check for a variant that returns no outputs, and compares by throughput', async () => {
    const external: BenchmarkVariant<string> = {
      name: 'external tool',
      run: async ({ outputDir }) => {
        await writeFile(join(outputDir, 'ignored.txt'), 'x'); // takes measurable time, like the others
        return { items: 10 }; // fewer items than the others: the speed-up is per item, not per run
      },
    };
    const result = await runBenchmark({
      package: 'demo',
      name: 'uncompared',
      setup: () => '',
      variants: [external, writer('a', 'same'), writer('b', 'same')],
      baseline: 'external tool',
      repeats: 1,
      warmup: 0,
      noSave: true,
      log: quietLog,
    });
    expect(result.variants.map((v) => v.compared)).toEqual([false, true, true]);
    expect(result.variants.map((v) => v.items)).toEqual([10, 1000, 1000]);
    expectDerivedFigures(result.variants);
    expect(result.table).toContain('a, b wrote identical bytes');
  });

  it('tabulates given figures: one row per variant, the speed-up against the baseline, the byte check', () => {
    const variant = (name: string, medianMs: number, speedup: number): VariantSummary => ({
      name,
      runsMs: [medianMs * 1.2, medianMs, medianMs * 0.8],
      medianMs,
      minMs: medianMs * 0.8,
      cpuMs: medianMs * 0.9,
      items: 1000,
      throughput: 1000 / (medianMs / 1000),
      peakRssBytes: 1024 * 1024,
      speedup,
      compared: true,
      outputs: [{ file: 'out.txt', bytes: 4, sha256: 'ab' }],
    });
    const result: Omit<BenchmarkResult, 'table' | 'resultsFile'> = {
      package: 'demo',
      name: 'write a file',
      unit: 'rows',
      baseline: 'slow',
      timestamp: '2026-01-01T00:00:00.000Z',
      machine: {
        cpus: 2,
        cpuModel: 'Test CPU',
        platform: 'linux',
        node: 'v20.0.0',
        totalMemoryBytes: 2 ** 30,
      },
      params: { rows: 1000 },
      warmup: 1,
      repeats: 3,
      variants: [variant('slow', 200, 1), variant('fast', 50, 4)],
    };
    expect(formatBenchmarkTable(result).split('\n')).toEqual([
      '### demo: write a file',
      '',
      '2 CPUs (Test CPU), Node v20.0.0; 3 runs after 1 warm-up; rows=1000',
      '',
      '| variant | rows | median | min | rows/s | CPU | peak RSS | vs slow |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      '| slow | 1000 | 200.0 ms | 160.0 ms | 5000 | 180.0 ms | 1.0 MiB | 1.00x |',
      '| fast | 1000 | 50.0 ms | 40.0 ms | 20.0K | 45.0 ms | 1.0 MiB | 4.00x |',
      '',
      'slow, fast wrote identical bytes (sha256 of 1 output file(s)).',
    ]);
  });

  it('rejects a baseline that is not a variant', async () => {
    await expect(
      runBenchmark({ package: 'demo', name: 'x', variants: [writer('a', '')], baseline: 'b', log: quietLog }),
    ).rejects.toThrow(InvalidBenchmarkError);
  });
});
