import { runCli } from '@prepkit/bench-harness/cli';

// The process entry of the `embeddings` bin: main is loaded once Ctrl-C and SIGTERM are caught (exit 130).
await runCli(() => import('./main.js'));
