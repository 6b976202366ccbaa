// The probe-rows CLI (from source) in child processes for the cluster tests, through @prepkit/job-queue/testing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cliProcesses } from '@prepkit/job-queue/testing';

export { testQueueFlags as queueFlags } from '@prepkit/job-queue/testing';
export type { CliProcess, Spawner } from '@prepkit/job-queue/testing';

export const { startCli, runCli, killAll } = cliProcesses(
  'probe-rows',
  fileURLToPath(new URL('../src/cli/run.ts', import.meta.url)),
);

/** `probe-rows submit` of `input` into `output`: `shards` shards of one encoding thread each, merged at the end. */
export function submitArgv(
  input: string,
  output: string,
  shards: number,
  queue: readonly string[],
): string[] {
  const flags = ['--threads', '1', '--shards', String(shards), '--merge'];
  return ['submit', '--input', input, '--output', output, ...flags, ...queue];
}

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
