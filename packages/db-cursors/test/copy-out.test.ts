import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyOut, copyOutRows, createPool } from '../src/index.js';
import { useTestDatabase } from '../src/testing/index.js';
import { CopyTextParser } from '../src/pg/copy-text-parser.js';
import { CopyBinaryParser } from '../src/pg/copy-binary-parser.js';
import { columnKind } from '../src/pg/copy-columns.js';

const db = useTestDatabase();
let pool: pg.Pool;

const AWKWARD = [
  '',
  'plain',
  'it\'s "quoted"',
  'tab\there',
  'new\nline\r\nand CR',
  'back\\slash \\N \\t literally',
  'ünïcødé — 漢字 — 🧪🔥',
  '\\',
  'trailing space ',
  '$1 is not a parameter',
];

beforeAll(async () => {
  pool = createPool(db.url);
  await pool.query(`
    CREATE TABLE awkward (id int PRIMARY KEY, body text, flag bool, big bigint, small smallint, ratio float8, at timestamptz,
                          amount numeric, tags text[], doc jsonb, day date)`);
  for (const [i, body] of AWKWARD.entries()) {
    await pool.query('INSERT INTO awkward VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      i,
      body,
      i % 2 === 0,
      `${9007199254740993n + BigInt(i)}`,
      -i,
      i / 3,
      new Date(Date.UTC(2024, 0, 1 + i, 12, 30, 15, 250)),
      '12345678901234567890.5',
      [body, 'x y', null],
      { body, n: i },
      '2024-02-29',
    ]);
  }
  await pool.query('INSERT INTO awkward (id) VALUES (100)'); // every other column NULL
});
afterAll(() => pool.end());

describe('copyOut', () => {
  it('returns exactly what a plain query returns, for every awkward value and NULLs', async () => {
    const expected = (await pool.query('SELECT * FROM awkward ORDER BY id')).rows;
    const rows = [];
    for await (const row of copyOutRows(pool, 'SELECT * FROM awkward ORDER BY id', { batchSize: 3 }))
      rows.push(row);
    expect(rows).toEqual(expected);
    expect(rows.map((r) => r.body)).toEqual([...AWKWARD, null]);
  });

  it('yields typed columns in batches of batchSize', async () => {
    const batches = [];
    for await (const batch of copyOut(
      pool,
      'SELECT id, flag, big, ratio, at, body FROM awkward ORDER BY id',
      { batchSize: 4 },
    )) {
      batches.push(batch);
    }
    expect(batches.map((b) => b.length)).toEqual([4, 4, 3]);
    const first = batches[0]!;
    expect(first.columns.map((c) => c.kind)).toEqual([
      'int32',
      'bool',
      'int64',
      'float64',
      'timestamp',
      'text',
    ]);
    expect(Array.from(first.column('id').values as Int32Array)).toEqual([0, 1, 2, 3]);
    expect(Array.from(first.column('flag').values as Uint8Array)).toEqual([1, 0, 1, 0]);
    expect((first.column('big').values as BigInt64Array)[3]).toBe(9007199254740996n);
    expect((first.column('ratio').values as Float64Array)[1]).toBeCloseTo(1 / 3, 15);
    expect((first.column('at').values as Float64Array)[0]).toBe(Date.UTC(2024, 0, 1, 12, 30, 15, 250));
    const last = batches[2]!;
    expect(Array.from(last.column('flag').nulls)).toEqual([0, 0, 1]);
    expect(first.rows<{ big: string }>()[0]!.big).toBe('9007199254740993');
  });

  it('inlines parameters as quoted literals, leaving string literals alone', async () => {
    const rows = [];
    for await (const row of copyOutRows<{ id: number; tag: string }>(
      pool,
      "SELECT id, '$1 stays' AS tag FROM awkward WHERE body = $1 OR id = $2 ORDER BY id;",
      { params: ['it\'s "quoted"', 1] },
    )) {
      rows.push(row);
    }
    expect(rows).toEqual([
      { id: 1, tag: '$1 stays' },
      { id: 2, tag: '$1 stays' },
    ]);
  });

  it('returns bigint columns as BigInt in rows on request', async () => {
    const rows = [];
    for await (const row of copyOutRows<{ big: bigint }>(pool, 'SELECT big FROM awkward WHERE id = 0', {
      int8: 'bigint',
    }))
      rows.push(row);
    expect(rows).toEqual([{ big: 9007199254740993n }]);
  });

  it('names the failing query part', async () => {
    const run = async () => {
      for await (const _ of copyOut(pool, 'SELECT nope FROM awkward')) void _;
    };
    await expect(run()).rejects.toThrow('copyOut: column "nope" does not exist');
  });

  it('leaves the pool usable after the consumer stops early', async () => {
    for await (const batch of copyOut(pool, 'SELECT generate_series(1, 200000) AS n', { batchSize: 1000 })) {
      expect(batch.length).toBe(1000);
      break;
    }
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('copyOut binary format', () => {
  it('reads the same rows as the text format, for every supported type and NULLs', async () => {
    const query = `SELECT id, body, flag, big, small, ratio, at, day::text AS day, (ratio / 7)::real AS r4, doc::json AS doc
                   FROM awkward ORDER BY id`;
    const read = async (format: 'text' | 'binary') => {
      const rows = [];
      for await (const row of copyOutRows(pool, query, { format, batchSize: 4 })) rows.push(row);
      return rows;
    };
    const binary = await read('binary');
    expect(binary).toEqual(await read('text'));
    expect(binary).toHaveLength(AWKWARD.length + 1);
  });

  it('keeps microseconds and the sign of old timestamps', async () => {
    const batches = [];
    for await (const batch of copyOut(
      pool,
      "SELECT timestamptz '2024-03-01 12:34:56.789012+00' AS a, timestamp '1969-07-20 20:17:40.5' AS b",
      { format: 'binary' },
    )) {
      batches.push(batch);
    }
    const [a, b] = batches[0]!.columns.map((c) => (c.values as Float64Array)[0]);
    expect(a).toBeCloseTo(Date.UTC(2024, 2, 1, 12, 34, 56, 789) + 0.012, 6);
    expect(b).toBe(Date.UTC(1969, 6, 20, 20, 17, 40, 500));
  });

  it('refuses columns it has no binary decoder for, naming them', async () => {
    const run = async () => {
      for await (const _ of copyOut(pool, 'SELECT id, amount, tags FROM awkward', { format: 'binary' }))
        void _;
    };
    await expect(run()).rejects.toThrow(
      `copyOut: binary format cannot read column(s) "amount" (type oid 1700), "tags" (type oid 1009); use format: 'text'`,
    );
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});

describe('CopyBinaryParser', () => {
  it('parses the same rows whatever the chunk boundaries', () => {
    const specs = [
      { name: 'n', typeOid: 23, kind: columnKind(23) },
      { name: 's', typeOid: 25, kind: columnKind(25) },
    ];
    const field = (bytes: Buffer | null) => {
      const length = Buffer.alloc(4);
      length.writeInt32BE(bytes === null ? -1 : bytes.length);
      return bytes === null ? length : Buffer.concat([length, bytes]);
    };
    const int = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const tuple = (...fields: Buffer[]) => Buffer.concat([Buffer.from([0, fields.length]), ...fields]);
    const data = Buffer.concat([
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
      Buffer.alloc(8), // flags, header extension length
      tuple(field(int(7)), field(Buffer.from('漢字🧪'))),
      tuple(field(int(-3)), field(null)),
      Buffer.from([0xff, 0xff]),
    ]);
    for (const size of [1, 3, 7, data.length]) {
      const parser = new CopyBinaryParser(specs, 100);
      for (let i = 0; i < data.length; i += size) parser.push(data.subarray(i, i + size));
      const batch = parser.finish()!;
      expect([
        Array.from(batch[0]!.values as Int32Array),
        batch[1]!.values,
        Array.from(batch[1]!.nulls),
      ]).toEqual([
        [7, -3],
        ['漢字🧪', null],
        [0, 1],
      ]);
    }
  });
});

describe('CopyTextParser', () => {
  it('parses the same rows whatever the chunk boundaries', () => {
    const specs = [
      { name: 'n', typeOid: 23, kind: columnKind(23) },
      { name: 's', typeOid: 25, kind: columnKind(25) },
    ];
    const text = Buffer.from('1\ta\\tb\n-22\t\\N\n333\t漢字🧪\\\\\n4\t\\x41\\101\n');
    const bySize = [1, 2, 3, 7, text.length].map((size) => {
      const parser = new CopyTextParser(specs, 100);
      for (let i = 0; i < text.length; i += size) parser.push(text.subarray(i, i + size));
      const batch = parser.finish()!;
      return [Array.from(batch[0]!.values as Int32Array), batch[1]!.values, Array.from(batch[1]!.nulls)];
    });
    for (const result of bySize)
      expect(result).toEqual([
        [1, -22, 333, 4],
        ['a\tb', null, '漢字🧪\\', 'AA'],
        [0, 1, 0, 0],
      ]);
  });

  it('rejects a row with the wrong number of fields, naming it', () => {
    const parser = new CopyTextParser(
      [
        { name: 'a', typeOid: 25, kind: 'text' },
        { name: 'b', typeOid: 25, kind: 'text' },
      ],
      10,
    );
    expect(() => parser.push(Buffer.from('x\ty\nonly-one\n'))).toThrow(
      'COPY row 2 has 1 field(s), expected 2',
    );
  });
});
