import { spawn } from 'node:child_process';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { fraction, integer, nonNegativeInteger, positiveInteger, positiveNumber } from '../src/index.js';

describe('CLI argument parsers', () => {
  it('accept what they name and reject everything else with a commander error', () => {
    expect(positiveInteger('2')).toBe(2);
    expect(positiveInteger(' 1_000_000 ')).toBe(1_000_000);
    expect(nonNegativeInteger('0')).toBe(0);
    expect(integer('-7')).toBe(-7);
    expect(positiveNumber('1.5')).toBe(1.5);
    expect(fraction('0')).toBe(0);
    expect(fraction('1')).toBe(1);
    const rejected: [(value: string) => number, string][] = [
      [positiveInteger, '0'],
      [positiveInteger, ''],
      [positiveInteger, '1.5'],
      [positiveInteger, '1e3'],
      [positiveInteger, '-1'],
      [positiveInteger, '9007199254740993'],
      [nonNegativeInteger, '-1'],
      [nonNegativeInteger, ' '],
      [integer, '--1'],
      [integer, '0x10'],
      [positiveNumber, '0'],
      [positiveNumber, ''],
      [positiveNumber, 'Infinity'],
      [fraction, '1.01'],
      [fraction, ''],
      [fraction, 'NaN'],
    ];
    for (const [parse, value] of rejected) {
      expect(() => parse(value), `${parse.name}(${JSON.stringify(value)})`).toThrow(InvalidArgumentError);
    }
  });
});

describe('runInterruptible', () => {
  it('aborts the signal on SIGINT and returns what main returns', async () => {
    // A child process, so that the signal reaches a real process and not the test runner.
    // It imports the source through tsx, so the test does not depend on a built dist/.
    const source = new URL('../src/cli-args.ts', import.meta.url).href;
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
