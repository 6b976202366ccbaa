// Guards against a SIGKILL at any moment of `discord-dataset prepare` costing the user anything: at 24 points (20
// seeded along the load, forest and format+write phases of each read strategy, with one and two threads, and four
// as files appear), into a fresh directory or over an earlier complete output (--overwrite), the output directory
// holds a manifest that verifies or none at all, never new files beside an old manifest; a rerun of the same
// command removes the killed run's temporaries and writes the same bytes (sha256) as an uninterrupted run.
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Prng, RunReporter } from '@prepkit/bench-harness';
import { useTestDatabase } from '@prepkit/db-cursors/testing';
import { OutputExistsError, verify } from '@prepkit/record-io';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRATEGIES, generateToDatabase, initDatabase, prepareDiscordDataset } from '../../src/index.js';
import type { PrepareOptions, Strategy } from '../../src/index.js';
import { tempDir } from '../helpers.js';
import { OUTPUT_FILES, SPLIT_FILES, digests, libraryUntil } from './runs.js';
import type { RunEvent } from './runs.js';

const SEEDED = 20;
const PHASES = ['load', 'forest', 'format+write'] as const;

interface KillPoint {
  readonly index: number;
  readonly what: string;
  readonly strategy: Strategy;
  readonly threads: number;
  readonly overwrite: boolean;
  readonly phase?: (typeof PHASES)[number];
  /** Where in the phase's progress lines, as a fraction (resolved once the count is known). */
  readonly progress?: number;
  readonly file?: RegExp;
}

function killPoints(): KillPoint[] {
  const rng = new Prng('discord-dataset prepare kill');
  const seeded = Array.from({ length: SEEDED }, () => ({
    phase: PHASES[Math.floor(rng.next() * PHASES.length)]!,
    progress: rng.next(),
  }));
  const files = [
    { what: 'as the train temporary appears', file: /^\.train\.jsonl\.tmp-/ },
    { what: 'as train.jsonl is committed', file: /^train\.jsonl$/ },
    { what: 'as valid.jsonl is committed', file: /^valid\.jsonl$/ },
    { what: 'as manifest.json is written', file: /^manifest\.json$/ },
  ];
  const points = [
    ...seeded.map((p) => ({ ...p, what: `at ${(100 * p.progress).toFixed(0)}% of ${p.phase}` })),
    ...files,
  ];
  return points.map((p, i) => ({
    ...p,
    index: i + 1,
    strategy: STRATEGIES[i % STRATEGIES.length]!,
    threads: 1 + (Math.floor(i / STRATEGIES.length) % 2),
    overwrite: i % 2 === 1,
  }));
}

const db = useTestDatabase();
let dir: string;
let reference: Record<string, string>;
let previous: string;
/** Progress lines per strategy and phase in an uninterrupted run. */
const lines = new Map<string, number>();

function options(
  point: Pick<KillPoint, 'strategy' | 'threads' | 'overwrite'>,
  output: string,
): PrepareOptions {
  return {
    db: db.url,
    train: join(output, 'train.jsonl'),
    valid: join(output, 'valid.jsonl'),
    strategy: point.strategy,
    threads: point.threads,
    parallelMinMessages: 0,
    batchSize: 10,
    overwrite: point.overwrite,
  };
}

beforeAll(async () => {
  dir = await tempDir('discord-dataset-kill-');
  await initDatabase(db.url);
  await generateToDatabase({ db: db.url, messages: 1200, channels: 3, seed: 'kill' });
  // The uninterrupted run, once per strategy, counting each phase's progress lines.
  for (const strategy of STRATEGIES) {
    const reporter = new RunReporter({
      name: 'reference',
      progress: 'lines',
      progressIntervalMs: 0,
      stderr: {
        write: (line: string) => {
          const phase = line.slice(0, line.indexOf(':'));
          lines.set(`${strategy} ${phase}`, (lines.get(`${strategy} ${phase}`) ?? 0) + 1);
        },
      },
    });
    const output = join(dir, `reference-${strategy}`);
    await prepareDiscordDataset({ ...options({ strategy, threads: 1, overwrite: false }, output), reporter });
    const hashes = await digests(output, SPLIT_FILES);
    reference ??= hashes;
    expect(hashes).toEqual(reference);
  }
  // An earlier complete output with other bytes (another split seed) for the --overwrite points.
  previous = join(dir, 'previous');
  await prepareDiscordDataset({
    ...options({ strategy: 'copy', threads: 1, overwrite: false }, previous),
    seed: 'earlier',
  });
  expect(await digests(previous, SPLIT_FILES)).not.toEqual(reference);
});

describe('discord-dataset prepare', () => {
  const points = killPoints();
  it.each(
    points.map(
      (p) =>
        [
          p.index,
          points.length,
          p.what,
          p.strategy,
          p.threads,
          p.overwrite ? 'over an earlier output' : 'into a fresh directory',
          p,
        ] as const,
    ),
  )(
    '[kill] SIGKILL at point %i of %i: %s (%s, %i thread(s)), %s',
    async (_index, _points, _what, _strategy, _threads, _where, point) => {
      const output = join(dir, `point-${point.index}`);
      if (point.overwrite) await cp(previous, output, { recursive: true });
      else await mkdir(output);
      let event: RunEvent = { file: point.file };
      if (point.phase !== undefined) {
        const total = lines.get(`${point.strategy} ${point.phase}`) ?? 0;
        expect(total).toBeGreaterThan(0);
        event = { phase: `${point.phase}:`, line: Math.max(1, Math.ceil(point.progress! * total)) };
      }
      const killed = await libraryUntil('prepare', options(point, output), output, event, (child) =>
        child.kill('SIGKILL'),
      );
      // Reached and killed, or (a commit point on a fast machine) finished before the signal landed.
      if (killed.signal !== 'SIGKILL')
        expect({ code: killed.code, stderr: killed.stderr }).toEqual({ code: 0, stderr: '' });
      expect(killed.reached).toBe(true);

      // A manifest is there only if it matches its files.
      const left = await readdir(output);
      if (left.includes('manifest.json')) expect((await verify(output)).problems).toEqual([]);

      // The same command again.
      const rerun = prepareDiscordDataset(options(point, output));
      if (!point.overwrite && left.includes('manifest.json'))
        await expect(rerun).rejects.toThrow(OutputExistsError);
      else await rerun;
      expect((await readdir(output)).sort()).toEqual([...OUTPUT_FILES]);
      expect((await verify(output)).ok).toBe(true);
      expect(await digests(output, SPLIT_FILES)).toEqual(reference);
    },
  );
});
