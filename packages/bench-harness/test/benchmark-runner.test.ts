import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidBenchmarkError, OutputMismatchError, runBenchmark } from '../src/index.js';
import type { BenchmarkVariant } from '../src/index.js';

const quietLog = { write: () => true };

/** A variant that writes `text` to out.txt after spinning for about `ms`. */
function writer(name: string, text: string, ms = 0): BenchmarkVariant<string> {
  return {
    name,
    async run({ input, outputDir }) {
      const until = performance.now() + ms;
      while (performance.now() < until);
      await writeFile(join(outputDir, 'out.txt'), input + text);
      return { items: 1000, outputs: ['out.txt'] };
    },
  };
}

describe('runBenchmark', () => {
  it('measures variants, ranks them against the baseline and saves the results', async () => {
    const resultsDir = await mkdtemp(join(tmpdir(), 'bench-results-'));
    const result = await runBenchmark({
      package: 'demo',
      name: 'write a file',
      unit: 'rows',
      setup: () => 'input:',
      variants: [writer('fast', 'same', 2), writer('slow', 'same', 20)],
      baseline: 'slow',
      warmup: 1,
      repeats: 3,
      params: { rows: 1000 },
      resultsDir,
      log: quietLog,
    });
    expect(result.variants.map((v) => v.name)).toEqual(['slow', 'fast']);
    const [slow, fast] = result.variants;
    expect(slow!.runsMs).toHaveLength(3);
    expect(slow!.speedup).toBe(1);
    expect(fast!.speedup).toBeGreaterThan(2);
    expect(fast!.throughput).toBeCloseTo(1000 / (fast!.medianMs / 1000));
    expect(fast!.outputs).toEqual(slow!.outputs);
    expect(slow!.outputs[0]).toMatchObject({ file: 'out.txt', bytes: 'input:same'.length });
    expect(result.table).toContain('| slow |');
    expect(result.table).toMatch(/\| fast \|.*\| \d+\.\d\dx \|/);
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

  it('skips the byte check for a variant that returns no outputs, and ranks by throughput', async () => {
    const external: BenchmarkVariant<string> = {
      name: 'external tool',
      run: () => {
        const until = performance.now() + 5;
        while (performance.now() < until);
        return { items: 10 }; // far fewer items than the others in about the same time
      },
    };
    const result = await runBenchmark({
      package: 'demo',
      name: 'uncompared',
      setup: () => '',
      variants: [external, writer('a', 'same', 5), writer('b', 'same', 5)],
      baseline: 'external tool',
      repeats: 1,
      warmup: 0,
      noSave: true,
      log: quietLog,
    });
    expect(result.variants.map((v) => v.compared)).toEqual([false, true, true]);
    expect(result.variants[1]!.speedup).toBeGreaterThan(20); // 1000 items vs 10 in similar time
    expect(result.table).toContain('a, b wrote identical bytes');
  });

  it('rejects a baseline that is not a variant', async () => {
    await expect(
      runBenchmark({ package: 'demo', name: 'x', variants: [writer('a', '')], baseline: 'b', log: quietLog }),
    ).rejects.toThrow(InvalidBenchmarkError);
  });
});
