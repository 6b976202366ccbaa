import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { positiveInteger, quietProgram } from '../src/cli.js';
import { UsageError } from '../src/errors-entry.js';

describe('quietProgram', () => {
  function cli() {
    const quiet = quietProgram('tool');
    const ran: number[] = [];
    quiet.program.version('1.2.3').description('a tool');
    quiet.program
      .command('go')
      .requiredOption('--n <n>', 'how many', positiveInteger)
      .action((o: { n: number }) => {
        ran.push(o.n);
      });
    return { quiet, ran };
  }

  it('runs the action and prints nothing', () => {
    const { quiet, ran } = cli();
    expect(quiet.parse(['go', '--n', '3'])).toEqual({ kind: 'parsed' });
    expect(ran).toEqual([3]);
  });

  it('gives back help and version text instead of printing them and exiting', () => {
    const { quiet } = cli();
    const help = quiet.parse(['--help']);
    expect(help.kind).toBe('help');
    expect(help.kind === 'help' && help.text).toMatch(
      /Usage: tool \[options\] \[command\][\s\S]*a tool[\s\S]*go/,
    );
    expect(quiet.parse(['--version'])).toEqual({ kind: 'version', text: '1.2.3\n' });
  });

  it('gives the root help, added text included, as --help does', () => {
    const { quiet } = cli();
    quiet.program.addHelpText('after', 'Examples: tool go --n 3');
    const help = quiet.parse(['--help']);
    expect(quiet.helpText()).toBe(help.kind === 'help' ? help.text : '');
    expect(quiet.helpText()).toMatch(/Usage: tool[\s\S]*Examples: tool go --n 3\n$/);
  });

  it("turns usage mistakes into the caller's error, naming the problem", () => {
    const { quiet, ran } = cli();
    expect(() => quiet.parse(['go', '--n', '0'])).toThrow(UsageError);
    expect(() => quiet.parse(['go', '--n', '0'])).toThrow(
      "option '--n <n>' argument '0' is invalid. must be a positive integer",
    );
    expect(() => quiet.parse(['go'])).toThrow("required option '--n <n>' not specified");
    expect(() => quiet.parse(['stop'])).toThrow(/unknown command 'stop'/);
    expect(ran).toEqual([]);
  });
});

describe('runInterruptible', () => {
  it('aborts the signal on SIGINT and returns what main returns', async () => {
    // A child process, so that the signal reaches a real process and not the test runner.
    // It imports the source through tsx, so the test does not depend on a built dist/.
    const source = new URL('../src/cli-program.ts', import.meta.url).href;
    const script = `
      import { runInterruptible } from '${source}';
      const code = await runInterruptible(async (signal) => {
        const busy = setInterval(() => {}, 1000); // stands for the command's pending I/O
        process.stdout.write('ready\\n');
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        clearInterval(busy);
        return 130;
      });
      process.exit(code);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: 'pipe',
    });
    child.stdout.once('data', () => child.kill('SIGINT'));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
  });
});
