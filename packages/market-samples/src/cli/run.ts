// The process entry of the `market-samples` bin. Static imports are all loaded and parsed before any line here
// runs (~100 ms for bench-harness, commander and their graph), and a SIGTERM in that time killed the process
// with 143. So this module imports nothing statically: its first statement catches Ctrl-C/SIGTERM until
// runCli's own handlers are in place. Nothing has been written by then, so exiting 130 is a clean interruption.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function beforeMain(): void {
  process.stderr.write('market-samples: interrupted; no output was left behind\n');
  process.exit(130);
}

for (const signal of SIGNALS) process.on(signal, beforeMain);

const { runCli } = await import('@prepkit/bench-harness/cli');
await runCli(() => {
  // runCli has installed its handlers (which abort main and let it clean up) before it loads main.
  for (const signal of SIGNALS) process.removeListener(signal, beforeMain);
  return import('./main.js');
});
