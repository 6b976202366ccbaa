// `discord-dataset prepare` or `import` in a child process for the stress tests: the library call the CLI makes,
// with a progress line on stdout for every advance (the CLI prints one every 2 s), so that a test can kill it at
// a chosen point of the run. Arguments: the command and its options as JSON.
import { RunReporter } from '@prepkit/bench-harness';
import { importExports, prepareDiscordDataset } from '../../src/index.js';
import type { ImportOptions, PrepareOptions } from '../../src/index.js';

const [command, json] = process.argv.slice(2) as ['prepare' | 'import', string];
const reporter = new RunReporter({
  name: `discord-dataset ${command}`,
  progress: 'lines',
  progressIntervalMs: 0,
  stderr: process.stdout,
});
if (command === 'prepare') await prepareDiscordDataset({ ...(JSON.parse(json) as PrepareOptions), reporter });
else await importExports({ ...(JSON.parse(json) as ImportOptions), reporter });
process.stdout.write('done\n');
