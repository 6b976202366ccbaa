import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, platform, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { differingFiles, digestOutputs } from './output-digest.js';
import type { OutputDigest } from './output-digest.js';
import { formatBenchmarkTable } from './benchmark-table.js';
import { InvalidBenchmarkError, OutputMismatchError } from './errors.js';
import { RssSampler } from './rss-sampler.js';
import type { ProgressTarget } from './progress.js';

export interface VariantContext<TInput> {
  /** What `setup` returned: the same generated input for every variant. */
  readonly input: TInput;
  /** A fresh, empty directory for this run's output files. */
  readonly outputDir: string;
  /** True for warm-up runs, which are not measured. */
  readonly warmup: boolean;
}

export interface VariantResult {
  /** Units of work done (rows, tasks, samples), for throughput. */
  items: number;
  /**
   * Files the run wrote (absolute or relative to `outputDir`), compared by sha256 with those of the
   * first variant that returned outputs (the baseline, which runs first, unless it returns none).
   * Leave it out for a variant whose output is not comparable (an external tool, a smaller input).
   */
  outputs?: readonly string[];
}

export interface BenchmarkVariant<TInput> {
  name: string;
  /** Unmeasured set-up before this variant's first run (start a pool, open a connection). */
  before?: (input: TInput) => Promise<void> | void;
  run(context: VariantContext<TInput>): Promise<VariantResult> | VariantResult;
  /** Unmeasured tear-down after its last run, also when a run failed. */
  after?: () => Promise<void> | void;
  /** Overrides the benchmark's `warmup` and `repeats` for this variant (a baseline that takes minutes). */
  warmup?: number;
  repeats?: number;
}

export interface BenchmarkDefinition<TInput> {
  /** The package measured; results go to `bench-results/<package>/`. */
  package: string;
  /** What is measured, for the table's title. */
  name: string;
  /** The unit of `items`. Default: `items`. */
  unit?: string;
  /** Generates the input once, in a temporary directory removed at the end. */
  setup?: (workDir: string) => Promise<TInput> | TInput;
  variants: readonly BenchmarkVariant<TInput>[];
  /** The variant the others are compared with (speed-up and output bytes). */
  baseline: string;
  /** Run only these variants; the baseline always runs. Default: all. */
  only?: readonly string[];
  /** Unmeasured runs per variant first. Default: 1. */
  warmup?: number;
  /** Measured runs per variant. Default: 3. */
  repeats?: number;
  /** Sizes and settings of this benchmark, saved with the results. */
  params?: Record<string, unknown>;
  /** Where results are saved. Default: `bench-results/` at the workspace root (else the current directory). */
  resultsDir?: string;
  /** Do not save a results file. Default: false. */
  noSave?: boolean;
  /** Where progress lines go. Default: stderr. */
  log?: ProgressTarget;
}

export interface VariantSummary {
  readonly name: string;
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly minMs: number;
  readonly cpuMs: number;
  readonly items: number;
  /** items per second at the median time. */
  readonly throughput: number;
  /** Peak resident set size sampled during this variant's runs. */
  readonly peakRssBytes: number;
  /** This throughput / the baseline's: above 1 is faster than the baseline (fair when item counts differ). */
  readonly speedup: number;
  /** False when the variant returned no outputs, so its bytes were not compared. */
  readonly compared: boolean;
  readonly outputs: readonly OutputDigest[];
}

export interface BenchmarkResult {
  readonly package: string;
  readonly name: string;
  readonly unit: string;
  readonly baseline: string;
  readonly timestamp: string;
  readonly machine: {
    cpus: number;
    cpuModel: string;
    platform: string;
    node: string;
    totalMemoryBytes: number;
  };
  readonly params: Record<string, unknown>;
  readonly warmup: number;
  readonly repeats: number;
  readonly variants: readonly VariantSummary[];
  /** Where the results JSON was saved, unless `noSave`. */
  readonly resultsFile?: string;
  /** The Markdown table, as printed. */
  readonly table: string;
}

/**
 * Runs every variant of one job on the same generated input (warm-up, then repeats), checks that
 * each wrote the same bytes as the baseline, and reports medians, throughput, peak RSS and
 * speed-ups as a Markdown table and a saved JSON file.
 */
export async function runBenchmark<TInput = undefined>(
  definition: BenchmarkDefinition<TInput>,
): Promise<BenchmarkResult> {
  const warmup = definition.warmup ?? 1;
  const repeats = definition.repeats ?? 3;
  const unit = definition.unit ?? 'items';
  const log = definition.log ?? process.stderr;
  const variants = orderBaselineFirst(definition);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new InvalidBenchmarkError('warmup must be a non-negative integer');
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new InvalidBenchmarkError('repeats must be a positive integer');

  const workDir = await mkdtemp(join(tmpdir(), `prepkit-bench-${definition.package}-`));
  try {
    const input = (await definition.setup?.(workDir)) as TInput;
    const measured: Omit<VariantSummary, 'speedup'>[] = [];
    let reference: { variant: string; outputs: OutputDigest[] } | undefined;
    for (const variant of variants) {
      const runsMs: number[] = [];
      const cpuMs: number[] = [];
      let items = 0;
      let outputs: OutputDigest[] = [];
      let compared = false;
      const sampler = new RssSampler();
      collectGarbage();
      sampler.start();
      await variant.before?.(input);
      try {
        const variantWarmup = variant.warmup ?? warmup;
        const variantRepeats = variant.repeats ?? repeats;
        for (let i = 0; i < variantWarmup + variantRepeats; i++) {
          const isWarmup = i < variantWarmup;
          const outputDir = await mkdtemp(join(workDir, `${safeName(variant.name)}-`));
          const cpuStart = process.cpuUsage();
          const start = performance.now();
          const result = await variant.run({ input, outputDir, warmup: isWarmup });
          const elapsed = performance.now() - start;
          const cpu = process.cpuUsage(cpuStart);
          compared = result.outputs !== undefined;
          outputs = await digestOutputs(outputDir, result.outputs ?? []);
          await rm(outputDir, { recursive: true, force: true });
          if (compared) {
            reference ??= { variant: variant.name, outputs };
            const differing = differingFiles(reference.outputs, outputs);
            if (differing.length > 0)
              throw new OutputMismatchError(reference.variant, variant.name, differing);
          }
          if (isWarmup) continue;
          runsMs.push(elapsed);
          cpuMs.push((cpu.user + cpu.system) / 1000);
          items = result.items;
          log.write(
            `${definition.name} · ${variant.name}: run ${i - variantWarmup + 1}/${variantRepeats} ${elapsed.toFixed(1)} ms\n`,
          );
        }
      } finally {
        await variant.after?.();
      }
      const peakRssBytes = await sampler.stop();
      const medianMs = median(runsMs);
      measured.push({
        name: variant.name,
        runsMs,
        medianMs,
        minMs: Math.min(...runsMs),
        cpuMs: median(cpuMs),
        items,
        throughput: medianMs > 0 ? items / (medianMs / 1000) : 0,
        peakRssBytes,
        outputs,
        compared,
      });
    }
    const baselineThroughput = measured[0]?.throughput ?? 0;
    const summaries = measured.map((m) => ({
      ...m,
      speedup: baselineThroughput > 0 ? m.throughput / baselineThroughput : 0,
    }));
    const base = {
      package: definition.package,
      name: definition.name,
      unit,
      baseline: definition.baseline,
      timestamp: new Date().toISOString(),
      machine: {
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        platform: platform(),
        node: process.version,
        totalMemoryBytes: totalmem(),
      },
      params: definition.params ?? {},
      warmup,
      repeats,
      variants: summaries,
    };
    const table = formatBenchmarkTable(base);
    const resultsFile = definition.noSave ? undefined : await saveResults(definition, { ...base, table });
    return { ...base, table, ...(resultsFile === undefined ? {} : { resultsFile }) };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function orderBaselineFirst<TInput>(definition: BenchmarkDefinition<TInput>): BenchmarkVariant<TInput>[] {
  const names = definition.variants.map((v) => v.name);
  if (new Set(names).size !== names.length)
    throw new InvalidBenchmarkError(`variant names must be unique: ${names.join(', ')}`);
  const baseline = definition.variants.find((v) => v.name === definition.baseline);
  if (baseline === undefined) {
    throw new InvalidBenchmarkError(
      `baseline "${definition.baseline}" is not one of the variants: ${names.join(', ')}`,
    );
  }
  const unknown = (definition.only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new InvalidBenchmarkError(
      `no variant named ${unknown.join(', ')}; the variants are: ${names.join(', ')}`,
    );
  }
  const others = definition.variants.filter(
    (v) => v !== baseline && (definition.only?.includes(v.name) ?? true),
  );
  return [baseline, ...others];
}

async function saveResults<TInput>(definition: BenchmarkDefinition<TInput>, result: object): Promise<string> {
  const root = definition.resultsDir ?? join(findWorkspaceRoot(process.cwd()), 'bench-results');
  const dir = join(root, definition.package);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** The nearest directory up from `start` that holds `nx.json`, else `start`. */
function findWorkspaceRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
