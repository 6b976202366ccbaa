// `nx run record-io:bench`: Parquet zstd written from JS against DuckDB's COPY (the floor), and
// JSONL written and read back. `--quick` uses 100K rows / records (CI smoke run).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes, printBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchCliOptions, BenchmarkResult } from '@prepkit/bench-harness';
import { jsonlBytes, runJsonlReadBenchmark, runJsonlWriteBenchmark } from './jsonl-bench.js';
import { checkSameValues, recordIoVariantName, runParquetBenchmark } from './parquet-bench.js';

const MB = 1e6;
const GIB = 1024 ** 3;

await runBenchScript(
  'record-io: Parquet (zstd) from JS against DuckDB COPY, and JSONL write/read.',
  async (flags) => {
    const quick = flags.quick;
    const warmup = flags.warmup ?? (quick ? 0 : 1);
    const repeats = flags.repeats ?? (quick ? 1 : 3);
    const rows = quick ? 100_000 : 5_000_000;
    const records = quick ? 100_000 : 1_000_000;

    // JSONL first: the Parquet runs grow Wasm memory, which never shrinks, and would inflate its RSS.
    const jsonl = { records, warmup, repeats, noSave: flags.noSave };
    const bytes = jsonlBytes(records);
    for (const run of [runJsonlWriteBenchmark, runJsonlReadBenchmark]) {
      const jsonlResult = await run(jsonl);
      printBenchmark(jsonlResult, flags);
      printMegabytes(jsonlResult, () => bytes, 'JSONL MB/s', flags);
    }

    const { result, sizes } = await runParquetBenchmark({
      rows,
      rowGroupSize: 65_536,
      warmup,
      repeats,
      noSave: flags.noSave,
      ...(flags.variants === undefined ? {} : { only: flags.variants }),
    });
    printBenchmark(result, flags);
    printMegabytes(result, (name) => sizes.get(name) ?? 0, 'file MB/s', flags);
    printTargets(result, flags);
    const dir = await mkdtemp(join(tmpdir(), 'prepkit-bench-record-io-check-'));
    try {
      const checked = Math.min(rows, 100_000);
      const differing = await checkSameValues(dir, checked);
      if (differing !== 0)
        throw new Error(`record-io and DuckDB disagree on ${differing} of ${checked} rows`);
      say(flags, `Values: DuckDB reads record-io's file identical to its own table (first ${checked} rows).`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

/** MB/s per variant (decimal MB of the file written or read, at the median time). */
function printMegabytes(
  result: BenchmarkResult,
  bytesOf: (variant: string) => number,
  label: string,
  flags: BenchCliOptions,
): void {
  const cells = result.variants.map((v) => {
    const bytes = bytesOf(v.name);
    const rate = v.medianMs > 0 ? bytes / MB / (v.medianMs / 1000) : 0;
    return `${v.name} ${rate.toFixed(0)} (${formatBytes(bytes)})`;
  });
  say(flags, `${label}: ${cells.join(' · ')}`);
}

/** The targets apply to the default writer (threads = os.availableParallelism(), 2 here); 1 thread is for reference. */
function printTargets(result: BenchmarkResult, flags: BenchCliOptions): void {
  const single = result.variants.find((v) => v.name === recordIoVariantName(1));
  const parallel = result.variants.find((v) => v.name === recordIoVariantName(2));
  if (parallel !== undefined) {
    const ratio = parallel.speedup;
    const rss = parallel.peakRssBytes;
    say(
      flags,
      `Targets (${parallel.name}): throughput ${ratio.toFixed(2)}x DuckDB's (>= 0.50: ${ratio >= 0.5 ? 'met' : 'MISSED'}); ` +
        `peak RSS ${formatBytes(rss)} (< 1 GiB: ${rss < GIB ? 'met' : 'MISSED'}).`,
    );
  }
  if (single !== undefined) {
    say(
      flags,
      `For reference, ${single.name}: ${single.speedup.toFixed(2)}x DuckDB's, peak RSS ${formatBytes(single.peakRssBytes)}.`,
    );
  }
}

/** Extra lines go to stdout with the tables, or to stderr under --json so stdout stays JSON. */
function say(flags: BenchCliOptions, line: string): void {
  (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
}
