// The market-samples CLI (from source) in child processes for the cluster tests, through @prepkit/job-queue/testing.
import { fileURLToPath } from 'node:url';
import { cliProcesses } from '@prepkit/job-queue/testing';

export { testQueueFlags as queueFlags } from '@prepkit/job-queue/testing';
export type { CliProcess, Spawner } from '@prepkit/job-queue/testing';
export { sha256 } from './helpers.js';

export const { startCli, runCli, killAll } = cliProcesses(
  'market-samples',
  fileURLToPath(new URL('../src/cli/run.ts', import.meta.url)),
);
