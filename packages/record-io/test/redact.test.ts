import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, redactString } from '../src/index.js';

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
    expect(redactString('postgres://app:s3cr%40t@db.example:5432/prod')).toBe(
      'postgres://app:***@db.example:5432/prod',
    );
    expect(redactString('mongodb+srv://u:p@cluster/x?retryWrites=true')).toBe(
      'mongodb+srv://u:***@cluster/x?retryWrites=true',
    );
    expect(redactString('https://host/api?token=abc&page=2')).toBe('https://host/api?token=***&page=2');
    expect(redactString('host=db user=app password=hunter2 dbname=x')).toBe(
      'host=db user=app password=*** dbname=x',
    );
    expect(redactString('postgres://app@db/prod')).toBe('postgres://app@db/prod');
    expect(redactString('just text: a:b@c')).toBe('just text: a:b@c');
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
