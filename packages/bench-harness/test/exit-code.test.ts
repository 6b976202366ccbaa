import { describe, expect, it } from 'vitest';
import { reportFailure } from '../src/cli.js';
import { AbortedError, PrepkitError, UsageError, errorKind, exitCodeFor } from '../src/errors-entry.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: something`), { code });
}

describe('exitCodeFor', () => {
  it.each([
    ['a usage error', new UsageError("unknown option '--nope'"), 2],
    ['an input error', new PrepkitError('PREPKIT_X', 'input', 'bad row'), 2],
    ['a config error', new PrepkitError('PREPKIT_X', 'config', 'bad key'), 2],
    ['a connection error', new PrepkitError('PREPKIT_X', 'connection', 'refused'), 2],
    ['an authentication error', new PrepkitError('PREPKIT_X', 'authentication', 'refused'), 2],
    ['an environment error', new PrepkitError('PREPKIT_X', 'environment', 'read-only'), 2],
    ['an interruption', new AbortedError('build'), 130],
    ['a bug', new PrepkitError('PREPKIT_X', 'internal', 'oops'), 1],
    ['a plain Error', new TypeError('x is undefined'), 1],
    ['a thrown string', 'boom', 1],
    ['DOM AbortError', new DOMException('aborted', 'AbortError'), 130],
    ['a full disk', systemError('ENOSPC'), 2],
    ['a read-only file system', systemError('EROFS'), 2],
    ['a refused connection', systemError('ECONNREFUSED'), 2],
    ['a wrong password (SQLSTATE 28P01)', systemError('28P01'), 2],
    ['a terminated backend (57P01)', systemError('57P01'), 2],
    ['an unknown database (3D000)', systemError('3D000'), 2],
    ['a SQL syntax error (42601): a bug in prepkit', systemError('42601'), 1],
  ])('%s', (_what, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it('recognises errors by shape, so copies from another install or a worker thread count too', () => {
    const cloned = Object.assign(new Error('bad row'), { code: 'PREPKIT_OTHER', kind: 'input' });
    expect(errorKind(cloned)).toBe('input');
    const task = Object.assign(new Error('task 3 failed'), {
      code: 'PREPKIT_WORKER_TASK_FAILED',
      cause: new UsageError('bad'),
    });
    expect(exitCodeFor(task)).toBe(2);
  });
});

describe('reportFailure', () => {
  function capture() {
    let stderr = '';
    return {
      io: { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } },
      text: () => stderr,
    };
  }

  it('writes one line for what the user can fix', () => {
    const { io, text } = capture();
    expect(reportFailure('tool', new PrepkitError('PREPKIT_X', 'input', 'a.csv:3: bad\nrow'), io)).toBe(2);
    expect(text()).toBe('tool: a.csv:3: bad row\n');
  });

  it('writes the stack for a bug', () => {
    const { io, text } = capture();
    expect(reportFailure('tool', new TypeError('x is undefined'), io)).toBe(1);
    expect(text()).toMatch(/^tool: unexpected failure: TypeError: x is undefined\n\s+at /);
  });

  it('reports an aborted run as interrupted, whatever the abort made the work throw', () => {
    const { io, text } = capture();
    const controller = new AbortController();
    controller.abort();
    expect(
      reportFailure('tool', new TypeError('stream destroyed'), { ...io, signal: controller.signal }),
    ).toBe(130);
    expect(text()).toBe('tool: interrupted; no output was left behind\n');
  });

  it('says after an interrupt what the command keeps, when the caller says so', () => {
    const { io, text } = capture();
    const controller = new AbortController();
    controller.abort();
    expect(
      reportFailure('tool', new Error('x'), { ...io, signal: controller.signal }, 'rows so far are kept'),
    ).toBe(130);
    expect(text()).toBe('tool: interrupted; rows so far are kept\n');
  });
});
