import { describe, expect, it } from 'vitest';
import { REDACTED, passwordOf, redact, redactSecrets } from '../src/redact.js';

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

describe('redactSecrets', () => {
  it('masks the values of secret-named keys at any depth, whatever their spelling', () => {
    const config = {
      password: 'hunter2',
      db: { Password: 'p', dbPassword: 'q', PGPASSWORD: 'r', host: 'localhost', port: 5432 },
      api_key: 'k1',
      apiKey: 'k2',
      'API-KEY': 'k3',
      clientSecret: 's',
      hfToken: 't',
      auth: { user: 'me', pass: 'x' },
      privateKey: '-----BEGIN',
      services: [{ token: 'a' }, { name: 'b' }],
    };
    expect(redactSecrets(config)).toEqual({
      password: REDACTED,
      db: { Password: REDACTED, dbPassword: REDACTED, PGPASSWORD: REDACTED, host: 'localhost', port: 5432 },
      api_key: REDACTED,
      apiKey: REDACTED,
      'API-KEY': REDACTED,
      clientSecret: REDACTED,
      hfToken: REDACTED,
      auth: REDACTED,
      privateKey: REDACTED,
      services: [{ token: REDACTED }, { name: 'b' }],
    });
    expect(config.password).toBe('hunter2'); // a copy: the input is untouched
  });

  it('leaves ML settings that merely mention tokens readable, and keeps unset secrets visible', () => {
    const config = { maxTokens: 512, tokenizer: 'bert', tokensPerBatch: 4096, password: '', token: null };
    expect(redactSecrets(config)).toEqual(config);
  });

  it('masks the password of every URL-looking string, and secret query parameters', () => {
    expect(redact('postgres://app:s3cr%40t@db.example:5432/prod')).toBe(
      'postgres://app:***@db.example:5432/prod',
    );
    expect(redact('mongodb+srv://u:p@cluster/x?retryWrites=true')).toBe(
      'mongodb+srv://u:***@cluster/x?retryWrites=true',
    );
    expect(redact('https://host/api?token=abc&page=2')).toBe('https://host/api?token=***&page=2');
    expect(redact('host=db user=app password=hunter2 dbname=x')).toBe(
      'host=db user=app password=*** dbname=x',
    );
    expect(redact('postgres://app@db/prod')).toBe('postgres://app@db/prod');
    expect(redact('just text: a:b@c')).toBe('just text: a:b@c');
    const redacted = redactSecrets({
      inputs: ['postgresql://u:pw@h/db', new URL('https://a:b@example.com/')],
    });
    expect(redacted).toEqual({ inputs: ['postgresql://u:***@h/db', 'https://a:***@example.com/'] });
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactSecrets(a)).toEqual({ name: 'a', self: '[Circular]' });
  });
});
