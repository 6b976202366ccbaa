import { describe, expect, it } from 'vitest';
import { oneLine } from '../src/queue.js';

describe('oneLine', () => {
  it("gives an error's first line, also of the plain objects pg-boss emits as errors", () => {
    expect(oneLine(new Error('connection terminated\n    at x'))).toBe('connection terminated');
    expect(oneLine({ message: 'terminating connection due to administrator command', queue: 'q' })).toBe(
      'terminating connection due to administrator command',
    );
    expect(oneLine('plain text')).toBe('plain text');
    expect(oneLine(new Error(''))).toBe('Error');
  });
});
