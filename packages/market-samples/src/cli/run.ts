// The process entry of the `market-samples` bin: main is loaded once Ctrl-C/SIGTERM handlers are in place.
import { runCli } from '@prepkit/bench-harness/cli';

await runCli(() => import('./main.js'));
