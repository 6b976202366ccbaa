import { runCli } from '@prepkit/bench-harness/cli';

// The process entry of the `probe-rows` bin: main is loaded once Ctrl-C/SIGTERM are handled (exit 130).
await runCli(() => import('./main.js'));
