// Guards against a SIGKILL at any moment of `probe-rows build` costing the user anything: at 30 seeded points
// (12 in sequential, 12 in parallel, 6 in streaming mode), from the scratch directory's creation through the
// encoding to the commit of each file, into a fresh directory or over an earlier complete output (--overwrite),
// the output is either complete (a manifest that verifies) or has no manifest (inspect: incomplete), never new
// files beside an old manifest; a rerun of the same command removes the killed run's temporaries and scratch
// directory and writes the same bytes (sha256) as an uninterrupted run.
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng, RunReporter } from '@prepkit/bench-harness';
import { verify } from '@prepkit/record-io';
import { OutputExistsError, buildProbeRows, generateMeasurements, inspectOutput } from '../../src/index.js';
import type { BuildMode, BuildOptions } from '../../src/index.js';
import { OUTPUT_FILES, SPLIT_FILES, buildUntil, digests } from './build-runs.js';
import type { RunEvent } from './build-runs.js';

/** Points per mode, 30 in all, spread from the start to the commit; streaming shares parallel's encoding path. */
const POINTS: Readonly<Record<BuildMode, number>> = { sequential: 12, parallel: 12, streaming: 6 };
const MODES = ['sequential', 'parallel', 'streaming'] as const;

interface KillPoint extends RunEvent {
  readonly mode: BuildMode;
  readonly index: number;
  readonly what: string;
  /** Where in the encode phase's progress lines, as a fraction (resolved once the count is known). */
  readonly progress?: number;
  /** Over an earlier complete output, with --overwrite (the defect: new files beside the old manifest). */
  readonly overwrite: boolean;
}

/** Two points as the run starts, the rest seeded along the encoding, two during the commit. */
function killPoints(mode: BuildMode): KillPoint[] {
  const rng = new Prng(`probe-rows kill ${mode}`);
  const fractions = Array.from({ length: POINTS[mode] - 4 }, () => rng.next()).sort((a, b) => a - b);
  const points: Omit<KillPoint, 'mode' | 'index' | 'overwrite'>[] = [
    { what: 'as the scratch directory appears', file: /^\.scratch\.tmp-/ },
    { what: 'as the train writer opens', file: /^\.train\.array_record\.tmp-/ },
    ...fractions.map((progress) => ({
      what: `at ${(100 * progress).toFixed(0)}% of the encoding`,
      progress,
    })),
    { what: 'as train.array_record is committed', file: /^train\.array_record$/ },
    { what: 'as test.array_record is committed', file: /^test\.array_record$/ },
  ];
  return points.map((p, i) => ({ ...p, mode, index: i + 1, overwrite: i % 2 === 1 }));
}

let dir: string;
let input: string;
let reference: Record<string, string>;
let previous: string;
const progressLines = new Map<BuildMode, number>();

function options(mode: BuildMode, output: string, overwrite: boolean): BuildOptions {
  return { input, output, mode, overwrite, threads: 2, partitionRows: 150 };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-kill-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 3000, probes: 60, output: input, seed: 5 });
  // The uninterrupted run, once per mode, counting each mode's progress lines.
  for (const mode of MODES) {
    let lines = 0;
    const reporter = new RunReporter({
      name: 'reference',
      progress: 'lines',
      progressIntervalMs: 0,
      stderr: { write: (line: string) => (lines += line.startsWith('encode:') ? 1 : 0) },
    });
    const output = join(dir, `reference-${mode}`);
    await buildProbeRows({ ...options(mode, output, false), reporter });
    progressLines.set(mode, lines);
    const hashes = await digests(output, SPLIT_FILES);
    reference ??= hashes;
    expect(hashes).toEqual(reference);
  }
  // An earlier complete output with other bytes (another split seed) for the --overwrite points.
  previous = join(dir, 'previous');
  await buildProbeRows({ ...options('sequential', previous, false), seed: 9 });
  expect(await digests(previous, SPLIT_FILES)).not.toEqual(reference);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('probe-rows build', () => {
  it.each(
    MODES.flatMap(killPoints).map(
      (p) =>
        [
          p.index,
          POINTS[p.mode],
          p.mode,
          p.what,
          p.overwrite ? 'over an earlier output' : 'into a fresh directory',
          p,
        ] as const,
    ),
  )(
    '[kill] SIGKILL at point %i of %i in %s mode, %s, %s',
    async (_index, _points, _mode, _what, _where, point) => {
      const output = join(dir, `${point.mode}-${point.index}`);
      if (point.overwrite) await cp(previous, output, { recursive: true });
      else await mkdir(output);
      const total = progressLines.get(point.mode)!;
      expect(total).toBeGreaterThanOrEqual(POINTS[point.mode]);
      const event: RunEvent =
        point.progress === undefined ? point : { line: Math.max(1, Math.ceil(point.progress * total)) };
      const killed = await buildUntil(options(point.mode, output, point.overwrite), event, 'SIGKILL');
      // Reached and killed, or (a commit point on a fast machine) finished before the signal landed.
      if (killed.signal !== 'SIGKILL')
        expect({ code: killed.code, stderr: killed.stderr }).toEqual({ code: 0, stderr: '' });
      expect(killed.reached).toBe(true);

      // A manifest is there only if it matches; without one, inspect calls the output incomplete.
      const left = await readdir(output);
      if (left.includes('manifest.json')) expect((await verify(output)).problems).toEqual([]);
      else expect((await inspectOutput(output)).status).toBe('incomplete');

      // The same command again.
      const rerun = buildProbeRows(options(point.mode, output, point.overwrite));
      if (!point.overwrite && left.includes('manifest.json'))
        await expect(rerun).rejects.toThrow(OutputExistsError);
      else await rerun;
      expect((await readdir(output)).sort()).toEqual([...OUTPUT_FILES]);
      expect((await verify(output)).ok).toBe(true);
      expect(await digests(output, SPLIT_FILES)).toEqual(reference);
    },
  );
});
