import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Phase, PhaseRunner, RunReporter } from '@prepkit/bench-harness';
import {
  MANIFEST_FILE,
  OutputExistsError,
  outputLocationError,
  prepareOutputDirectory,
  readManifest,
  removeStaleTemporaries,
} from '@prepkit/record-io';

/**
 * Prepares `dir` for one shard's files (`--shard i/n`), which other shards (other processes, other machines)
 * write beside at the same time: this host's dead temporaries are removed, other shards' files and temporaries
 * stay. A manifest is removed only when it lists one of these files (a complete earlier output they would
 * change), and then only with `overwrite`; without, that file is an `OutputExistsError`. Returns the directory.
 */
export async function beginShardFiles(
  dir: string,
  files: readonly string[],
  overwrite: boolean,
): Promise<string> {
  const root = await prepareOutputDirectory(dir);
  await removeStaleTemporaries(root);
  const manifestPath = join(root, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return root;
  const listed = await readManifest(root).then(
    (manifest) => new Set(manifest.outputs.map((output) => output.path)),
    () => new Set<string>(),
  );
  const taken = files.find((name) => listed.has(name) && existsSync(join(root, name)));
  if (taken === undefined) return root;
  if (!overwrite) throw new OutputExistsError(join(root, taken));
  await rm(manifestPath, { force: true }).catch((error: unknown) => {
    throw outputLocationError(manifestPath, error);
  });
  return root;
}

/** `reporter`'s phases, with the `encode` phase's progress also handed to `onProgress(done, total)`. */
export function progressRunner(
  reporter: RunReporter,
  onProgress: (done: number, total: number) => void,
): PhaseRunner {
  return {
    phase: (name, body, options) =>
      reporter.phase(
        name,
        (phase) => {
          if (name !== 'encode') return body(phase);
          let done = 0;
          let total = options?.total ?? 0;
          const tracked: Phase = {
            setTotal(n) {
              total = n;
              phase.setTotal(n);
              onProgress(done, total);
            },
            advance(n = 1) {
              done += n;
              phase.advance(n);
              onProgress(done, total);
            },
            count: (counter, n) => phase.count(counter, n),
          };
          return body(tracked);
        },
        options,
      ),
  };
}
