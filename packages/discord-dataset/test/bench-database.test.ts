import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchDatabase, generateToDatabase, initDatabase } from '../src/index.js';
import { sql } from './helpers.js';

const db = useTestDatabase();

beforeAll(async () => {
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 2000, seed: 'bench-db' });
});

describe('benchDatabase', () => {
  it('times the strategies read-only, checks their outputs agree, and lists missing indexes', async () => {
    const { benchmark, missingIndexes } = await benchDatabase({
      db: db.url,
      strategies: ['naive', 'copy'],
      threads: 1,
    });
    expect(benchmark.variants.map((v) => [v.name, v.items, v.compared])).toEqual([
      ['naive', 2000, true],
      ['copy', 2000, true],
    ]);
    expect(benchmark.table).toContain('| copy |');
    expect(missingIndexes).toEqual([]);
    await sql(db.url, 'DROP INDEX messages_referenced_message_id_idx');
    try {
      const again = await benchDatabase({ db: db.url, strategies: ['copy'], threads: 1 });
      expect(again.missingIndexes.map((i) => i.column)).toEqual(['referenced_message_id']);
      expect(again.missingIndexes[0]!.create).toMatch(
        /^CREATE INDEX messages_referenced_message_id_idx ON messages/,
      );
    } finally {
      await initDatabase(db.url);
    }
  });
});
