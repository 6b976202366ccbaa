// `nx run discord-dataset:bench`: a generated server in an embedded PostgreSQL, prepared into
// train/valid JSONL by the three strategies in one run (the runner checks that every strategy wrote
// the same bytes as naive), at 10K and 100K messages; then `copy` alone on 1M messages, run as the
// CLI in its own process so that its wall time and peak RSS are the whole command's.
// --quick: 10K only (and the demo output under <workspace>/out/discord-dataset).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  formatBytes,
  formatCount,
  formatDuration,
  printBenchmark,
  runBenchmark,
  runBenchScript,
} from '@prepkit/bench-harness';
import type { BenchmarkVariant, RunReport } from '@prepkit/bench-harness';
import { createTestDatabase, startTestPostgres } from '@prepkit/db-cursors/testing';
import type * as Library from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distIndex = join(packageDir, 'dist', 'index.js');
// The shipped code when it is built and not older than src/ (its worker threads load plain
// JavaScript, as an installed package's do); the source otherwise. `nx run discord-dataset:bench` builds first.
const built =
  existsSync(distIndex) && (await newestMtime(join(packageDir, 'src'))) <= (await stat(distIndex)).mtimeMs;
const lib = (await import(built ? distIndex : '../src/index.js')) as typeof Library;
const STRATEGIES = ['naive', 'cte', 'copy'] as const;
const TARGET_RATIO = 50;
const TARGET_1M_MS = 15_000;
const TARGET_1M_RSS = 2 * 1024 ** 3;

await runBenchScript(
  'discord-dataset: PostgreSQL messages -> reply chains -> train/valid JSONL; naive vs cte vs copy.',
  async (flags) => {
    process.stderr.write(
      `library: ${built ? 'dist/ (built)' : 'src/ (not built: worker threads start through tsx)'}\n`,
    );
    const server = await startTestPostgres();
    const summary: string[] = [];
    try {
      for (const messages of flags.quick ? [10_000] : [10_000, 100_000]) {
        const database = await createTestDatabase(server.url, 'prepkit_bench');
        try {
          await lib.initDatabase(database.url);
          process.stderr.write(`generating ${formatCount(messages)} messages…\n`);
          await lib.generateToDatabase({ db: database.url, messages, seed: 'bench' });
          const variants: BenchmarkVariant<undefined>[] = STRATEGIES.map((strategy) => ({
            name: strategy,
            async run({ outputDir }) {
              const result = await lib.prepareDiscordDataset({
                db: database.url,
                strategy,
                train: join(outputDir, 'train.jsonl'),
                valid: join(outputDir, 'valid.jsonl'),
                overwrite: true,
              });
              if (flags.quick && strategy === 'copy') await keepDemoOutput(outputDir);
              return { items: result.messages, outputs: ['train.jsonl', 'valid.jsonl'] };
            },
          }));
          const result = await runBenchmark({
            package: 'discord-dataset',
            name: `prepare ${formatCount(messages)} generated messages (${server.source} PostgreSQL) into train/valid JSONL`,
            unit: 'messages',
            variants,
            baseline: 'naive',
            warmup: flags.warmup ?? (messages >= 100_000 ? 0 : 1),
            repeats: flags.repeats ?? (flags.quick || messages >= 100_000 ? 1 : 3),
            params: { messages, seed: 'bench', threads: 'default (os.availableParallelism())' },
            noSave: flags.noSave,
            ...(flags.variants === undefined ? {} : { only: flags.variants }),
          });
          printBenchmark(result, flags);
          const rate = (name: string) => result.variants.find((v) => v.name === name)?.throughput;
          const [naive, copy] = [rate('naive'), rate('copy')];
          if (naive !== undefined && copy !== undefined) {
            const ratio = copy / naive;
            summary.push(
              `${formatCount(messages)} messages: copy ${formatCount(copy)} msg/s, naive ${formatCount(naive)} msg/s: ` +
                `copy / naive = ${ratio.toFixed(1)}x${messages >= 100_000 ? ` (target >= ${TARGET_RATIO}x: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})` : ''}`,
            );
          }
        } finally {
          await database.drop();
        }
      }
      if (!flags.quick) summary.push(await millionMessages(server.url, flags.json));
      if (!flags.json) process.stdout.write(`\n${summary.join('\n')}\n`);
    } finally {
      await server.stop();
    }
  },
);

/** `copy` on 1M messages as a user runs it: the CLI in its own process, timed from spawn to exit. */
async function millionMessages(serverUrl: string, json: boolean): Promise<string> {
  const messages = 1_000_000;
  const database = await createTestDatabase(serverUrl, 'prepkit_bench');
  const out = await mkdtemp(join(tmpdir(), 'discord-dataset-1m-'));
  try {
    await lib.initDatabase(database.url);
    process.stderr.write('generating 1M messages…\n');
    await lib.generateToDatabase({ db: database.url, messages, seed: 'bench' });
    const bin = join(packageDir, 'bin', 'discord-dataset.js');
    const command = built ? [bin] : ['--import', 'tsx', join(packageDir, 'src', 'cli', 'run.ts')];
    const args = [
      ...command,
      'prepare',
      '--db',
      database.url,
      join(out, 'train.jsonl'),
      join(out, 'valid.jsonl'),
      '--json',
      '--quiet',
    ];
    const started = performance.now();
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`prepare exited ${String(code)}`)),
      );
    });
    const wallMs = performance.now() - started;
    const report = JSON.parse(stdout) as RunReport & {
      facts: { train: { records: number; bytes: number }; valid: { records: number; bytes: number } };
    };
    const rows = [
      '| step | time | messages/s |',
      '|---|---:|---:|',
      ...report.phases.map(
        (p) =>
          `| ${p.name} | ${formatDuration(p.wallMs)} | ${p.unit === 'messages' ? formatCount(p.throughput) : ''} |`,
      ),
      `| **whole command (spawn to exit)** | **${formatDuration(wallMs)}** | **${formatCount(messages / (wallMs / 1000))}** |`,
    ];
    const facts = report.facts;
    const line =
      `1M messages, copy, CLI end to end: ${formatDuration(wallMs)} (target <= 15 s: ${wallMs <= TARGET_1M_MS ? 'met' : 'NOT met'}), ` +
      `peak RSS ${formatBytes(report.peakRssBytes)} (target <= 2 GiB: ${report.peakRssBytes <= TARGET_1M_RSS ? 'met' : 'NOT met'}); ` +
      `train ${formatCount(facts.train.records)} examples (${formatBytes(facts.train.bytes)}), valid ${formatCount(facts.valid.records)} (${formatBytes(facts.valid.bytes)})`;
    if (json) process.stdout.write(`${JSON.stringify({ messages, wallMs, report })}\n`);
    else
      process.stdout.write(
        `\n### copy on 1,000,000 generated messages (CLI in its own process)\n\n${rows.join('\n')}\n`,
      );
    return line;
  } finally {
    await rm(out, { recursive: true, force: true });
    await database.drop();
  }
}

/** `npm run demo` leaves one real output set to look at. */
async function keepDemoOutput(outputDir: string): Promise<void> {
  let root = packageDir;
  while (!existsSync(join(root, 'nx.json')) && dirname(root) !== root) root = dirname(root);
  const target = join(root, 'out', 'discord-dataset');
  await mkdir(target, { recursive: true });
  for (const name of ['train.jsonl', 'valid.jsonl', 'manifest.json'])
    await cp(join(outputDir, name), join(target, name));
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}
