// Guards against a full disk or a read-only data directory ending in a stack trace, a bare ENOENT or half-written
// files: the build exits 2 with one line naming the path and the problem, removes its temporaries and leaves an
// earlier complete output's samples and scaler as they were. Also: the temporaries a killed run left on a full
// disk are removed before a new run writes, so the space they took is not lost. Needs root (tmpfs, bind mounts).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '@prepkit/record-io';
import { samplesFileName } from '../../src/options.js';
import {
  BUILD,
  SAMPLES,
  SCALER,
  TICKERS,
  cleanUp,
  copyFiles,
  freshDir,
  rawFixture,
  runCli,
  sha256,
  temporaries,
} from './helpers.js';

const asRoot = process.getuid?.() === 0;
const mounted: string[] = [];
let raw: string;

/** A tmpfs of `size` (e.g. `1500k`) holding a copy of the raw files. */
async function smallDisk(size: string): Promise<string> {
  const dir = await freshDir('market-samples-disk-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounted.push(dir);
  await copyFiles(raw, dir);
  return dir;
}

/** A read-only view (bind mount) of `dir`. */
async function readOnlyView(dir: string): Promise<string> {
  const view = await freshDir('market-samples-ro-');
  execFileSync('mount', ['--bind', '-o', 'ro', dir, view]);
  mounted.push(view);
  return view;
}

async function digests(dir: string, names: readonly string[]): Promise<Record<string, string>> {
  const pairs = await Promise.all(
    names.map(async (n): Promise<[string, string]> => [n, await sha256(join(dir, n))]),
  );
  return Object.fromEntries(pairs);
}

const RAW = TICKERS.map((t) => `raw_${t}.parquet`);
const SMALL = ['build', '--n-samples', '2000', ...BUILD.slice(3)];
const SMALL_SAMPLES = samplesFileName({}, 2000);

beforeAll(async () => {
  raw = await rawFixture();
});

afterAll(async () => {
  for (const dir of mounted.splice(0).reverse()) spawnSync('umount', [dir]);
  await cleanUp();
});

/** Runs the CLI expecting exit 2 and one line on stderr; returns it. */
async function failsWithOneLine(args: readonly string[]): Promise<string> {
  const exit = await runCli([...args, '-q']);
  expect(exit.code, exit.stderr).toBe(2);
  const lines = exit.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('market-samples build', () => {
  it.skipIf(!asRoot)(
    '[disk] no space left (a 2 MiB tmpfs): exit 2 naming the samples file, no temporaries, raw files intact',
    async () => {
      const dir = await smallDisk('2m');
      const before = await digests(dir, RAW);
      const line = await failsWithOneLine([...BUILD, '--data-dir', dir]);
      expect(line).toMatch(new RegExp(`^market-samples: .*${join(dir, SAMPLES)}: no space left on device$`));
      expect(await temporaries(dir)).toEqual([]);
      expect(existsSync(join(dir, SAMPLES))).toBe(false);
      expect(await digests(dir, RAW)).toEqual(before);
    },
  );

  it.skipIf(!asRoot)(
    '[disk] no space left while replacing an earlier output (--overwrite): its samples and scaler are left as they were',
    async () => {
      const dir = await smallDisk('1500k');
      expect((await runCli([...SMALL, '--data-dir', dir, '-q'])).code).toBe(0);
      const before = await digests(dir, [...RAW, SMALL_SAMPLES, SCALER]);
      const line = await failsWithOneLine([...SMALL, '--seed', '8', '--overwrite', '--data-dir', dir]);
      expect(line).toMatch(/samples_2K\.parquet: no space left on device$/);
      expect(await temporaries(dir)).toEqual([]);
      expect(await digests(dir, [...RAW, SMALL_SAMPLES, SCALER])).toEqual(before);
      // The output set took the earlier manifest away before writing (record-io puts nothing back), so the
      // intact files are no longer vouched for: a reader trusts no manifest rather than a wrong one.
      expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    },
  );

  it.skipIf(!asRoot)(
    '[disk] temporaries a killed run left on a full disk are removed first, so the new run fits',
    async () => {
      const dir = await smallDisk('1500k');
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      const stale = join(dir, `.${SMALL_SAMPLES}.tmp-${dead}-0123456789ab`);
      await writeFile(stale, Buffer.alloc(700 * 1024, 1));
      const exit = await runCli([...SMALL, '--data-dir', dir, '-q']);
      expect(exit.stderr).toBe('');
      expect(exit.code).toBe(0);
      expect(existsSync(stale)).toBe(false);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    },
  );

  it.skipIf(!asRoot)(
    '[disk] read-only data directory with an earlier output: exit 2 "read-only file system", everything as it was',
    async () => {
      const dir = await freshDir();
      await copyFiles(raw, dir);
      expect((await runCli([...SMALL, '--data-dir', dir, '-q'])).code).toBe(0);
      const names = [...RAW, SMALL_SAMPLES, SCALER, 'manifest.json'];
      const before = await digests(dir, names);
      const view = await readOnlyView(dir);
      const line = await failsWithOneLine([...SMALL, '--overwrite', '--data-dir', view]);
      expect(line).toBe(`market-samples: ${view}: read-only file system`);
      expect(await digests(dir, names)).toEqual(before);
      expect(await temporaries(dir)).toEqual([]);
    },
  );

  it.skipIf(!asRoot)(
    '[disk] read-only data directory, first run: exit 2 "read-only file system", not ENOENT',
    async () => {
      const dir = await freshDir();
      await copyFiles(raw, dir);
      const view = await readOnlyView(dir);
      const line = await failsWithOneLine([...SMALL, '--data-dir', view]);
      expect(line).toBe(`market-samples: ${view}: read-only file system`);
      expect(line).not.toMatch(/ENOENT/);
    },
  );
});
