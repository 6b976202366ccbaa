import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { syncDirectory } from './atomic-file.js';
import { OutputExistsError } from './errors.js';
import { MANIFEST_FILE, readManifest, writeManifest } from './manifest.js';
import type { Manifest, WriteManifestOptions } from './manifest.js';
import { outputLocationError, prepareOutputDirectory } from './output-location.js';
import { removeStaleTemporaries } from './stale-temporaries.js';

export interface OutputSetOptions {
  /** The names (relative to the directory) of the files the run will write beside `manifest.json`. */
  files: readonly string[];
  /** Replace a complete earlier output. Without it, one is an `OutputExistsError`. */
  overwrite?: boolean;
}

/**
 * Files and the `manifest.json` that lists them, committed as a unit (see `beginOutputSet`): after a kill at any
 * moment, the directory holds either a manifest that matches its files, or no manifest at all.
 */
export class OutputSet {
  /** The output directory, absolute. */
  readonly dir: string;
  /** Temporaries of dead runs that were removed when the set began. */
  readonly staleRemoved: readonly string[];

  /** Use `beginOutputSet`. */
  constructor(dir: string, staleRemoved: readonly string[]) {
    this.dir = dir;
    this.staleRemoved = staleRemoved;
  }

  /** `name` inside the set's directory. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes `manifest.json` last, once every file of the set is committed under its final name. */
  commit(manifest: WriteManifestOptions): Promise<Manifest> {
    return writeManifest(this.dir, manifest);
  }
}

/**
 * Begins writing a set of files into `dir`, which is created (a read-only location is an `OutputLocationError`
 * naming it). Temporaries that killed runs left in `dir` are removed. A complete earlier output (a manifest that
 * lists one of `files`) is an `OutputExistsError` unless `overwrite`; files without a manifest are leftovers of
 * an interrupted run and are replaced. The old manifest is removed now, before any new file is committed, so no
 * manifest ever lists files of another run. Write each file with an atomic writer, then call `commit`.
 *
 * @example
 * const set = await beginOutputSet('out', { files: ['train.jsonl'], overwrite });
 * await using file = await openAtomicFile(set.path('train.jsonl'));
 * … await file.commit();
 * await set.commit({ tool, config, outputs: [set.path('train.jsonl')] });
 */
export async function beginOutputSet(dir: string, options: OutputSetOptions): Promise<OutputSet> {
  const root = await prepareOutputDirectory(resolve(dir));
  const staleRemoved = await removeStaleTemporaries(root);
  const manifestPath = join(root, MANIFEST_FILE);
  if (existsSync(manifestPath) && options.overwrite !== true) {
    const listed = await readManifest(root).then(
      (manifest) => new Set(manifest.outputs.map((output) => output.path)),
      () => new Set<string>(),
    );
    const taken = options.files.find((name) => listed.has(name) && existsSync(join(root, name)));
    if (taken !== undefined) throw new OutputExistsError(join(root, taken));
  }
  await rm(manifestPath, { force: true }).catch((error: unknown) => {
    throw outputLocationError(manifestPath, error);
  });
  await syncDirectory(root);
  return new OutputSet(root, staleRemoved);
}
