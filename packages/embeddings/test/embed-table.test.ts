import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedTable } from '../src/embed-table.js';
import { Embedder } from '../src/embedder.js';
import { generateTexts } from '../src/generate.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';

const db = useTestDatabase();
let dir: string;
let model: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-run-'));
  model = join(dir, 'tiny');
  await makeTestModel({ output: model, preset: 'tiny', seed: 'test' });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client(db.url);
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('embedTable', () => {
  it('writes each row its own vector, records bad rows, and resumes with nothing left to do', async () => {
    const generated = await generateTexts({ db: db.url, table: 'docs', rows: 3000, seed: 't' });
    expect(generated.nulls + generated.empties).toBeGreaterThan(0);
    const result = await embedTable({
      db: db.url,
      table: 'docs',
      model,
      fetchSize: 256,
      threads: 1,
      commitEvery: 2,
    });
    expect(result.rows + result.errors).toBe(3000);
    expect(result.errors).toBe(generated.nulls + generated.empties);
    expect(result.truncated).toBeGreaterThan(0);
    const rows = await query<{ id: string; content: string | null; embedding: number[] | null }>(
      'SELECT id, content, embedding FROM docs ORDER BY id',
    );
    const errors = await query<{ id: string; reason: string }>(
      'SELECT id, reason FROM docs_embedding_errors ORDER BY id',
    );
    expect(errors.length).toBe(result.errors);
    expect(new Set(errors.map((e) => e.reason))).toEqual(new Set(['null_text', 'empty_text']));
    // The vector stored for a row is the vector of that row's text.
    await using embedder = await Embedder.open({ model, threads: 1 });
    const sample = rows.filter((r) => r.embedding !== null).filter((_, i) => i % 97 === 0);
    const alone = await embedder.embed(sample.map((r) => r.content));
    sample.forEach((row, i) => {
      const expected = alone.vectors[i]!;
      let dot = 0;
      for (let d = 0; d < expected.length; d++) dot += expected[d]! * row.embedding![d]!;
      expect(dot, `row ${row.id}`).toBeGreaterThan(0.99999);
    });
    const again = await embedTable({ db: db.url, table: 'docs', model, threads: 1 });
    expect(again.rows).toBe(0);
    expect(again.errors).toBe(0);
    const claims = await query<{ n: string }>('SELECT count(*) AS n FROM docs_embedding_claims');
    expect(claims[0]!.n).toBe('0');
  });

  it('retries recorded errors with retryErrors, and clears those that now succeed', async () => {
    await query("UPDATE docs SET content = 'fixed text ' || id WHERE content IS NULL");
    const result = await embedTable({ db: db.url, table: 'docs', model, threads: 1, retryErrors: true });
    const errors = await query<{ reason: string; attempts: number }>(
      'SELECT reason, attempts FROM docs_embedding_errors',
    );
    expect(result.rows).toBeGreaterThan(0);
    expect(errors.every((e) => e.reason === 'empty_text' && e.attempts === 2)).toBe(true);
  });
});

describe('vectorLiteral', () => {
  it('writes nine significant digits, which read back as the same float32', async () => {
    const { vectorLiteral } = await import('../src/embed-table.js');
    const values = new Float32Array([0.1, -1 / 3, 1e-8, 123456.789, -0, 3.4e38]);
    const text = vectorLiteral(values);
    expect(text.startsWith('{') && text.endsWith('}')).toBe(true);
    const back = new Float32Array(text.slice(1, -1).split(',').map(Number));
    expect(Array.from(back)).toEqual(Array.from(values));
    const rows = await query<{ v: number[] }>(`SELECT $1::real[] AS v`, [text]);
    expect(new Float32Array(rows[0]!.v)).toEqual(values);
    expect(vectorLiteral(new Float32Array([0.5, 1]), '[', ']')).toBe('[0.500000000,1.00000000]');
  });
});
