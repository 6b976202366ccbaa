// Guards against a full disk or a read-only location giving a stack trace, a bare ENOENT, half-written files
// or a damaged earlier output: `probe-rows build` into a 1 MiB tmpfs that fills (each mode) or a read-only bind
// mount exits 2 with one line naming the path and the problem, removes its temporaries and scratch directory,
// and leaves an earlier complete output beside it as it was (sha256). Needs root for `mount`.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verify } from '@prepkit/record-io';
import { main } from '../../src/cli/main.js';
import { buildProbeRows, generateMeasurements, inspectOutput } from '../../src/index.js';
import { OUTPUT_FILES, SPLIT_FILES, digests, hiddenNames } from './build-runs.js';
import { capture } from '../capture.js';

const root = process.getuid?.() === 0;
let dir: string;
let small: string;
let big: string;
let full: string;
let readOnly: string;
const mounts: string[] = [];
let earlier: Record<string, string>;

function mount(...args: string[]): void {
  execFileSync('mount', args);
  mounts.push(args.at(-1)!);
}

beforeAll(async () => {
  if (!root) return;
  dir = await mkdtemp(join(tmpdir(), 'probe-rows-disk-'));
  small = join(dir, 'small.parquet');
  big = join(dir, 'big.parquet');
  await generateMeasurements({ measurements: 3000, probes: 60, output: small, seed: 7 });
  // Uncompressed, its records are several MiB: more than the tmpfs holds.
  await generateMeasurements({ measurements: 40_000, probes: 400, output: big, seed: 7 });
  full = join(dir, 'full');
  await mkdir(full);
  mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', full);
  await buildProbeRows({ input: small, output: join(full, 'earlier'), mode: 'sequential' });
  earlier = await digests(join(full, 'earlier'), OUTPUT_FILES);
  const writable = join(dir, 'writable');
  await buildProbeRows({ input: small, output: join(writable, 'earlier'), mode: 'sequential' });
  readOnly = join(dir, 'read-only');
  await mkdir(readOnly);
  mount('--bind', writable, readOnly);
  execFileSync('mount', ['-o', 'remount,bind,ro', readOnly]);
});
afterAll(async () => {
  for (const target of mounts.reverse()) execFileSync('umount', [target]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function expectEarlierUntouched(): Promise<void> {
  expect(await digests(join(full, 'earlier'), OUTPUT_FILES)).toEqual(earlier);
  expect((await verify(join(full, 'earlier'))).ok).toBe(true);
}

describe('probe-rows build', () => {
  it.skipIf(!root).each(['sequential', 'parallel', 'streaming'])(
    '[disk] a full disk in %s mode: exit 2 naming the file, no temporaries, the earlier output as it was',
    async (mode) => {
      const output = join(full, `new-${mode}`);
      const r = capture();
      const argv = [
        'build',
        '--input',
        big,
        '--output',
        output,
        '--mode',
        mode,
        '--compression',
        'none',
        '-q',
      ];
      expect(await main([...argv, '--threads', '2'], r.io)).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(new RegExp(`^probe-rows: ${output}/\\S+: no space left on device\\n$`));
      expect(await readdir(output)).toEqual([]);
      await expectEarlierUntouched();
    },
  );

  it.skipIf(!root)(
    '[disk] a full disk with --overwrite over the earlier output: its files stay as they were, its manifest is taken away first',
    async () => {
      const output = join(full, 'earlier');
      const r = capture();
      const argv = [
        'build',
        '--input',
        big,
        '--output',
        output,
        '--compression',
        'none',
        '--overwrite',
        '-q',
      ];
      expect(await main(argv, r.io)).toBe(2);
      expect(r.err[0]).toMatch(new RegExp(`^probe-rows: ${output}/\\S+: no space left on device\\n$`));
      expect(await hiddenNames(output)).toEqual([]);
      const files = Object.fromEntries(SPLIT_FILES.map((name) => [name, earlier[name]]));
      expect(await digests(output, SPLIT_FILES)).toEqual(files);
      // beginOutputSet removes the old manifest before any new file is committed: the output now reads as
      // incomplete, and the next successful run (or a rebuild of the earlier one) completes it.
      expect((await inspectOutput(output)).status).toBe('incomplete');
      await buildProbeRows({ input: small, output, mode: 'sequential' });
      expect(await digests(output, SPLIT_FILES)).toEqual(files);
      expect((await verify(output)).ok).toBe(true);
    },
  );

  it.skipIf(!root)(
    '[disk] a read-only location for a new output: exit 2 "read-only file system", not ENOENT',
    async () => {
      const r = capture();
      const output = join(readOnly, 'new', 'out');
      expect(await main(['build', '--input', small, '--output', output, '-q'], r.io)).toBe(2);
      expect(r.err).toEqual([`probe-rows: ${readOnly}: read-only file system\n`]);
    },
  );

  it.skipIf(!root)(
    '[disk] a read-only earlier output with --overwrite: exit 2 naming it, left as it was',
    async () => {
      const output = join(readOnly, 'earlier');
      const before = await digests(output, OUTPUT_FILES);
      const r = capture();
      expect(await main(['build', '--input', small, '--output', output, '--overwrite', '-q'], r.io)).toBe(2);
      expect(r.err).toEqual([`probe-rows: ${output}: read-only file system\n`]);
      expect(await digests(output, OUTPUT_FILES)).toEqual(before);
    },
  );
});
