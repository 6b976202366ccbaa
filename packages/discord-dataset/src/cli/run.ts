import { runCli } from '@prepkit/bench-harness/cli';

// The process entry of the `discord-dataset` bin: main is loaded once Ctrl-C and SIGTERM are caught, so
// either aborts the run, which removes its half-written files and exits 130.
await runCli(() => import('./main.js'));
