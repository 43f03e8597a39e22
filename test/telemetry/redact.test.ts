import { describe, expect, test } from 'vitest';
import { GantryError } from '../../src/core/errors.js';
import { newSecret } from '../../src/core/ids.js';
import { DEFAULT_REDACTOR, Redactor, luhnValid } from '../../src/telemetry/redact.js';

const r = DEFAULT_REDACTOR;

describe('redaction: built-in rules', () => {
  test('emails', () => {
    expect(r.text('contact alice.o+tag@mail.example.co.uk or bob@x.io now')).toBe('contact [REDACTED:email] or [REDACTED:email] now');
    expect(r.text('no at sign here, nor user@localhost')).toBe('no at sign here, nor user@localhost');
  });

  test('phone numbers: international with +, North American formats; dates, ids and IPs untouched', () => {
    expect(r.text('call +1 415 555 2671 or +44 20 7946 0958 or +14155552671')).toBe(
      'call [REDACTED:phone] or [REDACTED:phone] or [REDACTED:phone]',
    );
    expect(r.text('(415) 555-2671 / 415-555-2671 / 415.555.2671')).toBe('[REDACTED:phone] / [REDACTED:phone] / [REDACTED:phone]');
    const untouched = 'on 2025-06-01 at 10.0.0.1, order 123456, v1.2.3, port 8080';
    expect(r.text(untouched)).toBe(untouched);
  });

  test('card numbers only when the Luhn check passes, grouped or not, also as JSON numbers', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(r.text('visa 4111 1111 1111 1111, amex 3782-822463-10005, plain 5500005555555559')).toBe(
      'visa [REDACTED:card], amex [REDACTED:card], plain [REDACTED:card]',
    );
    expect(r.text('order 4111111111111112 and 1234567890123')).toBe('order 4111111111111112 and 1234567890123');
    expect(r.json({ card: 4111111111111111, n: 4111111111111112, small: 42 })).toEqual({ card: '[REDACTED:card]', n: 4111111111111112, small: 42 });
  });

  test('secrets: bearer tokens, Gantry keys and admin tokens, provider keys, JWTs, private keys', () => {
    const gk = newSecret('gk');
    const gadm = newSecret('gadm');
    const cases = [
      [`Authorization: Bearer ${gk}`, 'Authorization: Bearer [REDACTED:secret]'],
      [`key ${gk} and ${gadm}`, 'key [REDACTED:secret] and [REDACTED:secret]'],
      ['openai sk-proj-abcDEF1234567890abcDEF1234567890', 'openai [REDACTED:secret]'],
      ['anthropic sk-ant-api03-abcdefghijklmnop_QRSTUV-wxyz', 'anthropic [REDACTED:secret]'],
      ['aws AKIAIOSFODNN7EXAMPLE', 'aws [REDACTED:secret]'],
      ['google AIzaSyA1234567890abcdefghijklmnopqrstuv', 'google [REDACTED:secret]'],
      ['gh ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'gh [REDACTED:secret]'],
      ['groq gsk_abcdefghijklmnopqrstuvwxyz', 'groq [REDACTED:secret]'],
      ['basic Basic dXNlcjpwYXNzd29yZA==', 'basic Basic [REDACTED:secret]'],
      ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'jwt [REDACTED:secret]'],
      ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', '[REDACTED:secret]'],
      ['password=hunter2&user=bob', 'password=[REDACTED:secret]&user=bob'],
      ['{"api_key": "abc123", "name": "x"', '{"api_key": "[REDACTED:secret]", "name": "x"'],
    ] as const;
    for (const [input, output] of cases) expect(r.text(input), input).toBe(output);
    expect(r.text('sk-short and a task-list')).toBe('sk-short and a task-list');
  });

  test('a route may choose its built-ins, but never turn off secrets', () => {
    const emailsOnly = Redactor.compile({ builtins: ['email'] });
    expect(emailsOnly.text('a@b.io +1 415 555 2671 4111111111111111 sk-proj-abcDEF1234567890abcDEF')).toBe(
      '[REDACTED:email] +1 415 555 2671 4111111111111111 [REDACTED:secret]',
    );
    const none = Redactor.compile({ builtins: [] });
    expect(none.text(`Bearer ${newSecret('gk')} a@b.io`)).toBe('Bearer [REDACTED:secret] a@b.io');
  });
});

describe('redaction: custom patterns and JSON paths', () => {
  test('custom regexes with flags and replacements', () => {
    const red = Redactor.compile({ patterns: ['ACCT-\\d{6}', { pattern: 'secret project \\w+', flags: 'i', replacement: '<project>' }] });
    expect(red.text('ACCT-123456 and Secret Project Falcon; acct-123456')).toBe('[REDACTED] and <project>; acct-123456');
  });

  test('unusable patterns and paths are validation errors naming the option', () => {
    const fails = (options: Parameters<typeof Redactor.compile>[0], path: string) => {
      let caught: unknown;
      try {
        Redactor.compile(options);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(GantryError);
      expect((caught as GantryError).code).toBe('GANTRY_ERR_VALIDATION');
      expect((caught as GantryError).details?.[0]?.path).toBe(path);
    };
    fails({ patterns: ['ok', '(unclosed'] }, '/redact/patterns/1');
    fails({ patterns: ['a*'] }, '/redact/patterns/0');
    fails({ patterns: [{ pattern: 'x', flags: 'g' }] }, '/redact/patterns/0/flags');
    fails({ json_paths: ['user.password'] }, '/redact/json_paths/0');
    fails({ json_paths: ['$.a', '$.b[x]'] }, '/redact/json_paths/1');
    fails({ json_paths: ['$'] }, '/redact/json_paths/0');
    fails({ builtins: ['ssn' as 'email'] }, '/redact/builtins/0');
  });

  test('JSON paths: fields, wildcards over arrays and objects, recursive descent, quoted names and indexes', () => {
    const red = Redactor.compile({
      builtins: [],
      json_paths: ['$.user.pin', '$.items[*].card', '$..ssn', "$['odd key'][1]", '$.meta.*'],
    });
    const doc = {
      user: { name: 'Ann', pin: 1234, address: { ssn: '078-05-1120' } },
      items: [{ card: 'x', sku: 'a' }, { card: { nested: true }, sku: 'b' }, { sku: 'c' }],
      'odd key': ['keep', 'drop', 'keep'],
      meta: { a: 1, b: [2] },
      list: [{ ssn: 1 }],
    };
    expect(red.json(doc)).toEqual({
      user: { name: 'Ann', pin: '[REDACTED]', address: { ssn: '[REDACTED]' } },
      items: [{ card: '[REDACTED]', sku: 'a' }, { card: '[REDACTED]', sku: 'b' }, { sku: 'c' }],
      'odd key': ['keep', '[REDACTED]', 'keep'],
      meta: { a: '[REDACTED]', b: '[REDACTED]' },
      list: [{ ssn: '[REDACTED]' }],
    });
  });

  test('fields named like secrets are always redacted in JSON, and strings go through the text rules', () => {
    expect(r.json({ password: 'p', nested: { access_token: 't', Authorization: 'Bearer x' }, note: 'mail a@b.io', max_tokens: 50, token: null })).toEqual({
      password: '[REDACTED]',
      nested: { access_token: '[REDACTED]', Authorization: '[REDACTED]' },
      note: 'mail [REDACTED:email]',
      max_tokens: 50,
      token: null,
    });
  });
});

describe('redaction: query strings and headers', () => {
  test('query strings: sensitive names replaced, values decoded and redacted, other pairs byte for byte', () => {
    expect(r.query('api_key=abc&q=alice%40example.com&page=2&sort=a%2Cb&flag')).toBe(
      'api_key=%5BREDACTED%5D&q=%5BREDACTED%3Aemail%5D&page=2&sort=a%2Cb&flag',
    );
    expect(r.query(`token=${newSecret('gk')}&x=1`)).toBe('token=%5BREDACTED%5D&x=1');
    expect(r.query('')).toBe('');
    expect(r.query('bad=%E0%A4%A&ok=1')).toBe('bad=%E0%A4%A&ok=1');
  });

  test('headers: Authorization, cookies and API key headers are never stored; secret-like names redacted', () => {
    const stored = r.headers({
      Authorization: 'Bearer gk_abcdefghijklmnopqrstuvwxyz',
      'proxy-authorization': 'Basic abc',
      'x-api-key': 'sk-ant-abcdefghijklmnopqrstuvwxyz',
      'x-goog-api-key': 'AIza...',
      cookie: 'session=1',
      'set-cookie': ['a=1', 'b=2'],
      'x-session-token': 'abc',
      'x-signature': 'deadbeef',
      'content-type': 'application/json',
      'x-forwarded-for': '10.0.0.1',
      'x-note': 'from a@b.io',
      'content-length': 42,
    });
    expect(stored).toEqual({
      'x-session-token': '[REDACTED]',
      'x-signature': '[REDACTED]',
      'content-type': 'application/json',
      'x-forwarded-for': '10.0.0.1',
      'x-note': 'from [REDACTED:email]',
      'content-length': '42',
    });
  });
});
