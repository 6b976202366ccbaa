import { randomBytes } from 'node:crypto';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { shardOf } from '@prepkit/record-io';
import pg from 'pg';
import { describe, expect, it } from 'vitest';

const db = useTestDatabase();

// record-io's shardOf must agree with the SQL docs/scale-out.md gives, on PostgreSQL's own md5.
describe('shardOf against PostgreSQL', () => {
  it("equals ('x'||substr(md5(key),1,8))::bit(32)::bigint % n for random keys", async () => {
    const keys = Array.from({ length: 500 }, (_, i) =>
      i % 5 === 0 ? `ünï-${i}` : randomBytes(1 + (i % 40)).toString('base64'),
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const n of [1, 2, 7, 64, 1000]) {
        const { rows } = await client.query<{ key: string; shard: string }>(
          `SELECT key, ('x' || substr(md5(key), 1, 8))::bit(32)::bigint % $2 AS shard
           FROM unnest($1::text[]) AS key`,
          [keys, n],
        );
        expect(rows).toHaveLength(keys.length);
        for (const row of rows) expect(shardOf(row.key, n)).toBe(Number(row.shard));
      }
    } finally {
      await client.end();
    }
  });
});
