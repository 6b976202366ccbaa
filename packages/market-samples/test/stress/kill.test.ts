// Guards against a SIGKILL (no clean-up runs) at any moment of `market-samples build` costing the user anything:
// after the kill, the data directory holds either a manifest that verifies or no manifest (files already
// committed under their final names are whole); a plain rerun into it (no --overwrite) removes the dead run's
// temporaries and writes samples and scaler byte-identical to an uninterrupted run. An --overwrite run killed
// over an earlier complete output never leaves a manifest listing files of two runs (samples of window 8
// beside a scaler of window 16).
import { existsSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prng } from '@prepkit/bench-harness';
import { readManifest, verify } from '@prepkit/record-io';
import {
  BUILD,
  SAMPLES,
  SCALER,
  cleanUp,
  copyFiles,
  cpuTicks,
  freshDir,
  rawFixture,
  runCli,
  sha256,
  startCli,
  temporaries,
  waitFor,
} from './helpers.js';

interface Reference {
  readonly dir: string;
  readonly samples: string;
  readonly scaler: string;
  readonly samplesBytes: number;
  /** CPU time (clock ticks) the run had used when its samples temporary appeared: loading, cleaning, fitting. */
  readonly ticksBeforeSamples: number;
}

let raw: string;
let reference: Reference;

/** A hidden temporary of the samples file in `dir`, if one is there. */
async function samplesTemporary(dir: string): Promise<string | undefined> {
  const name = (await readdir(dir)).find((n) => n.startsWith(`.${SAMPLES}.tmp-`));
  return name === undefined ? undefined : join(dir, name);
}

/** Runs the build uninterrupted in a fresh copy of the raw files, noting from /proc the CPU time it took to load. */
async function uninterrupted(args: readonly string[]): Promise<Reference> {
  const dir = await freshDir();
  await copyFiles(raw, dir);
  const child = startCli([...args, '--data-dir', dir, '-q']);
  await child.spawned;
  let ticks = 0;
  await waitFor(child, async () => {
    ticks = (await cpuTicks(child.process.pid!)) ?? ticks;
    return (await samplesTemporary(dir)) !== undefined;
  });
  const exit = await child.exit;
  expect(exit.stderr).toBe('');
  expect(exit.code).toBe(0);
  const samples = join(dir, SAMPLES);
  return {
    dir,
    samples: await sha256(samples),
    scaler: await sha256(join(dir, SCALER)),
    samplesBytes: (await stat(samples)).size,
    ticksBeforeSamples: ticks,
  };
}

/**
 * Where a kill lands: before the samples are written, at a share of the CPU time the reference run took to get
 * there (loading and cleaning the raw files, fitting the scaler); then at a share of the samples file's bytes
 * reaching its temporary; or at a file appearing under its final name.
 */
type KillPoint =
  | { readonly kind: 'cpu'; readonly share: number }
  | { readonly kind: 'bytes'; readonly share: number }
  | { readonly kind: 'file'; readonly what: 'samples' | 'scaler' | 'manifest' };

/** 20 seeded points, one in each twentieth of the run (the first 5 before the samples), then two file events. */
const prng = new Prng('market-samples kill points');
const POINTS: KillPoint[] = [
  ...Array.from({ length: 20 }, (_, i): KillPoint => {
    const share = (i + prng.next()) / 20;
    return share < 0.25
      ? { kind: 'cpu', share: share / 0.25 }
      : { kind: 'bytes', share: (share - 0.25) / 0.75 };
  }),
  { kind: 'file', what: 'samples' },
  { kind: 'file', what: 'scaler' },
];

function describePoint(p: KillPoint): string {
  if (p.kind === 'cpu')
    return `loading, at ${(100 * p.share).toFixed(0)}% of the CPU time before the samples`;
  if (p.kind === 'bytes') return `writing, at ${(100 * p.share).toFixed(0)}% of the samples bytes`;
  return p.what === 'manifest' ? 'the earlier manifest taken away' : `the ${p.what} file appearing`;
}

/** Starts the build in `dir` and SIGKILLs it at `point`; returns whether the kill landed before the run ended. */
async function killAt(args: readonly string[], dir: string, point: KillPoint): Promise<boolean> {
  const child = startCli([...args, '--data-dir', dir, '-q']);
  await child.spawned;
  const pid = child.process.pid!;
  const reached = await waitFor(child, async () => {
    if (point.kind === 'cpu')
      return ((await cpuTicks(pid)) ?? 0) >= point.share * reference.ticksBeforeSamples;
    if (point.kind === 'bytes') {
      const temporary = await samplesTemporary(dir);
      const size = temporary === undefined ? 0 : ((await stat(temporary).catch(() => undefined))?.size ?? 0);
      return size > 0 && size >= point.share * reference.samplesBytes;
    }
    const names = await readdir(dir);
    if (point.what === 'manifest') return !names.includes('manifest.json');
    return names.includes(point.what === 'samples' ? SAMPLES : SCALER);
  });
  child.process.kill('SIGKILL');
  const exit = await child.exit;
  if (exit.signal === 'SIGKILL') return true;
  // The run ended before the kill could land: it must have succeeded.
  expect(exit.code, exit.stderr).toBe(0);
  expect(reached).toBe(false);
  return false;
}

beforeAll(async () => {
  raw = await rawFixture();
  reference = await uninterrupted(BUILD);
});

afterAll(cleanUp);

describe('market-samples build', () => {
  it.each(POINTS.map((p, i) => [i + 1, describePoint(p), p] as const))(
    '[kill] SIGKILL at point %i of 22 (%s): a manifest only over complete files; a plain rerun cleans up and writes the same bytes',
    async (_, __, point) => {
      const dir = await freshDir();
      await copyFiles(raw, dir);
      const landed = await killAt(BUILD, dir, point);
      const samples = join(dir, SAMPLES);
      const scaler = join(dir, SCALER);
      // Points inside the run always land; a file event may be seen as the run ends.
      if (point.kind === 'cpu' || (point.kind === 'bytes' && point.share < 0.9)) expect(landed).toBe(true);
      if (!landed) {
        // The run finished before the kill: its output is complete.
        expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
        expect(await sha256(samples)).toBe(reference.samples);
        return;
      }
      if (existsSync(join(dir, 'manifest.json'))) {
        expect((await verify(dir)).ok).toBe(true);
      }
      // A file under its final name is whole: the same bytes the uninterrupted run wrote.
      if (existsSync(samples)) expect(await sha256(samples)).toBe(reference.samples);
      if (existsSync(scaler)) expect(await sha256(scaler)).toBe(reference.scaler);

      const rerun = await runCli([...BUILD, '--data-dir', dir, '-q']);
      expect(rerun.stderr).toBe('');
      expect(rerun.code).toBe(0);
      expect(await temporaries(dir)).toEqual([]);
      expect(await sha256(samples)).toBe(reference.samples);
      expect(await sha256(scaler)).toBe(reference.scaler);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
    },
  );

  // An --overwrite run with another window, killed over a complete earlier output: the earlier manifest is
  // taken away before the first new file is committed, so no manifest lists new samples beside the old scaler.
  const overwritePrng = new Prng('market-samples overwrite kill points');
  // Window 8 writes about half the bytes of window 16, so byte shares of the reference stay below 0.5.
  const OVERWRITE: KillPoint[] = [
    { kind: 'cpu', share: 0.5 * overwritePrng.next() },
    { kind: 'cpu', share: 0.5 + 0.5 * overwritePrng.next() },
    { kind: 'bytes', share: 0.2 * overwritePrng.next() },
    { kind: 'bytes', share: 0.2 + 0.2 * overwritePrng.next() },
    { kind: 'file', what: 'manifest' },
  ];
  const windowArgs = (window: string) => BUILD.map((a, i) => (BUILD[i - 1] === '--window' ? window : a));

  it.each(OVERWRITE.map((p, i) => [i + 1, describePoint(p), p] as const))(
    '[kill] SIGKILL at point %i of 5 (%s) of an --overwrite --window 8 run over a window-16 output: never a manifest over mixed files',
    async (_, __, point) => {
      const dir = await freshDir();
      await copyFiles(reference.dir, dir, [
        'raw_AAA.parquet',
        'raw_BBB.parquet',
        'raw_CCC.parquet',
        'raw_DDD.parquet',
        SAMPLES,
        SCALER,
        'manifest.json',
      ]);
      const args = [...windowArgs('8'), '--overwrite'];
      await killAt(args, dir, point);
      if (existsSync(join(dir, 'manifest.json'))) {
        expect((await verify(dir)).ok).toBe(true);
        // Whichever run it belongs to, the manifest's samples and scaler come from that one run.
        const manifest = await readManifest(dir);
        const window = JSON.parse(await readFile(join(dir, SCALER), 'utf8')) as { window: number };
        expect(manifest.config).toMatchObject({ window: window.window });
      }
      expect((await runCli([...args, '--data-dir', dir, '-q'])).code).toBe(0);
      expect(await temporaries(dir)).toEqual([]);
      expect(await verify(dir)).toMatchObject({ ok: true, checked: 2 });
      const scaler = JSON.parse(await readFile(join(dir, SCALER), 'utf8')) as { window: number };
      expect(scaler.window).toBe(8);
    },
  );
});
