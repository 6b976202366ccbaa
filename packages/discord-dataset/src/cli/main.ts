// The `discord-dataset` executable (bin/discord-dataset.js imports this module): runs the command
// line and sets the exit code. Ctrl-C aborts the run, which removes its partial outputs and exits 130;
// a second Ctrl-C kills the process at once.
import { main } from './cli.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('SIGINT')));
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
