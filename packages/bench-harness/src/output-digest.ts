import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

export interface OutputDigest {
  /** Path relative to the run's output directory, so runs in different directories compare. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The size and SHA-256 (hex) of a file, read once in 1 MiB pieces. */
export async function digestFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Digests each output file; `files` may be absolute or relative to `outputDir`. */
export async function digestOutputs(outputDir: string, files: readonly string[]): Promise<OutputDigest[]> {
  const digests = await Promise.all(
    files.map(async (file) => {
      const path = isAbsolute(file) ? file : resolve(outputDir, file);
      return { file: relative(outputDir, path), ...(await digestFile(path)) };
    }),
  );
  return digests.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** The files whose bytes differ between two runs, or that only one of them wrote. */
export function differingFiles(expected: readonly OutputDigest[], actual: readonly OutputDigest[]): string[] {
  const byFile = new Map(expected.map((d) => [d.file, d.sha256]));
  const differing = new Set<string>();
  for (const d of actual) if (byFile.get(d.file) !== d.sha256) differing.add(d.file);
  const written = new Set(actual.map((d) => d.file));
  for (const d of expected) if (!written.has(d.file)) differing.add(`${d.file} (missing)`);
  return [...differing].sort();
}
