import { describe, expect, it } from 'vitest';
import { passwordOf, redact } from '../src/index.js';

describe('redact', () => {
  it.each([
    ['postgresql://app:s3cr%40t@db:5432/x', 'postgresql://app:***@db:5432/x'],
    ['connect postgres://u:p@h/d failed', 'connect postgres://u:***@h/d failed'],
    ['host=db password=hunter22 user=app', 'host=db password=*** user=app'],
    ["host=db password='a b c' user=app", 'host=db password=*** user=app'],
    ['https://x.test/?user=a&password=zz&b=1', 'https://x.test/?user=a&password=***&b=1'],
    ['postgresql://app@db/x (no password)', 'postgresql://app@db/x (no password)'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('masks known secrets wherever they appear', () => {
    expect(redact('server said: bad password "hunter22"', ['hunter22'])).toBe(
      'server said: bad password "***"',
    );
  });

  it('finds the decoded password of a URL', () => {
    expect(passwordOf('postgresql://app:s3cr%40t@db/x')).toBe('s3cr@t');
    expect(passwordOf('postgresql://app@db/x')).toBeUndefined();
    expect(passwordOf('not a url')).toBeUndefined();
  });
});
