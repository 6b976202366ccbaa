import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '@prepkit/db-cursors';
import { shardNames, shardOf, verify } from '@prepkit/record-io';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { buildProbeRows, generateMeasurements, mergeShards } from '../src/index.js';
import { shardKeySql } from '../src/shard-filter.js';
import { capture } from './capture.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-shard-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 5000, probes: 120, output: input, seed: 5 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const sha = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

async function run(...argv: string[]) {
  const c = capture();
  const code = await main(argv, c.io);
  return { code, stdout: c.out.join(''), stderr: c.err.join('') };
}

const SPLIT_FILES = ['train.array_record', 'test.array_record'];

describe('build --shard i/n and merge', () => {
  it('--shard i/n writes file i of --shards n; merge gives the --shards 1 bytes and a manifest that verifies', async () => {
    const n = 3;
    const one = join(dir, 'one');
    const all = join(dir, 'all');
    const parts = join(dir, 'parts');
    expect((await run('build', '--input', input, '--output', one, '-q')).code).toBe(0);
    expect((await run('build', '--input', input, '--output', all, '--shards', `${n}`, '-q')).code).toBe(0);
    for (let i = 0; i < n; i++) {
      const mode = ['sequential', 'parallel', 'streaming'][i]!;
      const built = await run(
        'build',
        '--input',
        input,
        '--output',
        parts,
        '--shard',
        `${i}/${n}`,
        '--mode',
        mode,
      );
      expect(built.code, built.stderr).toBe(0);
      // A shard's run writes no manifest (the set is not complete) and leaves the other shards' files.
      expect(existsSync(join(parts, 'manifest.json'))).toBe(false);
    }
    const names = [...shardNames('train', n, 'array_record'), ...shardNames('test', n, 'array_record')];
    expect((await readdir(parts)).sort()).toEqual([...names].sort());
    for (const name of names) expect(await sha(join(parts, name)), name).toBe(await sha(join(all, name)));

    const merged = await run('merge', parts, '--shards', `${n}`, '--json');
    expect(merged.code, merged.stderr).toBe(0);
    const report = JSON.parse(merged.stdout) as { train: { probes: number }; test: { probes: number } };
    expect(report.train.probes + report.test.probes).toBe(120);
    for (const name of SPLIT_FILES)
      expect(await sha(join(parts, name)), name).toBe(await sha(join(one, name)));
    expect(await verify(parts)).toMatchObject({ ok: true, checked: 2 });

    // Again: the complete output is refused without --overwrite, replaced with it; --remove-shards cleans up.
    const again = await run('merge', parts, '--shards', `${n}`);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('train.array_record');
    expect((await run('merge', parts, '--shards', `${n}`, '--overwrite', '--remove-shards', '-q')).code).toBe(
      0,
    );
    expect((await readdir(parts)).sort()).toEqual(['manifest.json', ...SPLIT_FILES].sort());
    for (const name of SPLIT_FILES) expect(await sha(join(parts, name))).toBe(await sha(join(one, name)));
  }, 120_000);

  it('a missing shard file makes merge fail with exit 2, naming it and the --shard to build it', async () => {
    const parts = join(dir, 'missing');
    for (const i of [0, 2]) await buildProbeRows({ input, output: parts, shard: { index: i, count: 3 } });
    const merged = await run('merge', parts, '--shards', '3');
    expect(merged.code).toBe(2);
    expect(merged.stderr.trim()).toBe(
      `probe-rows: ${join(parts, 'train-00001-of-00003.array_record')}: missing: a merge needs all 3 shard files ` +
        'of each split (build it with --shard 1/3)',
    );
    expect(existsSync(join(parts, 'train.array_record'))).toBe(false);
    expect(existsSync(join(parts, 'manifest.json'))).toBe(false);
    // Files of a different shard count are not taken for these.
    const wrong = join(dir, 'wrong');
    await buildProbeRows({ input, output: wrong, shards: 2 });
    expect((await run('merge', wrong, '--shards', '3')).code).toBe(2);
  }, 60_000);

  it('a shard run refuses to change a file a complete output lists, unless --overwrite', async () => {
    const out = join(dir, 'complete');
    await buildProbeRows({ input, output: out, shards: 2 });
    const refused = await run('build', '--input', input, '--output', out, '--shard', '1/2');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(join(out, 'train-00001-of-00002.array_record'));
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    const before = await sha(join(out, 'train-00001-of-00002.array_record'));
    expect(
      (await run('build', '--input', input, '--output', out, '--shard', '1/2', '--overwrite')).code,
    ).toBe(0);
    // The manifest listed the file it replaced, so it is gone; the bytes are the same.
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    expect(await sha(join(out, 'train-00001-of-00002.array_record'))).toBe(before);
  }, 60_000);

  it('bad --shard values are usage errors naming the flag', () => {
    const argv = (shard: string) => ['build', '--input', 'x', '--output', 'o', '--shard', shard];
    expect(() => parseArgs(argv('3/3'))).toThrow(/--shard 3\/3: the index is 0-based/);
    expect(() => parseArgs(argv('0/0'))).toThrow(/--shard 0\/0: the shard count must be at least 1/);
    expect(() => parseArgs(argv('x'))).toThrow(/--shard must be i\/n/);
    expect(parseArgs(argv('2/8'))).toMatchObject({ options: { shard: { index: 2, count: 8 } } });
  });

  it('conflicting --shard and --shards is an error naming both; exit 2', async () => {
    const result = await run(
      'build',
      '--input',
      input,
      '--output',
      join(dir, 'x'),
      '--shard',
      '0/3',
      '--shards',
      '2',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/shards \(2\) and options\.shard \(0\/3\) disagree/);
  });
});

describe('the shard of a key is the same in DuckDB as shardOf', () => {
  // Every key type the input allows: DuckDB's text of the key (shardKeySql) must be the bytes keyText hashes,
  // and the merge must order keys as DuckDB does (negative numbers; UTF-8 byte order, where an emoji sorts after
  // U+FDE8, unlike JavaScript's UTF-16 order).
  const KEYS = {
    SMALLINT: `(i % 40 - 20)::SMALLINT`,
    INTEGER: `(i % 37 * 1000003 - 17000000)::INTEGER`,
    BIGINT: `(i % 41)::BIGINT * 922337203685477 - 9223372036854775807`,
    VARCHAR: `CASE i % 4 WHEN 0 THEN '10.0.' || (i % 31) || '.' || (i % 7) WHEN 1 THEN '2001:db8::' || (i % 29)
              WHEN 2 THEN 'prb-é' || (i % 13)
              ELSE 'Z' || chr((CASE WHEN i % 8 = 3 THEN 128512 + i % 5 ELSE 65000 + i % 7 END)::INTEGER) END`,
    TIMESTAMP: `TIMESTAMP '2024-01-01' + to_microseconds((i % 23) * 3600000001)`,
    'TIMESTAMP WITH TIME ZONE': `TIMESTAMPTZ '1969-12-31 00:00:00+00' + to_microseconds((i % 19) * 7200000003)`,
  };

  for (const [type, expression] of Object.entries(KEYS)) {
    it(`${type} keys: --shard i/3 equals file i of --shards 3, and the merge the one-file build`, async () => {
      const file = join(dir, `keys-${type.replaceAll(' ', '-')}.parquet`);
      await using db = await openDuckDB();
      await db.run(
        `COPY (SELECT ${expression} AS k, TIMESTAMP '2024-01-01' + to_seconds(i) AS t, i AS v FROM range(400) r(i))
         TO '${file}' (FORMAT parquet)`,
      );
      const [described] = await db.rows(`DESCRIBE SELECT k FROM read_parquet($1)`, [file]);
      expect(described?.column_type).toBe(type);
      // DuckDB's md5 of the key text equals record-io's shardOf of the text keyText gives.
      const rows = await db.rows(
        `SELECT DISTINCT ${shardText(type)} AS text,
                ('0x' || md5(${shardText(type)})[1:8])::UBIGINT % 7 AS shard FROM read_parquet($1)`,
        [file],
      );
      for (const row of rows) expect(Number(row.shard), String(row.text)).toBe(shardOf(String(row.text), 7));

      const options = { input: file, groupBy: 'k', orderBy: 't', testFraction: 0.3, threads: 2 };
      const one = join(dir, `one-${type}`);
      const all = join(dir, `all-${type}`);
      const parts = join(dir, `parts-${type}`);
      // Modes differ on purpose (all write the same bytes); sequential starts no worker threads, so it is quick.
      await buildProbeRows({ ...options, output: one, mode: 'sequential' });
      await buildProbeRows({ ...options, output: all, shards: 3, mode: 'parallel' });
      for (let i = 0; i < 3; i++)
        await buildProbeRows({
          ...options,
          output: parts,
          shard: { index: i, count: 3 },
          mode: 'sequential',
        });
      for (const name of [
        ...shardNames('train', 3, 'array_record'),
        ...shardNames('test', 3, 'array_record'),
      ])
        expect(await sha(join(parts, name)), name).toBe(await sha(join(all, name)));
      await mergeShards({ output: parts, shards: 3 });
      for (const name of SPLIT_FILES)
        expect(await sha(join(parts, name)), name).toBe(await sha(join(one, name)));
    }, 60_000);
  }
});

/** The DuckDB text of column `k` of `type`, as shard-filter.ts writes it. */
function shardText(type: string): string {
  if (type === 'VARCHAR') return shardKeySql({ name: 'k', kind: 'utf8' });
  if (type.startsWith('TIMESTAMP')) return shardKeySql({ name: 'k', kind: 'timestamp' });
  return shardKeySql({ name: 'k', kind: 'int64' });
}
