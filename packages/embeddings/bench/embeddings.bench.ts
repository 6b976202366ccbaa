// `nx run embeddings:bench`: two benchmarks in an embedded PostgreSQL (or PREPKIT_TEST_DATABASE_URL).
// 1. tiny model, 100K generated rows: the original's way (OFFSET pages of 100, fixed batches of 32 in
//    table order, one UPDATE per row, a commit per batch) vs ours (`embedTable`).
// 2. minilm-l6 preset (all-MiniLM-L6-v2's shape, random weights): the model alone on texts already
//    tokenised in memory vs the full pipeline from and back to PostgreSQL, length-sorted vs
//    table-order batching.
// --quick: benchmark 1 on 2,000 rows only (CI smoke run, `npm run demo`).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { formatCount, printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkResult, BenchmarkVariant } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import type * as Library from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distIndex = join(packageDir, 'dist', 'index.js');
// The shipped code when it is built and not older than src/ (its model thread then loads plain
// JavaScript, as an installed package's does); the source otherwise.
const built =
  existsSync(distIndex) && (await newestMtime(join(packageDir, 'src'))) <= (await stat(distIndex)).mtimeMs;
const lib = (await import(built ? distIndex : '../src/index.js')) as typeof Library;

const THREADS = Math.min(2, availableParallelism());
const TARGET_RATIO = 20;
const TARGET_PIPELINE_SHARE = 0.85;
const TARGET_SORTED_RATIO = 1.5;
/**
 * fp32 ceiling of a ~21 MFLOP/token encoder at the ~144 GFLOP/s docs/dependencies.md gives for one
 * MatMul on 2 threads. The model has run faster than that on a quiet machine, so it is a reference line,
 * not a bound.
 */
const CEILING_TOKENS_PER_SECOND = 6700;

await runBenchScript(
  'embeddings: PostgreSQL text rows -> ONNX sentence embeddings -> written back; original vs ours, model vs pipeline.',
  async (flags) => {
    process.stderr.write(
      `library: ${built ? 'dist/ (built)' : 'src/ (not built)'}; ONNX Runtime threads: ${THREADS}\n`,
    );
    const server = await startTestPostgres();
    const models = await mkdtemp(join(tmpdir(), 'embeddings-bench-'));
    const summary: string[] = [];
    try {
      const database = await createTestDatabase(server.url, 'prepkit_bench');
      try {
        const tiny = join(models, 'tiny');
        await lib.makeTestModel({ output: tiny, preset: 'tiny', seed: 'bench' });
        const rows = flags.quick ? 2_000 : 100_000;
        const result = await originalVsOurs(database.url, tiny, rows, server.source, flags);
        printBenchmark(result, flags);
        const rate = (name: string): number => result.variants.find((v) => v.name === name)?.throughput ?? 0;
        const ratio = rate('ours') / rate('original');
        summary.push(
          `tiny model, ${formatCount(rows)} rows: ours ${formatCount(rate('ours'))} rows/s, original ${formatCount(rate('original'))} rows/s: ` +
            `ours / original = ${ratio.toFixed(1)}x${flags.quick ? '' : ` (target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`}`,
        );
        summary.push(await sameVectors(database.url, 'original_docs', 'ours_docs'));
        if (!flags.quick) {
          const minilm = join(models, 'minilm-l6');
          process.stderr.write('writing the minilm-l6 test model…\n');
          await lib.makeTestModel({ output: minilm, preset: 'minilm-l6', seed: 'bench' });
          summary.push(...(await modelVsPipeline(database.url, minilm, 3_000, server.source, flags)));
        }
      } finally {
        await database.drop();
      }
      if (!flags.json) process.stdout.write(`\n${summary.join('\n')}\n`);
    } finally {
      await rm(models, { recursive: true, force: true });
      await server.stop();
    }
  },
);

type Flags = Parameters<Parameters<typeof runBenchScript>[1]>[0];

async function originalVsOurs(
  url: string,
  model: string,
  rows: number,
  source: string,
  flags: Flags,
): Promise<BenchmarkResult> {
  const table = (name: string): string => `${name}_docs`;
  const fresh = async (name: string): Promise<void> => {
    await lib.generateTexts({ db: url, table: table(name), rows, seed: 'bench', replace: true });
  };
  const variants: BenchmarkVariant<undefined>[] = [
    {
      name: 'original',
      before: () => fresh('original'),
      async run() {
        const r = await lib.embedTableOriginal({
          db: url,
          table: table('original'),
          model,
          threads: THREADS,
        });
        return { items: r.rows + r.skipped };
      },
    },
    {
      name: 'ours',
      before: () => fresh('ours'),
      async run() {
        const r = await lib.embedTable({ db: url, table: table('ours'), model, threads: THREADS });
        process.stderr.write(
          `ours: ${formatCount(r.tokensPerSecond)} tokens/s, model busy ${(r.modelBusy * 100).toFixed(0)}%, ` +
            `stage ms ${JSON.stringify(roundAll(r.stageMs))}\n`,
        );
        return { items: r.rows + r.errors };
      },
    },
  ];
  return runBenchmark({
    package: 'embeddings',
    name: `embed ${formatCount(rows)} generated rows with the tiny model (${source} PostgreSQL), original vs ours`,
    unit: 'rows',
    variants,
    baseline: 'original',
    warmup: 0,
    repeats: 1,
    params: {
      rows,
      threads: THREADS,
      model: 'tiny (2 layers, hidden 32)',
      fetchSize: lib.DEFAULT_EMBED_TABLE_OPTIONS.fetchSize,
      commitEvery: lib.DEFAULT_EMBED_TABLE_OPTIONS.commitEvery,
      maxBatchTokens: lib.DEFAULT_EMBED_TABLE_OPTIONS.maxBatchTokens,
    },
    noSave: flags.noSave,
    ...(flags.variants === undefined ? {} : { only: flags.variants }),
  });
}

async function modelVsPipeline(
  url: string,
  model: string,
  rows: number,
  source: string,
  flags: Flags,
): Promise<string[]> {
  await lib.generateTexts({ db: url, table: 'minilm_source', rows, seed: 'bench', replace: true });
  const texts = await query<{ content: string | null }>(url, 'SELECT content FROM minilm_source ORDER BY id');
  const tokenStats: Record<string, { tokens: number; padded: number; ms: number[] }> = {};
  const record = (name: string, tokens: number, padded: number, ms: number): void => {
    const stats = (tokenStats[name] ??= { tokens, padded, ms: [] });
    stats.ms.push(ms);
  };
  const modelOnly = (batchOrder: 'length' | 'table'): BenchmarkVariant<undefined> => {
    let embedder: Library.Embedder | undefined;
    return {
      name: `model only, ${batchOrder === 'length' ? 'length-sorted' : 'table order'}`,
      async before() {
        embedder = await lib.Embedder.open({ model, threads: THREADS, batchOrder });
      },
      async run() {
        // Windows as the pipeline claims them, tokenised before the clock matters.
        const size = lib.DEFAULT_EMBED_TABLE_OPTIONS.fetchSize;
        const windows = [];
        for (let i = 0; i < texts.length; i += size)
          windows.push(embedder!.tokenize(texts.slice(i, i + size).map((t) => t.content)));
        const started = performance.now();
        let tokens = 0;
        let padded = 0;
        let count = 0;
        for (const window of windows) {
          const r = await embedder!.embedTokenized(window);
          tokens += r.tokens;
          padded += r.paddedTokens;
          count += r.vectors.filter((v) => v !== undefined).length;
        }
        record(this.name, tokens, padded, performance.now() - started);
        return { items: count };
      },
      async after() {
        await embedder?.close();
      },
    };
  };
  // Each run embeds a fresh copy of the table, all made before the clock starts.
  const runs = flags.repeats ?? 3;
  const pipeline = (batchOrder: 'length' | 'table', repeats: number): BenchmarkVariant<undefined> => {
    let next = 0;
    const table = (n: number): string => `minilm_${batchOrder}_${n}`;
    return {
      name: `pipeline, ${batchOrder === 'length' ? 'length-sorted' : 'table order'}`,
      repeats,
      async before() {
        for (let n = 0; n < repeats; n++) {
          await query(
            url,
            `DROP TABLE IF EXISTS ${table(n)}, ${table(n)}_embedding_errors, ${table(n)}_embedding_claims`,
          );
          await query(url, `CREATE TABLE ${table(n)} AS SELECT * FROM minilm_source`);
          await query(url, `ALTER TABLE ${table(n)} ADD PRIMARY KEY (id)`);
        }
      },
      async run() {
        const r = await lib.embedTable({
          db: url,
          table: table(next++),
          model,
          threads: THREADS,
          batchOrder,
        });
        record(this.name, r.tokens, r.paddedTokens, r.wallMs);
        return { items: r.rows };
      },
    };
  };
  const result = await runBenchmark({
    package: 'embeddings',
    name: `minilm-l6 preset (all-MiniLM-L6-v2's shape, fp32), ${formatCount(rows)} generated texts (${source} PostgreSQL): model alone vs pipeline`,
    unit: 'texts',
    // The sorted variants are short: three runs each (median) against a shared, noisy machine.
    variants: [
      { ...modelOnly('length'), repeats: runs },
      pipeline('length', runs),
      modelOnly('table'),
      pipeline('table', 1),
    ],
    baseline: 'model only, length-sorted',
    warmup: 0,
    repeats: 1,
    params: {
      rows,
      threads: THREADS,
      fetchSize: lib.DEFAULT_EMBED_TABLE_OPTIONS.fetchSize,
      maxBatchTokens: lib.DEFAULT_EMBED_TABLE_OPTIONS.maxBatchTokens,
      maxLength: 256,
    },
    noSave: flags.noSave,
    ...(flags.variants === undefined ? {} : { only: flags.variants }),
  });
  printBenchmark(result, flags);
  const rate = (name: string): number => result.variants.find((v) => v.name === name)?.throughput ?? 0;
  const lines: string[] = [];
  for (const [name, s] of Object.entries(tokenStats)) {
    const ms = [...s.ms].sort((a, b) => a - b)[Math.floor(s.ms.length / 2)]!;
    const useful = s.tokens / (ms / 1000);
    lines.push(
      `${name}: ${formatCount(useful)} useful tokens/s (${((useful / CEILING_TOKENS_PER_SECOND) * 100).toFixed(0)}% of the ~${formatCount(CEILING_TOKENS_PER_SECOND)} tokens/s fp32 ceiling), ` +
        `${formatCount(s.padded / (ms / 1000))} tokens/s with padding (${((1 - s.tokens / s.padded) * 100).toFixed(0)}% padding)`,
    );
  }
  // Against the model's own time (tokenising excluded), not the variant's wall time.
  const usefulRate = (name: string): number => {
    const s = tokenStats[name];
    if (s === undefined) return 0;
    return s.tokens / ([...s.ms].sort((a, b) => a - b)[Math.floor(s.ms.length / 2)]! / 1000);
  };
  const share = usefulRate('pipeline, length-sorted') / usefulRate('model only, length-sorted');
  lines.push(
    `pipeline / model alone (length-sorted) = ${(share * 100).toFixed(0)}% (target >= ${TARGET_PIPELINE_SHARE * 100}%: ${share >= TARGET_PIPELINE_SHARE ? 'met' : 'NOT met'})`,
  );
  const sorted = rate('pipeline, length-sorted') / rate('pipeline, table order');
  lines.push(
    `length-sorted / table-order batching (pipeline) = ${sorted.toFixed(2)}x (target >= ${TARGET_SORTED_RATIO}x: ${sorted >= TARGET_SORTED_RATIO ? 'met' : 'NOT met'})`,
  );
  return lines;
}

/** The two tables hold the same vectors for the same ids (batches differ; padding is masked exactly). */
async function sameVectors(url: string, a: string, b: string): Promise<string> {
  const [row] = await query<{ rows: string; differ: string; max_diff: number | null }>(
    url,
    `SELECT count(*) AS rows,
            count(*) FILTER (WHERE (x.embedding IS NULL) <> (y.embedding IS NULL)) AS differ,
            max((SELECT max(abs(p - q)) FROM unnest(x.embedding, y.embedding) AS u(p, q))) AS max_diff
       FROM ${a} x JOIN ${b} y USING (id)`,
  );
  if (row === undefined || row.differ !== '0') throw new Error(`${a} and ${b} embed different rows`);
  const diff = Number(row.max_diff ?? 0);
  if (!(diff < 1e-5)) throw new Error(`${a} and ${b} differ by up to ${diff} in a vector component`);
  return `original and ours wrote vectors for the same ${formatCount(Number(row.rows))} rows; largest difference of a component: ${diff.toExponential(1)}`;
}

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

function roundAll(values: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v)]));
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}
