import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { openAtomicFile } from './atomic-file.js';
import { InvalidOptionError, ManifestError, ManifestMismatchError } from './errors.js';
import type { ManifestProblem } from './errors.js';
import { digestFile } from '@prepkit/bench-harness';
import { redactSecrets } from '@prepkit/bench-harness/redact';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_VERSION = 1;

export interface ManifestTool {
  readonly name: string;
  readonly version: string;
}

/** A phase of the run; a bench-harness `PhaseReport` fits. */
export interface ManifestPhase {
  readonly name: string;
  readonly wallMs: number;
  readonly items?: number;
  readonly unit?: string;
}

/** An output to list: a path (absolute, or relative to the directory), with its record count if known. */
export type ManifestOutput = string | { readonly path: string; readonly records?: number };

export interface WriteManifestOptions {
  tool: ManifestTool;
  /** The resolved configuration of the run; secrets are masked with `redactSecrets`. */
  config?: unknown;
  /** What the run read (paths, redacted connection strings, query names…); also redacted. */
  inputs?: readonly unknown[];
  /** Every file of the output set; each is hashed now. */
  outputs: readonly ManifestOutput[];
  phases?: readonly ManifestPhase[];
  /** Default: the process's peak RSS so far (`process.resourceUsage().maxRSS`). */
  peakRssBytes?: number;
}

export interface ManifestFile {
  /** Relative to the manifest's directory, with `/` separators. */
  readonly path: string;
  readonly records: number | null;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Manifest {
  readonly manifestVersion: number;
  readonly tool: ManifestTool;
  readonly createdAt: string;
  readonly config: unknown;
  readonly inputs: readonly unknown[];
  readonly outputs: readonly ManifestFile[];
  readonly phases: readonly ManifestPhase[];
  readonly peakRssBytes: number;
}

export interface VerifyReport {
  readonly dir: string;
  readonly ok: boolean;
  /** Files listed in the manifest. */
  readonly checked: number;
  readonly problems: readonly ManifestProblem[];
}

/**
 * Hashes every output and writes `dir/manifest.json` atomically. Call it last: a directory with a
 * manifest is a finished output set.
 *
 * @example
 * await writeManifest(outDir, {
 *   tool: { name: 'probe-rows', version: '0.1.0' },
 *   config: options,
 *   inputs: [inputPath],
 *   outputs: [await writer.close()],
 *   phases: report.phases,
 * });
 */
export async function writeManifest(dir: string, options: WriteManifestOptions): Promise<Manifest> {
  const root = resolve(dir);
  if (typeof options.tool?.name !== 'string' || typeof options.tool.version !== 'string') {
    throw new InvalidOptionError('options.tool must be { name, version } strings');
  }
  const outputs: ManifestFile[] = [];
  for (const output of options.outputs) {
    const entry = typeof output === 'string' ? { path: output } : output;
    const path = relativeInside(root, entry.path);
    if (path === undefined || path === MANIFEST_FILE) {
      throw new InvalidOptionError(
        `output ${entry.path} must be a file inside ${root} other than ${MANIFEST_FILE}`,
      );
    }
    const { bytes, sha256 } = await digestFile(join(root, path));
    outputs.push({ path, records: entry.records ?? null, bytes, sha256 });
  }
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    tool: { name: options.tool.name, version: options.tool.version },
    createdAt: new Date().toISOString(),
    config: redactSecrets(options.config ?? {}),
    inputs: redactSecrets([...(options.inputs ?? [])]),
    outputs,
    phases: (options.phases ?? []).map(({ name, wallMs, items, unit }) => ({ name, wallMs, items, unit })),
    peakRssBytes: options.peakRssBytes ?? process.resourceUsage().maxRSS * 1024,
  };
  await using file = await openAtomicFile(join(root, MANIFEST_FILE));
  await file.write(`${JSON.stringify(manifest, null, 2)}\n`);
  await file.commit();
  return manifest;
}

/** Reads and checks the shape of `dir/manifest.json`. */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(resolve(dir), MANIFEST_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'ENOENT';
    throw new ManifestError(
      path,
      missing ? 'no manifest here: the output set is incomplete' : 'not JSON',
      error,
    );
  }
  if (!isManifest(parsed))
    throw new ManifestError(path, 'not a prepkit manifest (outputs missing or malformed)');
  return parsed;
}

/**
 * Re-hashes every file `dir/manifest.json` lists and reports each one that is missing or differs.
 * Throws only when the manifest itself is missing or invalid.
 *
 * @example
 * const report = await verify('out/');
 * if (!report.ok) console.error(report.problems);
 */
export async function verify(dir: string): Promise<VerifyReport> {
  const root = resolve(dir);
  const manifest = await readManifest(root);
  const problems: ManifestProblem[] = [];
  for (const file of manifest.outputs) {
    const inside = relativeInside(root, file.path);
    if (inside === undefined || isAbsolute(file.path)) {
      throw new ManifestError(join(root, MANIFEST_FILE), `output path ${file.path} points outside ${root}`);
    }
    const path = join(root, inside);
    const size = await stat(path).then(
      (info) => info.size,
      () => undefined,
    );
    if (size === undefined) {
      problems.push({ file: file.path, problem: 'missing', expected: file.sha256 });
    } else if (size !== file.bytes) {
      problems.push({ file: file.path, problem: 'bytes', expected: file.bytes, actual: size });
    } else {
      const { sha256 } = await digestFile(path);
      if (sha256 !== file.sha256)
        problems.push({ file: file.path, problem: 'sha256', expected: file.sha256, actual: sha256 });
    }
  }
  return { dir: root, ok: problems.length === 0, checked: manifest.outputs.length, problems };
}

/** Like `verify`, but throws `PREPKIT_MANIFEST_MISMATCH` naming every bad file. */
export async function assertVerified(dir: string): Promise<Manifest> {
  const report = await verify(dir);
  if (!report.ok) throw new ManifestMismatchError(report.dir, report.problems);
  return readManifest(dir);
}

/** `path` relative to `root` with `/` separators, or undefined when it is not strictly inside. */
function relativeInside(root: string, path: string): string | undefined {
  const rel = relative(root, resolve(root, path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null) return false;
  const { outputs, tool } = value as { outputs?: unknown; tool?: unknown };
  return (
    typeof tool === 'object' &&
    tool !== null &&
    Array.isArray(outputs) &&
    outputs.every(
      (o: unknown) =>
        typeof o === 'object' &&
        o !== null &&
        typeof (o as ManifestFile).path === 'string' &&
        typeof (o as ManifestFile).bytes === 'number' &&
        typeof (o as ManifestFile).sha256 === 'string',
    )
  );
}
