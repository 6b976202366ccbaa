import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';

export interface OutputDigest {
  /** Path relative to the run's output directory, so runs in different directories compare. */
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Digests each output file; `files` may be absolute or relative to `outputDir`. */
export async function digestOutputs(outputDir: string, files: readonly string[]): Promise<OutputDigest[]> {
  const digests = await Promise.all(
    files.map(async (file) => {
      const path = isAbsolute(file) ? file : resolve(outputDir, file);
      const [info, sha256] = await Promise.all([stat(path), sha256File(path)]);
      return { file: relative(outputDir, path), bytes: info.size, sha256 };
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
