import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quietProgram } from '@prepkit/bench-harness/cli';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueSupported } from '../src/index.js';
import { addClusterCommands, runClusterCommand } from '../src/cli.js';
import type { ClusterCommand } from '../src/cli.js';
import { toyRun } from './fixtures/toy-run.js';
import { manifestOutputs } from './helpers.js';

const db = useTestDatabase();

/** The toy run's command line, as a pipeline's CLI would build it. */
function parse(argv: string[], env: Record<string, string> = {}): ClusterCommand {
  let parsed: ClusterCommand | undefined;
  const cli = quietProgram('toy');
  addClusterCommands(
    cli.program,
    {
      buildFlags: (command) =>
        command
          .requiredOption('--dir <dir>', 'output directory')
          .requiredOption('--items <n>', 'items', Number)
          .requiredOption('--shards <n>', 'shards', Number),
      config: (o) => ({ dir: o.dir as string, items: o.items as number, shards: o.shards as number }),
      env,
    },
    (command) => (parsed = command),
  );
  cli.parse(argv);
  return parsed!;
}

function capture() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
    },
  };
}

describe('cluster command lines', () => {
  it('parse the same flags for every pipeline, the database from --db or DATABASE_URL', () => {
    const submit = parse([
      'submit',
      '--dir',
      '/d',
      '--items',
      '9',
      '--shards',
      '3',
      '--db',
      'postgresql://q/x',
    ]);
    expect(submit).toMatchObject({
      command: 'submit',
      db: 'postgresql://q/x',
      config: { dir: '/d', items: 9, shards: 3 },
    });
    const worker = parse(['worker', '--concurrency', '2', '--exit-when-idle', '--heartbeat', '10'], {
      DATABASE_URL: 'postgresql://env/x',
    });
    expect(worker).toMatchObject({
      command: 'worker',
      db: 'postgresql://env/x',
      concurrency: 2,
      exitWhenIdle: true,
      queue: { heartbeatSeconds: 10 },
    });
    expect(() => parse(['status'])).toThrow(/no job queue: pass --db <url> or set DATABASE_URL/);
    expect(() => parse(['worker', '--db', 'x', '--poll-interval', '0'])).toThrow(
      /--poll-interval <s>.*must be a positive number/,
    );
  });

  it.runIf(queueSupported())(
    'worker waits for a database that is not up yet, instead of exiting at once',
    async () => {
      const controller = new AbortController();
      let waited = '';
      const stderr = {
        write(text: string): void {
          waited += text;
          if (waited.includes("waiting for the queue's database")) controller.abort(new Error('interrupted'));
        },
      };
      const refused = 'postgresql://u:pw@127.0.0.1:1/none';
      await expect(
        runClusterCommand('toy', parse(['worker', '--db', refused]), toyRun, {
          stdout: capture().io.stdout,
          stderr,
          signal: controller.signal,
        }),
      ).rejects.toThrow();
      expect(waited).toMatch(
        /^toy worker: waiting for the queue's database: cannot open the job queue at postgresql:\/\/u@127\.0\.0\.1:1\/none: .*ECONNREFUSED/m,
      );
      expect(waited).not.toContain('pw@');
    },
  );

  describe.skipIf(!queueSupported())('against a real queue (skipped: pg-boss needs Node 22.12+)', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'prepkit-cluster-cli-'));
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('submit prints the run id, worker --exit-when-idle works it, status shows it done', async () => {
      const queueFlags = ['--db', db.url, '--queue-schema', 'cli_queue', '--poll-interval', '0.5'];
      const submit = capture();
      const args = ['submit', '--dir', root, '--items', '500', '--shards', '3', ...queueFlags];
      expect(await runClusterCommand('toy', parse(args), toyRun, submit.io)).toBe(0);
      const runId = submit.out.stdout.trim();
      expect(runId).toMatch(/^toy-[0-9a-f]{16}$/);
      expect(submit.out.stderr).toContain(`toy submit: queued run ${runId}`);

      const worker = capture();
      expect(
        await runClusterCommand(
          'toy',
          parse(['worker', '--exit-when-idle', ...queueFlags]),
          toyRun,
          worker.io,
        ),
      ).toBe(0);
      expect(worker.out.stderr).toContain(`${runId} shard 2 done`);
      expect(worker.out.stderr).toContain('idle: 5 done, 0 failed, 0 handed back (peak RSS ');

      const status = capture();
      expect(
        await runClusterCommand('toy', parse(['status', '--run', runId, ...queueFlags]), toyRun, status.io),
      ).toBe(0);
      expect(status.out.stdout).toContain(`${runId}  done  shards 3: 3 done, 0 running, 0 queued, 0 failed`);
      expect(status.out.stdout).toMatch(/shard 1 {2}done {2}attempts 1/);
      expect(await manifestOutputs(root)).toHaveLength(3);

      const again = capture();
      expect(await runClusterCommand('toy', parse([...args, '--wait', '--json']), toyRun, again.io)).toBe(0);
      expect(JSON.parse(again.out.stdout)).toMatchObject({ runId, created: false, state: 'done' });
    });
  });
});
