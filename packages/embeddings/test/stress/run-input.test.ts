// Guards against bad input ending in a stack trace, a silent wrong result or a half-changed table: a corpus of
// bad tables and model folders, each with its outcome pinned (the right vectors and error rows, or exit 2 with
// one line naming table, column or file and what is wrong, and the table left as it was); table and column
// names with quotes, semicolons, mixed case and Unicode through every flag that names one; and a known
// database password that must appear in nothing a run prints.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdentifier } from '@prepkit/db-cursors';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, startCli } from '../helpers.js';
import { runFixture } from './run-fixture.js';
import type { RunFixture } from './run-fixture.js';

const db = useTestDatabase();
let f: RunFixture;
let dir: string;

beforeAll(async () => {
  f = await runFixture(db.url);
  dir = await mkdtemp(join(tmpdir(), 'embeddings-input-'));
});
afterAll(async () => {
  await f?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The table's columns and the relations beside it, to show that a refused run changed nothing. */
async function shape(table: string): Promise<string[]> {
  const rows = await query<{ what: string }>(
    db.url,
    `SELECT 'column ' || attname AS what FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0
     UNION ALL SELECT 'relation ' || relname FROM pg_class WHERE relname LIKE $2 ORDER BY 1`,
    [quoteIdentifier(table), `${table}%`],
  );
  return rows.map((r) => r.what);
}

/** A copy of the test model with `change` applied to it. */
async function brokenModel(name: string, change: (model: string) => Promise<void>): Promise<string> {
  const model = join(dir, name);
  await cp(f.model, model, { recursive: true });
  await change(model);
  return model;
}

interface Refusal {
  readonly name: string;
  readonly table: string;
  readonly setup?: string;
  readonly args?: () => Promise<string[]>;
  /** The whole stderr line after `embeddings: `. */
  readonly message: () => RegExp;
}

const refusals: Refusal[] = [
  {
    name: 'a duplicate key',
    table: 'dup_key',
    setup:
      "CREATE TABLE dup_key (id bigint, content text); INSERT INTO dup_key VALUES (1, 'a'), (1, 'b'), (2, 'c')",
    message: () =>
      /^table public\.dup_key: --id-col id is not unique \(1 is on 2 rows\); the key must be unique and not null/,
  },
  {
    name: 'a NULL key',
    table: 'null_key',
    setup:
      "CREATE TABLE null_key (id bigint, content text); INSERT INTO null_key VALUES (1, 'a'), (NULL, 'b')",
    message: () =>
      /^table public\.null_key: --id-col id is NULL in 1 row; the key must be unique and not null/,
  },
  {
    name: 'an integer text column',
    table: 'int_text',
    setup:
      'CREATE TABLE int_text (id bigint PRIMARY KEY, content integer); INSERT INTO int_text VALUES (1, 7)',
    message: () =>
      /^column public\.int_text\.content is integer; --text-col must name a text or varchar column$/,
  },
  {
    name: 'a bytea text column',
    table: 'bytea_text',
    setup:
      "CREATE TABLE bytea_text (id bigint PRIMARY KEY, content bytea); INSERT INTO bytea_text VALUES (1, '\\x00ff')",
    message: () =>
      /^column public\.bytea_text\.content is bytea; --text-col must name a text or varchar column$/,
  },
  {
    name: 'a float key',
    table: 'float_key',
    setup:
      "CREATE TABLE float_key (id real PRIMARY KEY, content text); INSERT INTO float_key VALUES (0.5, 'a')",
    message: () =>
      /^column public\.float_key\.id is real; --id-col must name an integer, numeric, uuid or text key$/,
  },
  {
    name: 'a vector column of the wrong type',
    table: 'text_vector',
    setup:
      "CREATE TABLE text_vector (id bigint PRIMARY KEY, content text, embedding text); INSERT INTO text_vector VALUES (1, 'a', NULL)",
    message: () =>
      /^column public\.text_vector\.embedding is text; --vector-col must name a real\[\] or vector\(n\) column/,
  },
  {
    name: 'a missing table',
    table: 'no_such_table',
    message: () => /^table no_such_table does not exist$/,
  },
  {
    name: 'a missing column',
    table: 'no_body',
    setup: "CREATE TABLE no_body (id bigint PRIMARY KEY, content text); INSERT INTO no_body VALUES (1, 'a')",
    args: () => Promise.resolve(['--text-col', 'body']),
    message: () => /^table public\.no_body has no column body \(--text-col; columns: id, content\)$/,
  },
  {
    name: 'a model folder without tokenizer.json',
    table: 'no_tokenizer',
    setup:
      "CREATE TABLE no_tokenizer (id bigint PRIMARY KEY, content text); INSERT INTO no_tokenizer VALUES (1, 'a')",
    args: async () => ['--model', await brokenModel('no-tokenizer', (m) => rm(join(m, 'tokenizer.json')))],
    message: () => new RegExp(`^${join(dir, 'no-tokenizer')}: no tokenizer\\.json$`),
  },
  {
    name: 'a corrupt model.onnx',
    table: 'corrupt_model',
    setup:
      "CREATE TABLE corrupt_model (id bigint PRIMARY KEY, content text); INSERT INTO corrupt_model VALUES (1, 'a')",
    args: async () => [
      '--model',
      await brokenModel('corrupt', (m) => writeFile(join(m, 'model.onnx'), Buffer.alloc(4096, 0x5a))),
    ],
    message: () => /corrupt: ONNX Runtime cannot load the model: .+/,
  },
  {
    name: 'a tokenizer.json that is not JSON',
    table: 'bad_tokenizer',
    setup:
      "CREATE TABLE bad_tokenizer (id bigint PRIMARY KEY, content text); INSERT INTO bad_tokenizer VALUES (1, 'a')",
    args: async () => [
      '--model',
      await brokenModel('bad-tokenizer', (m) => writeFile(join(m, 'tokenizer.json'), '{"model": ')),
    ],
    message: () => /bad-tokenizer: tokenizer\.json is not valid JSON: .+/,
  },
  {
    name: 'a missing model folder',
    table: 'no_model',
    setup:
      "CREATE TABLE no_model (id bigint PRIMARY KEY, content text); INSERT INTO no_model VALUES (1, 'a')",
    args: () => Promise.resolve(['--model', join(dir, 'nowhere')]),
    message: () => /nowhere: no such directory \(make one with `embeddings make-test-model`\)$/,
  },
];

describe('embeddings run', () => {
  it.each(refusals.map((c) => [c.name, c] as const))(
    '[input] %s: exit 2, one line naming it, the table unchanged',
    async (_, c) => {
      if (c.setup !== undefined) for (const sql of c.setup.split('; ')) await query(db.url, sql);
      const before = await shape(c.table);
      const result = await f.start(c.table, ...(c.args === undefined ? [] : await c.args())).exit;
      expect(result.code, result.stderr).toBe(2);
      const lines = result.stderr.split('\n');
      expect(lines, result.stderr).toHaveLength(2);
      expect(lines[0]!.replace(/^embeddings: /, '')).toMatch(c.message());
      expect(await shape(c.table)).toEqual(before);
    },
  );

  it.each(
    [
      {
        name: 'NULL, empty and blank texts',
        texts: [null, '', '  \n\t', 'fine'],
        errors: ['null_text', 'empty_text', 'empty_text'],
      },
      { name: 'a 1 MB text', texts: [`${'word '.repeat(200_000)}end`, 'short'], errors: [], truncated: 1 },
      {
        name: 'text that was not valid UTF-8 (U+FFFD)',
        texts: ['bad \uFFFD byte', 'good'],
        errors: ['invalid_utf8'],
      },
      { name: 'an empty table', texts: [], errors: [] },
    ].map((c) => [c.name, c] as const),
  )('[input] %s: embedded or recorded as errors, exit 0', async (_, { name, texts, errors, truncated }) => {
    const table = `texts_${name.replace(/\W+/g, '_').toLowerCase()}`.slice(0, 40);
    await query(db.url, `CREATE TABLE ${table} (id bigint PRIMARY KEY, content text)`);
    await query(
      db.url,
      `INSERT INTO ${table} SELECT i, t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)`,
      [texts],
    );
    const result = await f.start(table).exit;
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { counters: Record<string, number> };
    expect(report.counters.rows).toBe(texts.length - errors.length);
    expect(report.counters.errors).toBe(errors.length);
    if (truncated !== undefined) expect(report.counters.truncated).toBe(truncated);
    const recorded = await query<{ reason: string }>(
      db.url,
      `SELECT reason FROM ${table}_embedding_errors ORDER BY id`,
    );
    expect(recorded.map((r) => r.reason)).toEqual(errors);
    const embedded = await f.count(`SELECT count(*) AS n FROM ${table} WHERE cardinality(embedding) = 32`);
    expect(embedded).toBe(texts.length - errors.length);
  });

  it('[names] every flag naming a table or column takes quotes, semicolons, mixed case and Unicode, quoted', async () => {
    const names = {
      table: 'Tèxts "q"; DROP TABLE victim; --',
      id: 'Ïd; SELECT 1',
      text: 'Body "b" 🙂',
      vector: "Vec'tor",
    };
    await query(db.url, 'CREATE TABLE victim (x int)');
    const q = {
      table: quoteIdentifier(names.table),
      id: quoteIdentifier(names.id),
      text: quoteIdentifier(names.text),
    };
    await query(db.url, `CREATE TABLE ${q.table} (${q.id} bigint PRIMARY KEY, ${q.text} text)`);
    await query(db.url, `INSERT INTO ${q.table} SELECT id, content FROM reference WHERE id <= 200`);
    const flags = ['--id-col', names.id, '--text-col', names.text, '--vector-col', names.vector];
    const run = await f.start(names.table, ...flags).exit;
    expect(run.code, run.stderr).toBe(0);
    const status = await startCli(['status', '--table', names.table, ...flags, '--json'], db.url).exit;
    expect(JSON.parse(status.stdout)).toMatchObject({ total: 200, pending: 0 });
    const search = await startCli(
      ['search', '--table', names.table, ...flags, '--model', f.model, '-k', '1', '--json', 'database'],
      db.url,
    ).exit;
    expect((JSON.parse(search.stdout) as { hits: unknown[] }).hits).toHaveLength(1);
    // Same vectors as the reference run for the same texts, and the victim still there.
    const same = await f.count(
      `SELECT count(*) AS n FROM ${q.table} t JOIN reference r ON r.id = t.${q.id}
        WHERE t.${quoteIdentifier(names.vector)} IS NOT DISTINCT FROM r.embedding`,
    );
    expect(same).toBe(200);
    expect(await f.count("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'victim'")).toBe(1);
    // A name that does not exist is shown quoted in one line, not run.
    const missing = await f.start('x"; DROP TABLE victim; --\nnext').exit;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('embeddings: table "x\\"; DROP TABLE victim; --\\nnext" does not exist\n');
  });

  it('[secrets] the database password appears in nothing a failing or a succeeding run prints', async () => {
    const password = decodeURIComponent(new URL(db.url).password);
    expect(password.length).toBeGreaterThan(3);
    const ok = await f.start('reference', '--retry-errors').exit;
    expect(ok.code, ok.stderr).toBe(0);
    const failing = await f.start('no_such_table_either').exit;
    expect(failing.code).toBe(2);
    const viaFlag = await startCli(
      [...f.runArgs('no_such_table_either'), '--db', db.url],
      'postgresql://x@127.0.0.1:1/x',
    ).exit;
    expect(viaFlag.code).toBe(2);
    const status = await startCli(['status', '--table', 'reference', '--json'], db.url).exit;
    expect(status.code).toBe(0);
    for (const output of [ok, failing, viaFlag, status]) {
      expect(output.stdout + output.stderr).not.toContain(password);
      expect(output.stdout + output.stderr).not.toContain(encodeURIComponent(password));
    }
  });
});
