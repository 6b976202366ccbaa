// Guards against Ctrl-C (SIGINT) or SIGTERM leaving half-written files or dying uncleanly: at any point of a
// build the CLI exits 130 after removing what it half-wrote, with one line saying so. Right after the process
// starts, before any handler can exist, SIGTERM may still kill it (143), but then nothing has been written: the
// bin catches signals from the first line of dist/cli/run.js, before bench-harness and the pipeline load.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '@prepkit/record-io';
import { BUILD, cleanUp, copyFiles, cpuTicks, freshDir, rawFixture, startCli, waitFor } from './helpers.js';

const INTERRUPTED = 'market-samples: interrupted; no output was left behind\n';

let raw: string;
/** The CPU time of an uninterrupted build, in clock ticks: signals are sent at shares of it. */
let buildTicks = 0;

beforeAll(async () => {
  raw = await rawFixture();
  const dir = await freshDir();
  await copyFiles(raw, dir);
  const child = startCli([...BUILD, '--data-dir', dir, '-q']);
  await child.spawned;
  await waitFor(child, async () => {
    buildTicks = (await cpuTicks(child.process.pid!)) ?? buildTicks;
    return false;
  });
  expect((await child.exit).code).toBe(0);
});

afterAll(cleanUp);

/** What is in `dir` besides the raw files it started with. */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('raw_'));
}

describe('market-samples build', () => {
  it.each([
    ['SIGINT', 'the samples temporary appearing', 0],
    ['SIGTERM', 'the samples temporary appearing', 0],
    ['SIGINT', '10% of its CPU time (loading)', 0.1],
    ['SIGTERM', '10% of its CPU time (loading)', 0.1],
    ['SIGINT', '60% of its CPU time (writing)', 0.6],
    ['SIGTERM', '80% of its CPU time (writing)', 0.8],
  ] as const)('[signal] %s at %s: exit 130 after clean-up, nothing left', async (signal, when, share) => {
    const dir = await freshDir();
    await copyFiles(raw, dir);
    const child = startCli([...BUILD, '--data-dir', dir]);
    await child.spawned;
    const pid = child.process.pid!;
    const reached = await waitFor(child, async () =>
      share === 0
        ? (await readdir(dir)).some((name) => name.startsWith('.samples_'))
        : ((await cpuTicks(pid)) ?? 0) >= share * buildTicks,
    );
    expect(reached).toBe(true);
    child.process.kill(signal);
    const exit = await child.exit;
    if (exit.code === 0 && share > 0.5) {
      // The signal came as the run was finishing: its output is complete.
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
      return;
    }
    expect(exit.code).toBe(130);
    expect(exit.stderr.endsWith(INTERRUPTED)).toBe(true);
    expect(await leftovers(dir)).toEqual([]);
  });

  it.each([1, 2, 3, 4, 5, 6])(
    '[signal] SIGTERM right after spawn, try %i of 6: exit 130, or 143 before any handler with nothing written',
    async () => {
      const dir = await freshDir();
      await copyFiles(raw, dir);
      const child = startCli([...BUILD, '--data-dir', dir]);
      await child.spawned;
      child.process.kill('SIGTERM');
      const exit = await child.exit;
      if (exit.code === 130) expect(exit.stderr).toBe(INTERRUPTED);
      else {
        // Killed by the signal inside Node's own start-up, before run.js's first line: nothing ran.
        expect(exit).toMatchObject({ code: null, signal: 'SIGTERM', stderr: '' });
      }
      expect(await leftovers(dir)).toEqual([]);
    },
  );
});
