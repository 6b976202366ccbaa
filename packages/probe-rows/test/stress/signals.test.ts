// Guards against Ctrl-C or SIGTERM leaving anything behind: the `probe-rows` CLI, interrupted in each mode once
// its writers are open (for streaming: while DuckDB sorts into the scratch directory), exits 130 with one line
// and leaves its output directory as empty as it found it: no file under a final name, no temporary, no scratch.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMeasurements } from '../../src/index.js';
import { cliUntil } from './build-runs.js';

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-signals-'));
  input = join(dir, 'measurements.parquet');
  await generateMeasurements({ measurements: 20_000, probes: 300, output: input, seed: 6 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const CASES = (['SIGINT', 'SIGTERM'] as const).flatMap((signal) =>
  (['sequential', 'parallel', 'streaming'] as const).map((mode) => [signal, mode] as const),
);

describe('probe-rows build', () => {
  it.each(CASES)(
    '[signal] %s in %s mode once the writers are open: exit 130, nothing left',
    async (signal, mode) => {
      const output = join(dir, `${signal}-${mode}`);
      await mkdir(output);
      const argv = ['build', '--input', input, '--output', output, '--mode', mode, '--threads', '2'];
      const end = await cliUntil(argv, output, { file: /^\.train\.array_record\.tmp-/ }, signal);
      expect(end.reached).toBe(true);
      expect(end.code).toBe(130);
      expect(end.stderr.split('\n').filter((line) => line.startsWith('probe-rows:'))).toEqual([
        'probe-rows: interrupted; no output was left behind',
      ]);
      expect(await readdir(output)).toEqual([]);
    },
  );
});
