import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { PrepkitError } from '@prepkit/bench-harness/errors';
import { describe, expect, it } from 'vitest';
import { parseShardSpec, shardOf } from '../src/index.js';

// The PostgreSQL cross-check (md5 in SQL for random keys) is in packages/job-queue/test, which has a server.
describe('shardOf', () => {
  it('matches values computed with Python (int(md5(key)[:8], 16) % n)', () => {
    const cases: [string, number[]][] = [
      ['', [0, 1, 1, 393]],
      ['a', [0, 1, 1, 177]],
      ['probe-1001', [0, 0, 6, 782]],
      ['ünïcødé', [0, 0, 0, 544]],
      ['0:1069213455380336711', [0, 1, 3, 451]],
    ];
    for (const [key, expected] of cases) {
      expect([1, 2, 8, 1000].map((n) => shardOf(key, n))).toEqual(expected);
    }
  });

  it('is the first 4 bytes of md5 as an unsigned big-endian integer, mod n', () => {
    for (let i = 0; i < 200; i++) {
      const key = `key-${i}-${'x'.repeat(i % 7)}`;
      const top = createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
      expect(shardOf(key, 7)).toBe(top % 7);
    }
  });

  it("agrees with DuckDB's ('0x' || md5(key)[1:8])::UBIGINT % n", async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT k, (('0x' || md5(k)[1:8])::UBIGINT % 13)::INTEGER AS s
         FROM (SELECT 'k' || (i * 7919) AS k FROM range(50) t(i))`,
      );
      const rows = reader.getRowObjects() as { k: string; s: number }[];
      expect(rows).toHaveLength(50);
      for (const row of rows) expect(shardOf(row.k, 13)).toBe(row.s);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });

  it('spreads keys evenly', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`row-${i}`, 8)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(850);
  });

  it('rejects a shard count that is not a positive 32-bit integer', () => {
    for (const bad of [0, -1, 1.5, NaN, 2 ** 32]) {
      expect(() => shardOf('k', bad)).toThrow(/shards must be an integer from 1/);
    }
  });
});

describe('parseShardSpec', () => {
  it('reads i/n with a 0-based index', () => {
    expect(parseShardSpec('2/8')).toEqual({ index: 2, count: 8 });
    expect(parseShardSpec('0/1')).toEqual({ index: 0, count: 1 });
    expect(parseShardSpec(' 7 / 8 ')).toEqual({ index: 7, count: 8 });
  });

  it('names the flag and the value in a usage error', () => {
    const cases: [string, RegExp][] = [
      ['8/8', /^--shard 8\/8: the index is 0-based, so it must be from 0 to 7$/],
      ['0/0', /^--shard 0\/0: the shard count must be at least 1$/],
      ['x', /^--shard must be i\/n, for example 2\/8 \(got 'x'\)$/],
      ['-1/4', /got '-1\/4'/],
      ['1.5/4', /got '1.5\/4'/],
      ['', /got ''/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        parseShardSpec(value);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PrepkitError);
      expect((error as PrepkitError).kind).toBe('usage');
      expect((error as Error).message).toMatch(message);
    }
  });
});
