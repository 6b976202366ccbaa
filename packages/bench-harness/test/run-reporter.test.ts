import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RunReporter, formatRunSummary } from '../src/index.js';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('./fixtures/report-demo.ts', import.meta.url));
const node = ['node', '--import', 'tsx', demo];

describe('RunReporter in a real process', () => {
  it('draws a progress bar when stderr is a terminal', async () => {
    // script(1) gives the child a pseudo-terminal, as a person's shell would.
    const { stdout } = await run('script', ['-qec', node.join(' '), '/dev/null']);
    expect(stdout).toContain('encode [');
    expect(stdout).toMatch(/█+/);
    expect(stdout).toContain('40/40 rows');
    expect(stdout).toMatch(/demo run: done in .* peak RSS/);
  });

  it('prints plain progress lines when stderr is piped', async () => {
    const { stdout, stderr } = await run(node[0]!, node.slice(1));
    expect(stdout).toBe('');
    expect(stderr).not.toContain('█');
    expect(stderr).toMatch(/^encode: \d+\/40 rows \(\d+%\), \d+ left, [\d.]+ rows\/s, ETA /m);
    expect(stderr).toMatch(/demo run: done in/);
    expect(stderr).toContain('checkpoints=4');
  });

  it('prints nothing with --quiet', async () => {
    const { stdout, stderr } = await run(node[0]!, [...node.slice(1), '--quiet']);
    expect(stdout + stderr).toBe('');
  });

  it('emits one JSON object on stdout with --json', async () => {
    const { stdout } = await run(node[0]!, [...node.slice(1), '--json']);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(report).toMatchObject({
      name: 'demo run',
      status: 'ok',
      counters: { checkpoints: 4 },
      phases: [{ name: 'encode', items: 40, unit: 'rows' }],
    });
    expect(report.peakRssBytes).toBeGreaterThan(1 << 20);
  });
});

describe('RunReporter', () => {
  function capture() {
    const chunks: string[] = [];
    return { chunks, target: { write: (s: string) => chunks.push(s), isTTY: false } };
  }

  it('times phases, counts, and records a failure', async () => {
    const err = capture();
    const reporter = new RunReporter({ name: 'job', stderr: err.target, progress: 'none' });
    await reporter.phase('sleep', () => new Promise((resolve) => setTimeout(resolve, 30)));
    await expect(
      reporter.phase('explode', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    reporter.count('rows', 5);
    reporter.count('rows', 2);
    const report = reporter.finish(new Error('boom'));
    expect(report.status).toBe('failed');
    expect(report.error).toBe('boom');
    expect(report.counters).toEqual({ rows: 7 });
    expect(report.phases.map((p) => p.name)).toEqual(['sleep', 'explode']);
    expect(report.phases[0]!.wallMs).toBeGreaterThanOrEqual(25);
    expect(err.chunks.join('')).toBe(formatRunSummary(report));
    expect(err.chunks.join('')).toContain('job: FAILED (boom)');
    expect(reporter.finish()).toBe(report);
  });
});
