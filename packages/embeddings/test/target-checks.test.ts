// The table, key and columns are checked before anything changes: a duplicate or NULL key, or a text column
// that holds no text, is one line naming table and column, and the table is left as it was. uuid and text
// keys give the vectors a bigint key does. Table and column names are quoted, never executed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdentifier, quoteTable } from '@prepkit/db-cursors';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedTable } from '../src/embed-table.js';
import { embeddingStatus } from '../src/status.js';
import { searchTable } from '../src/search.js';
import { sideName } from '../src/target-table.js';
import { makeTestModel } from '../src/test-model/make-test-model.js';
import { query } from './helpers.js';

const db = useTestDatabase();
let dir: string;
let model: string;
const TEXTS = ['first text', 'a second, longer text about databases', 'third', 'émoji 🙂 and ünïcode'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'embeddings-checks-'));
  model = join(dir, 'tiny');
  await makeTestModel({ output: model, preset: 'tiny', seed: 'checks' });
  await query(db.url, 'CREATE TABLE reference (id bigint PRIMARY KEY, content text)');
  await query(
    db.url,
    'INSERT INTO reference SELECT i, t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)',
    [TEXTS],
  );
  await embedTable({ db: db.url, table: 'reference', model, threads: 1 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (table: string, more: Record<string, string> = {}): Promise<unknown> =>
  embedTable({ db: db.url, table, model, threads: 1, ...more });

/** The table's columns and the tables beside it, to show that a refused run changed nothing. */
async function shape(table: string): Promise<string[]> {
  const rows = await query<{ what: string }>(
    db.url,
    `SELECT 'column ' || attname AS what FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0
     UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relname LIKE $2 ORDER BY 1`,
    [quoteIdentifier(table), `${table}%`],
  );
  return rows.map((r) => r.what);
}

async function expectRefused(
  table: string,
  message: RegExp,
  more: Record<string, string> = {},
): Promise<void> {
  const before = await shape(table);
  const error = await run(table, more).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ kind: 'input' });
  expect((error as Error).message).toMatch(message);
  expect(await shape(table)).toEqual(before);
}

describe('embeddings run: the key and columns', () => {
  it('refuses a key that is not unique, naming table and column, and changes nothing', async () => {
    await query(db.url, 'CREATE TABLE dupid (id bigint, content text)');
    await query(db.url, "INSERT INTO dupid VALUES (1, 'a'), (1, 'b'), (2, 'c')");
    await expectRefused(
      'dupid',
      /^table public\.dupid: --id-col id is not unique \(1 is on 2 rows\); the key must be unique/,
    );
  });

  it('refuses a NULL key, also under a UNIQUE constraint, and changes nothing', async () => {
    await query(db.url, 'CREATE TABLE nullid (id bigint UNIQUE, content text)');
    await query(db.url, "INSERT INTO nullid VALUES (1, 'a'), (NULL, 'b'), (2, 'c')");
    await expectRefused('nullid', /^table public\.nullid: --id-col id is NULL in 1 row; /);
  });

  it('accepts a unique key without a constraint when the rows show it is one', async () => {
    await query(db.url, 'CREATE TABLE plainid (id bigint, content text)');
    await query(db.url, 'INSERT INTO plainid SELECT id, content FROM reference');
    await run('plainid');
    await expectSameVectors('plainid');
  });

  it.each([
    ['integer', '1'],
    ['bytea', "'\\x01'"],
    ['jsonb', `'{"a": 1}'`],
  ])('refuses a %s text column, naming its type, and changes nothing', async (type, value) => {
    const table = `typed_${type}`;
    await query(db.url, `CREATE TABLE ${table} (id bigint PRIMARY KEY, content ${type})`);
    await query(db.url, `INSERT INTO ${table} VALUES (1, ${value})`);
    await expectRefused(
      table,
      new RegExp(
        `^column public\\.${table}\\.content is ${type}; --text-col must name a text or varchar column$`,
      ),
    );
  });

  it('refuses a key of a type whose text form does not order like it (a float), naming it', async () => {
    await query(db.url, 'CREATE TABLE floatid (id double precision PRIMARY KEY, content text)');
    await expectRefused(
      'floatid',
      /^column public\.floatid\.id is double precision; --id-col must name an integer/,
    );
  });

  it.each([
    ['uuid', 'uuid', 'md5(id::text)::uuid'],
    ['text', 'text', "'doc-' || id"],
    ['varchar', 'varchar(20)', "'k' || (10 - id)"],
  ])('embeds a table with a %s key as with a bigint key', async (name, type, expression) => {
    const table = `key_${name}`;
    await query(db.url, `CREATE TABLE ${table} (id ${type} PRIMARY KEY, content text, ref bigint)`);
    await query(db.url, `INSERT INTO ${table} SELECT ${expression}, content, id FROM reference`);
    await embedTable({ db: db.url, table, model, threads: 1, fetchSize: 2 });
    await expectSameVectors(table, 'ref');
    expect(await embeddingStatus({ db: db.url, table })).toMatchObject({ total: TEXTS.length, pending: 0 });
  });
});

describe('embeddings run: hostile names', () => {
  const names = {
    table: 'Docs "quoted"; DROP TABLE victim; --',
    id: 'Key; SELECT 1',
    text: 'Téxt "col" 🙂',
    vector: 'Vec\'tor"',
  };

  it('quotes every table and column name, never executes one, and works when such a table exists', async () => {
    await query(db.url, 'CREATE TABLE victim (x int)');
    const { table, id, text, vector } = names;
    const q = { table: quoteIdentifier(table), id: quoteIdentifier(id), text: quoteIdentifier(text) };
    await query(db.url, `CREATE TABLE ${q.table} (${q.id} bigint PRIMARY KEY, ${q.text} text, ref bigint)`);
    await query(db.url, `INSERT INTO ${q.table} SELECT id, content, id FROM reference`);
    const target = { table, idColumn: id, textColumn: text, vectorColumn: vector };
    await embedTable({ db: db.url, model, threads: 1, ...target });
    expect(await query(db.url, 'SELECT to_regclass($1) AS t', ['victim'])).toEqual([{ t: 'victim' }]);
    await expectSameVectors(table, 'ref', vector);
    expect(await embeddingStatus({ db: db.url, ...target })).toMatchObject({
      total: TEXTS.length,
      pending: 0,
    });
    const { hits } = await searchTable({ db: db.url, model, query: TEXTS[1]!, k: 1, ...target });
    expect(hits[0]).toMatchObject({ text: TEXTS[1] });
  });

  it('takes a schema-qualified mixed-case table, and names the case when only that is wrong', async () => {
    await query(db.url, 'CREATE SCHEMA "Ärchive"');
    await query(
      db.url,
      'CREATE TABLE "Ärchive"."MixedCase" (id bigint PRIMARY KEY, content text, ref bigint)',
    );
    await query(db.url, 'INSERT INTO "Ärchive"."MixedCase" SELECT id, content, id FROM reference');
    await run('Ärchive.MixedCase');
    await expectSameVectors('Ärchive.MixedCase', 'ref');
    await query(db.url, 'CREATE TABLE lowered (id bigint PRIMARY KEY, content text)');
    await expect(run('Lowered')).rejects.toThrow(
      /^table Lowered does not exist \(names are exact: did you mean lowered\?\)$/,
    );
  });

  it('keeps the side tables of a long table name apart (PostgreSQL cuts names at 63 bytes)', async () => {
    const table = `ü${'long_name_'.repeat(6)}`;
    await query(
      db.url,
      `CREATE TABLE ${quoteIdentifier(table)} (id bigint PRIMARY KEY, content text, ref bigint)`,
    );
    await query(db.url, `INSERT INTO ${quoteIdentifier(table)} SELECT id, content, id FROM reference`);
    await run(table);
    await expectSameVectors(table, 'ref');
    const errors = sideName(table, '_embedding_errors');
    const claims = sideName(table, '_embedding_claims');
    expect(Buffer.byteLength(errors)).toBeLessThanOrEqual(63);
    expect(errors).not.toBe(claims);
    const found = await query<{ n: string }>(
      db.url,
      'SELECT count(*) AS n FROM pg_class WHERE relname = ANY($1::text[])',
      [[errors, claims]],
    );
    expect(found[0]!.n).toBe('2');
  });

  it('refuses a name with a NUL character as bad input', async () => {
    await expect(run('docs', { textColumn: 'a\0b' })).rejects.toMatchObject({
      kind: 'input',
      message: '--text-col "a\\u0000b" contains a NUL character',
    });
  });
});

/** Every row of `table` has the vector `reference` has for the same text (joined on `refColumn`). */
async function expectSameVectors(table: string, refColumn = 'id', vectorColumn = 'embedding'): Promise<void> {
  const parts = table.split('.');
  const t = quoteTable(parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : table);
  const rows = await query<{ a: number[] | null; b: number[] | null }>(
    db.url,
    `SELECT r.embedding AS a, t.${quoteIdentifier(vectorColumn)} AS b
       FROM reference r JOIN ${t} t ON t.${quoteIdentifier(refColumn)} = r.id`,
  );
  expect(rows).toHaveLength(TEXTS.length);
  for (const row of rows) {
    expect(row.a).not.toBeNull();
    expect(row.b).toEqual(row.a);
  }
}
