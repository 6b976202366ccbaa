import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { OutputLocationError } from './errors.js';

// Why a file or directory cannot be written, in words: `mkdir(…, { recursive: true })` reports a read-only
// file system as ENOENT, and a bare errno code tells a user nothing.

const PROBLEMS: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a file stands where a directory is needed',
  EEXIST: 'a file stands where a directory is needed',
  EISDIR: 'is a directory, not a file',
};

/** The error a failed write of `path` is reported with: `path` and the problem in words, or `error` itself. */
export function outputLocationError(path: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const problem = typeof code === 'string' ? PROBLEMS[code] : undefined;
  return problem === undefined ? error : new OutputLocationError(path, problem, error);
}

/**
 * Creates `dir` (and its parents) for output. A location that cannot take it is reported on the nearest
 * existing ancestor: "…: read-only file system", "…: permission denied", "…: a file stands where a directory is
 * needed" (`OutputLocationError`, kind environment).
 */
export async function prepareOutputDirectory(dir: string): Promise<string> {
  const target = resolve(dir);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw await explainMkdirFailure(target, error);
  }
  try {
    await access(target, constants.W_OK);
  } catch (error) {
    throw outputLocationError(target, error);
  }
  return target;
}

async function explainMkdirFailure(target: string, error: unknown): Promise<unknown> {
  // The nearest existing ancestor says why: access(W_OK) gives EROFS on a read-only file system.
  for (let path = target; ; path = dirname(path)) {
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined) {
      if (!info.isDirectory()) return new OutputLocationError(path, PROBLEMS.ENOTDIR!, error);
      const denied = await access(path, constants.W_OK).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      return outputLocationError(denied === undefined ? target : path, denied ?? error);
    }
    if (dirname(path) === path) return outputLocationError(target, error);
  }
}
