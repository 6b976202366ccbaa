import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

// Temporary names carry the writer's host and process, so that a later run can tell the leftovers of a killed
// run (its process is gone) from the files of a run still writing, also on storage shared by several hosts.

/** This host, as 8 hex digits (a hostname can hold characters a file name should not). */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

const TEMPORARY = /^\.(.+)\.tmp-(?:([0-9a-f]{8})-)?(\d+)-[0-9a-f]+$/;

/** The temporary name used for `path`: hidden, unique per host, process and call, not the final extension. */
export function temporaryPathFor(path: string): string {
  const suffix = `${HOST}-${process.pid}-${randomBytes(6).toString('hex')}`;
  return join(dirname(path), `.${basename(path)}.tmp-${suffix}`);
}

/**
 * Removes from `dir` the temporary files (and directories) of writers on this host whose process is no longer
 * alive: what a SIGKILL or a power cut left behind. Temporaries of live processes and of other hosts stay.
 * Returns the paths removed.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const root = resolve(dir);
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY.exec(name);
    if (match === null) continue;
    const [, , host, pid] = match;
    if ((host !== undefined && host !== HOST) || isAlive(Number(pid))) continue;
    await rm(join(root, name), { recursive: true, force: true });
    removed.push(join(root, name));
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
