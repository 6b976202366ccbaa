import { watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB } from '@prepkit/db-cursors';
import { main } from '../src/cli/main.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { DEFAULT_BUILD_OPTIONS } from '../src/index.js';
import { capture } from './capture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('parseArgs', () => {
  it('passes only the build flags the user gave, so the library defaults apply', () => {
    expect(parseArgs(['build', '--input', 'a.parquet', 'b/*.parquet', '--output', 'out'])).toEqual({
      command: 'build',
      json: false,
      quiet: false,
      options: { input: ['a.parquet', 'b/*.parquet'], output: 'out', overwrite: false },
    });
    expect(
      parseArgs([
        'build',
        '--input',
        'x',
        '--output',
        'o',
        '--overwrite',
        '--mode',
        'parallel',
        '--threads',
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
        '-q',
      ]),
    ).toMatchObject({
      json: true,
      quiet: true,
      options: {
        overwrite: true,
        mode: 'parallel',
        threads: 3,
        memoryLimitGb: 1.5,
        groupBy: 'prb_id',
        testFraction: 0.2,
        seed: 7,
        compression: 'snappy',
      },
    });
  });

  it('takes --workers as a hidden alias of --threads', () => {
    expect(parseArgs(['build', '--input', 'x', '--output', 'o', '--workers', '2'])).toMatchObject({
      options: { threads: 2 },
    });
    const help = parseArgs(['build', '--help']);
    expect(help).toMatchObject({ command: 'help' });
    const text = (help as { text: string }).text;
    expect(text).toContain('--threads <n>');
    expect(text).not.toContain('--workers');
  });

  it("shows the library's defaults in --help", () => {
    const { text } = parseArgs(['build', '--help']) as { text: string };
    const d = DEFAULT_BUILD_OPTIONS;
    expect(text).toMatch(new RegExp(`limit in GiB[^(]*\\(default: ${d.memoryLimitGb}\\)`));
    expect(text).toMatch(new RegExp(`\\(default: ${d.threads}\\)`));
    expect(text).toContain(`(default: ${d.mode})`);
    expect(text).toContain(`(default: ${d.testFraction})`);
  });

  it.each([
    [['build', '--output', 'o'], "required option '--input <glob...>' not specified"],
    [
      ['build', '--input', 'x', '--output', 'o', '--mode', 'fast'],
      "option '--mode <mode>' argument 'fast' is invalid",
    ],
    [['build', '--input', 'x', '--output', 'o', '--threads', '0'], 'must be a positive integer'],
    [['build', '--input', 'x', '--output', 'o', '--test-fraction', '2'], 'must be a number from 0 to 1'],
    [['generate', '--measurements', '5', '--probes', '2', '--output', 'x', '--seed', '-1'], 'non-negative'],
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
    const a = capture();
    expect(
      await main(
        ['generate', '--measurements', '3000', '--probes', '90', '--output', data, '--seed', '2'],
        a.io,
      ),
    ).toBe(0);
    expect(a.err.join('')).toBe(`wrote 3000 measurements of 90 probes to ${data}\n`);
    const b = capture();
    const out = join(dir, 'out');
    expect(await main(['build', '--input', data, '--output', out, '--json', '--threads', '1'], b.io)).toBe(0);
    const report = JSON.parse(b.out.join('')) as { status: string; counters: Record<string, number> };
    expect(report.status).toBe('ok');
    expect(report.counters.train_probes! + report.counters.test_probes!).toBe(90);
    expect(report.counters.train_measurements! + report.counters.test_measurements!).toBe(3000);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      config: Record<string, unknown>;
      phases: { name: string; items: number }[];
    };
    expect(manifest.phases.map((p) => p.name)).toEqual(['sort', 'plan', 'encode']);
    expect(manifest.phases.at(-1)!.items).toBe(3000);
    expect(manifest.config).toMatchObject({ threads: 1, mode: 'streaming' });
    expect(Object.keys(manifest.config)).not.toContain('reporter');
    const c = capture();
    expect(await main(['inspect', out], c.io)).toBe(0);
    expect(c.out.join('')).toMatch(/train\.array_record: \d+ records \(probes\), \d+ measurements/);
    expect(c.out.join('')).toContain('manifest.json: 2 files match');
  }, 60_000);

  it('inspect says an output without manifest.json is incomplete, and one whose files differ is corrupt', async () => {
    const data = join(dir, 'inspect.parquet');
    expect(
      await main(
        ['generate', '--measurements', '300', '--probes', '9', '--output', data, '-q'],
        capture().io,
      ),
    ).toBe(0);
    const out = join(dir, 'inspect-out');
    expect(await main(['build', '--input', data, '--output', out, '-q'], capture().io)).toBe(0);
    // What a kill between the files' commit and the manifest's leaves.
    await rename(join(out, 'manifest.json'), join(dir, 'inspect-manifest.json'));
    const incomplete = capture();
    expect(await main(['inspect', out], incomplete.io)).toBe(2);
    expect(incomplete.out.join('')).toContain(
      'manifest.json: missing: this output is INCOMPLETE (a build was interrupted or is still running)',
    );
    expect(incomplete.out.join('')).not.toContain('MISMATCH');
    const json = capture();
    expect(await main(['inspect', out, '--json'], json.io)).toBe(2);
    expect(JSON.parse(json.out.join(''))).toMatchObject({ status: 'incomplete', manifest: null });
    await rename(join(dir, 'inspect-manifest.json'), join(out, 'manifest.json'));
    await writeFile(join(out, 'test.array_record'), 'not these bytes');
    const corrupt = capture();
    expect(await main(['inspect', out], corrupt.io)).toBe(2);
    expect(corrupt.out.join('')).toMatch(/^manifest\.json: MISMATCH \(corrupt\): .*test\.array_record/m);
  });

  it('build exits 2 with one line when --output names an existing file', async () => {
    const data = join(dir, 'small.parquet');
    expect(
      await main(['generate', '--measurements', '50', '--probes', '3', '--output', data, '-q'], capture().io),
    ).toBe(0);
    const file = join(dir, 'plain-file');
    await writeFile(file, 'x');
    const r = capture();
    expect(await main(['build', '--input', data, '--output', file], r.io)).toBe(2);
    expect(r.err).toEqual([`probe-rows: ${file}: a file stands where a directory is needed\n`]);
  });

  it('refuses to replace an output without --overwrite', async () => {
    const data = join(dir, 'twice.parquet');
    const args = ['generate', '--measurements', '100', '--probes', '5', '--output', data, '-q'];
    expect(await main(args, capture().io)).toBe(0);
    const again = capture();
    expect(await main(args, again.io)).toBe(2);
    expect(again.err).toEqual([`probe-rows: ${data} exists; pass --overwrite to replace it\n`]);
    expect(await main([...args, '--overwrite', '--seed', '1'], capture().io)).toBe(0);
  });

  it.each([
    [['build', '--input', 'x', '--output', 'o', '--frobnicate'], "probe-rows: unknown option '--frobnicate'"],
    [['build', '--input', 'x'], "probe-rows: required option '--output <dir>' not specified"],
    [['inspect', '/nonexistent/out'], 'probe-rows: /nonexistent/out does not exist'],
  ])('exits 2 with one line for %j', async (argv, line) => {
    const r = capture();
    expect(await main(argv, r.io)).toBe(2);
    expect(r.err).toEqual([`${line}\n`]);
    expect(r.out).toEqual([]);
  });

  it('exits 2 with one line naming a missing input file', async () => {
    const r = capture();
    const missing = join(dir, 'none-*.parquet');
    expect(await main(['build', '--input', missing, '--output', join(dir, 'x')], r.io)).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(
      /^probe-rows: cannot read the input .*none-\*\.parquet: .*No files found that match the pattern.*\n$/,
    );
  });

  it('exits 130 when interrupted, leaving no file under the final name or a temporary one', async () => {
    const controller = new AbortController();
    const sub = join(dir, 'interrupted');
    const output = join(sub, 'big.parquet');
    await mkdir(sub);
    // Abort once the run has begun writing: when its temporary file appears.
    const watcher = watch(sub, () => controller.abort());
    const r = capture(controller.signal);
    const run = main(['generate', '--measurements', '5000000', '--probes', '1000', '--output', output], r.io);
    try {
      expect(await run).toBe(130);
    } finally {
      watcher.close();
    }
    expect(r.err).toEqual(['probe-rows: interrupted; no output was left behind\n']);
    expect(await readdir(sub)).toEqual([]);
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
    const r = capture();
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
    const e = capture();
    const badOut = join(dir, 'bad.parquet');
    expect(await main(['import-atlas', bad, '--output', badOut], e.io)).toBe(2);
    expect(e.err).toHaveLength(1);
    expect(e.err[0]).toMatch(
      /^probe-rows: cannot import .*bad\.jsonl: .*Malformed JSON in file ".*bad\.jsonl", at byte \d+ in line \d+/,
    );
    expect((await readdir(dir)).filter((f) => f.includes('bad.parquet'))).toEqual([]);
  });
});
