// `nx run db-cursors:bench`: reading one table (bigint id, ~100-char text, timestamptz, double)
// from PostgreSQL five ways, with psql's \copy to /dev/null timed in the same run as the floor.
// Every prepkit variant writes a checksum of what it read; the runner checks they agree.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant, VariantResult } from '@prepkit/bench-harness';
import { copyOut, createPool, cursorPages, keysetPages } from '../src/index.js';
import { createTestDatabase, startTestPostgres } from '../src/testing/index.js';

const COLUMNS = 'id, body, at, score';
// OFFSET against keyset at the page size of the Python originals' optimised runs (1,000 rows);
// keyset and the cursor also at 10,000, the size a bulk reader would choose.
const SMALL_PAGE = 1_000;
const PAGE = 10_000;

interface Row {
  id: string;
  body: string;
  at: Date;
  score: number;
}

/** count, sum(id), sum(length(body)), sum(epoch seconds), sum(score): the same whichever way rows came. */
class Checksum {
  rows = 0;
  ids = 0n;
  chars = 0;
  seconds = 0;
  score = 0;

  addRow(row: Row): void {
    this.rows++;
    this.ids += BigInt(row.id);
    this.chars += row.body.length;
    this.seconds += row.at.getTime() / 1000;
    this.score += row.score;
  }

  async save(dir: string): Promise<VariantResult> {
    const text = [this.rows, this.ids, this.chars, this.seconds, this.score].join('\n');
    await writeFile(join(dir, 'checksum.txt'), text);
    return { items: this.rows, outputs: ['checksum.txt'] };
  }
}

function keysetVariant(pool: pg.Pool, name: string, pageSize: number): BenchmarkVariant<undefined> {
  return {
    name,
    async run({ outputDir }) {
      const sum = new Checksum();
      const pages = keysetPages<Row>(pool, {
        table: 'bench_rows',
        key: 'id',
        columns: ['body', 'at', 'score'],
        pageSize,
      });
      for await (const page of pages) for (const row of page.rows) sum.addRow(row);
      return sum.save(outputDir);
    },
  };
}

function psqlCopy(url: string, rows: number): Promise<void> {
  const target = new URL(url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(target.password) };
  target.password = '';
  const sql = `\\copy (SELECT ${COLUMNS} FROM bench_rows WHERE id <= ${rows}) TO '/dev/null'`;
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [target.toString(), '-X', '-q', '-c', sql], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`psql exited ${code}: ${stderr.trim()}`)),
    );
  });
}

await runBenchScript(
  'PostgreSQL reads: OFFSET, keyset, server-side cursor, COPY, against psql \\copy.',
  async (flags) => {
    const rows = flags.quick ? 100_000 : 1_000_000;
    const offsetRows = flags.quick ? 20_000 : 200_000;
    const server = await startTestPostgres();
    const database = await createTestDatabase(server.url, 'prepkit_bench');
    const pool = createPool(database.url, { max: 2 });
    try {
      process.stderr.write(`creating bench_rows with ${rows} rows…\n`);
      await pool.query(`
      CREATE TABLE bench_rows (id bigint PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL, score float8 NOT NULL);
      INSERT INTO bench_rows
        SELECT i, left(repeat(md5(i::text) || ' ', 4), 100), timestamptz '2024-01-01 00:00:00+00' + i * interval '1 second', i * 0.5
        FROM generate_series(1, ${rows}) AS i;`);
      await pool.query('VACUUM ANALYZE bench_rows');
      const hasPsql = await psqlCopy(database.url, 1).then(
        () => true,
        () => false,
      );
      const variants: BenchmarkVariant<undefined>[] = [
        {
          name: `OFFSET, 1K pages (first ${offsetRows / 1000}K rows)`,
          async run() {
            let read = 0;
            for (let offset = 0; offset < offsetRows; offset += SMALL_PAGE) {
              const result = await pool.query(
                `SELECT ${COLUMNS} FROM bench_rows ORDER BY id LIMIT ${SMALL_PAGE} OFFSET ${offset}`,
              );
              read += result.rows.length;
            }
            return { items: read };
          },
        },
        keysetVariant(pool, 'keysetPages, 1K pages', SMALL_PAGE),
        keysetVariant(pool, 'keysetPages, 10K pages', PAGE),
        {
          name: 'cursorPages, 10K fetches',
          async run({ outputDir }) {
            const sum = new Checksum();
            for await (const page of cursorPages<Row>(pool, `SELECT ${COLUMNS} FROM bench_rows`, {
              fetchSize: PAGE,
            })) {
              for (const row of page) sum.addRow(row);
            }
            return sum.save(outputDir);
          },
        },
        {
          name: 'copyOut (rows)',
          async run({ outputDir }) {
            const sum = new Checksum();
            for await (const batch of copyOut(pool, `SELECT ${COLUMNS} FROM bench_rows`)) {
              for (const row of batch.rows<Row>()) sum.addRow(row);
            }
            return sum.save(outputDir);
          },
        },
        ...(['text', 'binary'] as const).map((format) => ({
          name: format === 'text' ? 'copyOut (columns)' : 'copyOut binary (columns)',
          async run({ outputDir }: { outputDir: string }) {
            const sum = new Checksum();
            for await (const batch of copyOut(pool, `SELECT ${COLUMNS} FROM bench_rows`, { format })) {
              const ids = batch.column('id').values as BigInt64Array;
              const bodies = batch.column('body').values as string[];
              const at = batch.column('at').values as Float64Array;
              const score = batch.column('score').values as Float64Array;
              for (let i = 0; i < batch.length; i++) {
                sum.rows++;
                sum.ids += ids[i]!;
                sum.chars += bodies[i]!.length;
                sum.seconds += at[i]! / 1000;
                sum.score += score[i]!;
              }
            }
            return sum.save(outputDir);
          },
        })),
      ];
      if (hasPsql) {
        variants.unshift({
          name: 'psql \\copy (floor)',
          async run() {
            await psqlCopy(database.url, rows);
            return { items: rows };
          },
        });
      } else {
        process.stderr.write('psql not found: the floor is not measured\n');
      }
      const result = await runBenchmark({
        package: 'db-cursors',
        name: `read ${rows.toLocaleString('en')} rows from PostgreSQL (${server.source} server)`,
        unit: 'rows',
        variants,
        baseline: variants[0]!.name,
        warmup: flags.warmup ?? 1,
        repeats: flags.repeats ?? (flags.quick ? 1 : 3),
        params: { rows, offsetRows },
        noSave: flags.noSave,
        ...(flags.variants === undefined ? {} : { only: flags.variants }),
      });
      printBenchmark(result, flags);
      const rate = (name: string) => result.variants.find((v) => v.name.startsWith(name))?.throughput;
      const [offset, keyset, copyCols, psql] = [
        rate('OFFSET'),
        rate('keysetPages'),
        rate('copyOut (columns)'),
        rate('psql'),
      ];
      if (!flags.json) {
        if (offset !== undefined && keyset !== undefined)
          process.stdout.write(
            `\nkeysetPages / OFFSET rows/s, 1K pages each: ${(keyset / offset).toFixed(2)}x (target >= 5x)\n`,
          );
        if (psql !== undefined && copyCols !== undefined)
          process.stdout.write(
            `copyOut (columns) / psql rows/s: ${((100 * copyCols) / psql).toFixed(0)}% (target >= 50%)\n`,
          );
      }
    } finally {
      await pool.end();
      await database.drop();
      await server.stop();
    }
  },
);
