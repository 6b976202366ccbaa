// The market-samples CLI (from source) in child processes for the cluster tests, through @prepkit/job-queue/testing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cliProcesses } from '@prepkit/job-queue/testing';

export { testQueueFlags as queueFlags } from '@prepkit/job-queue/testing';
export type { CliProcess, Spawner } from '@prepkit/job-queue/testing';

export const { startCli, runCli, killAll } = cliProcesses(
  'market-samples',
  fileURLToPath(new URL('../src/cli/run.ts', import.meta.url)),
);

export async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
