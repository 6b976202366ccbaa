import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AtomicFileStateError } from './errors.js';
import { outputLocationError } from './output-location.js';
import { temporaryPathFor } from './stale-temporaries.js';

export interface AtomicFileOptions {
  /** Permission bits of the new file (before the umask). Default: `0o666`. */
  mode?: number;
}

/**
 * A file written under a temporary name beside its target and renamed onto the target by
 * `commit()`, so that no reader, and no run that dies part-way (even by SIGKILL), ever sees a
 * partial file under the final name. The temporary name (`.name.tmp-<host>-<pid>-<random>`) is hidden
 * and does not end in the target's extension, so globbing for `*.parquet` never matches it.
 *
 * @example
 * await using file = await openAtomicFile('out/train.jsonl');
 * await file.write('{"a":1}\n');
 * await file.commit(); // without it, disposal removes the temporary file
 */
export class AtomicFile {
  /** The final path, which exists only after `commit()`. */
  readonly path: string;
  /** Where the bytes go until `commit()`. */
  readonly tempPath: string;
  readonly #handle: FileHandle;
  #state: 'open' | 'committed' | 'aborted' = 'open';
  #bytes = 0;
  // Writes are chained so that concurrent callers cannot interleave their bytes.
  #tail: Promise<void> = Promise.resolve();

  /** Use `openAtomicFile`. */
  constructor(path: string, tempPath: string, handle: FileHandle) {
    this.path = path;
    this.tempPath = tempPath;
    this.#handle = handle;
  }

  /** Bytes written so far. */
  get bytesWritten(): number {
    return this.#bytes;
  }

  get state(): 'open' | 'committed' | 'aborted' {
    return this.#state;
  }

  /** Appends `chunk` (strings as UTF-8). Resolves once the bytes are handed to the OS. */
  write(chunk: Uint8Array | string): Promise<void> {
    this.#assertOpen('write');
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const next = this.#tail.then(() => this.#writeAll(bytes));
    // A failed write must fail every later write and the commit, not vanish from the chain.
    this.#tail = next;
    return next;
  }

  /**
   * Flushes the file to disk, renames it onto `path` (replacing any older file there), and
   * flushes the directory so the rename itself survives a crash.
   */
  async commit(): Promise<void> {
    this.#assertOpen('commit');
    this.#state = 'committed';
    try {
      await this.#tail;
      await this.#handle.sync();
      await this.#handle.close();
      await rename(this.tempPath, this.path);
    } catch (error) {
      this.#state = 'aborted';
      await this.#handle.close().catch(() => {});
      await rm(this.tempPath, { force: true });
      throw outputLocationError(this.path, error);
    }
    await syncDirectory(dirname(this.path));
  }

  /** Discards what was written: closes and removes the temporary file. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    await this.#tail.catch(() => {});
    await this.#handle.close().catch(() => {});
    await rm(this.tempPath, { force: true });
  }

  /** `await using` support: aborts unless `commit()` ran. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.abort();
  }

  async #writeAll(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await this.#handle
        .write(bytes, offset, bytes.byteLength - offset)
        .catch((error: unknown) => {
          throw outputLocationError(this.path, error);
        });
      offset += bytesWritten;
    }
    this.#bytes += bytes.byteLength;
  }

  #assertOpen(action: string): void {
    if (this.#state !== 'open') {
      throw new AtomicFileStateError(this.path, `cannot ${action}: the file was already ${this.#state}`);
    }
  }
}

/**
 * Opens a temporary file beside `path` for an atomic write. The directory must exist, and must be
 * the target's own directory so that the final rename never crosses file systems.
 */
export async function openAtomicFile(path: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
  const target = resolve(path);
  const tempPath = temporaryPathFor(target);
  // 'wx': never reuse a leftover temporary file from another writer.
  const handle = await open(tempPath, 'wx', options.mode ?? 0o666).catch((error: unknown) => {
    throw outputLocationError(target, error);
  });
  return new AtomicFile(target, tempPath, handle);
}

/** Flushes a directory, so that renames and removals in it survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and platforms) cannot fsync a directory; the rename is still atomic.
    if (!isUnsupported(error)) throw error;
  } finally {
    await handle.close();
  }
}

function isUnsupported(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'EINVAL' || code === 'ENOTSUP' || code === 'EISDIR' || code === 'EPERM';
}
