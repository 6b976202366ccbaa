import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '@prepkit/db-cursors';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY: false },
    },
  };
}

describe('parseArgs', () => {
  it('maps build flags onto the library options, with defaults', () => {
    expect(parseArgs(['build', '--input', 'a.parquet', 'b/*.parquet', '--output', 'out'])).toEqual({
      command: 'build',
      json: false,
      quiet: false,
      options: {
        input: ['a.parquet', 'b/*.parquet'],
        output: 'out',
        mode: 'streaming',
        memoryLimitGb: 2,
        groupBy: 'src_addr',
        orderBy: 'event_time',
        testFraction: 0.1,
        seed: 0,
        shards: 1,
        compression: 'zstd',
      },
    });
    expect(
      parseArgs([
        'build',
        '--input',
        'x',
        '--output',
        'o',
        '--mode',
        'parallel',
        '--workers',
        '3',
        '--memory-limit-gb',
        '1.5',
        '--group-by',
        'prb_id',
        '--test-fraction',
        '0.2',
        '--seed',
        '7',
        '--compression',
        'snappy',
        '--json',
      ]),
    ).toMatchObject({
      json: true,
      options: {
        mode: 'parallel',
        workers: 3,
        memoryLimitGb: 1.5,
        groupBy: 'prb_id',
        testFraction: 0.2,
        seed: 7,
        compression: 'snappy',
      },
    });
  });

  it.each([
    [['build', '--output', 'o'], "required option '--input <glob...>' not specified"],
    [
      ['build', '--input', 'x', '--output', 'o', '--mode', 'fast'],
      "option '--mode <mode>' argument 'fast' is invalid",
    ],
    [['build', '--input', 'x', '--output', 'o', '--workers', '0'], 'must be a positive integer'],
    [['build', '--input', 'x', '--output', 'o', '--test-fraction', '2'], 'must be a number from 0 to 1'],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('returns help text for --help and no command', () => {
    expect(parseArgs(['--help'])).toMatchObject({
      command: 'help',
      text: expect.stringContaining('probe-rows build --input') as unknown,
    });
    expect(parseArgs([])).toMatchObject({ command: 'help' });
  });
});

describe('main', () => {
  it('generates, builds, and inspects, with exit code 0', async () => {
    const data = join(dir, 'm.parquet');
    const a = io();
    expect(
      await main(
        ['generate', '--measurements', '3000', '--probes', '90', '--output', data, '--seed', '2'],
        a.io,
      ),
    ).toBe(0);
    const b = io();
    expect(
      await main(['build', '--input', data, '--output', join(dir, 'out'), '--json', '--workers', '1'], b.io),
    ).toBe(0);
    const report = JSON.parse(b.out.join('')) as { status: string; counters: Record<string, number> };
    expect(report.status).toBe('ok');
    expect(report.counters.train_probes! + report.counters.test_probes!).toBe(90);
    expect(report.counters.train_measurements! + report.counters.test_measurements!).toBe(3000);
    const c = io();
    expect(await main(['inspect', join(dir, 'out')], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/train\.array_record: \d+ records \(probes\), \d+ measurements/);
    expect(c.out.join('')).toContain('manifest.json: 2 files match');
  }, 60_000);

  it('exits 2 with one line for bad input', async () => {
    const r = io();
    expect(
      await main(['build', '--input', join(dir, 'none-*.parquet'), '--output', join(dir, 'x')], r.io),
    ).toBe(2);
    expect(r.err.join('')).toMatch(
      /^probe-rows: cannot read the input .*No files found that match the pattern.*\n$/,
    );
    const u = io();
    expect(await main(['build', '--input', 'x'], u.io)).toBe(2);
    expect(u.err.join('')).toBe("probe-rows: required option '--output <dir>' not specified\n");
  });

  it('imports RIPE Atlas ping results, old and new firmware, failed pings as NULL', async () => {
    const results = join(dir, 'atlas.jsonl');
    await writeFile(
      results,
      [
        '{"af":4,"avg":12.5,"dst_addr":"193.0.14.129","from":"1.2.3.4","fw":4790,"max":13.1,"min":11.9,"msm_id":1001,"prb_id":6001,"rcvd":3,"sent":3,"src_addr":"192.168.1.2","timestamp":1700000000,"ttl":55,"type":"ping"}',
        '{"avg":-1,"dst_addr":"193.0.14.129","from":"1.2.3.5","max":-1,"min":-1,"msm_id":1001,"prb_id":6002,"rcvd":0,"sent":3,"src_addr":"10.0.0.2","timestamp":1700000060,"type":"ping"}',
        '{"addr":"193.0.14.129","srcaddr":"10.0.0.9","prb_id":"6003","timestamp":"1700000120","msm_id":"1001","min":"10.5","avg":"11","max":"12","sent":"3","rcvd":"3","fw":1}',
      ].join('\n'),
    );
    const out = join(dir, 'atlas.parquet');
    const r = io();
    expect(await main(['import-atlas', results, '--output', out, '--json'], r.io)).toBe(0);
    expect(JSON.parse(r.out.join(''))).toEqual({ rows: 3, failedPings: 1 });
    await using db = await openDuckDB();
    const rows = await db.rows(
      'SELECT prb_id::INTEGER AS prb, src_addr, dst_addr, epoch(event_time)::INTEGER AS t, rtt_avg, ttl FROM read_parquet($1) ORDER BY prb_id',
      [out],
    );
    expect(rows).toEqual([
      { prb: 6001, src_addr: '192.168.1.2', dst_addr: '193.0.14.129', t: 1700000000, rtt_avg: 12.5, ttl: 55 },
      { prb: 6002, src_addr: '10.0.0.2', dst_addr: '193.0.14.129', t: 1700000060, rtt_avg: null, ttl: null },
      { prb: 6003, src_addr: '10.0.0.9', dst_addr: '193.0.14.129', t: 1700000120, rtt_avg: 11, ttl: null },
    ]);
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"prb_id":1,"timestamp":1}\n{"prb_id":2, broken\n');
    const e = io();
    expect(await main(['import-atlas', bad, '--output', join(dir, 'bad.parquet')], e.io)).toBe(2);
    expect(e.err.join('')).toMatch(
      /^probe-rows: cannot import .*bad\.jsonl: .*Malformed JSON in file ".*bad\.jsonl", at byte \d+ in line \d+/,
    );
  });
});
