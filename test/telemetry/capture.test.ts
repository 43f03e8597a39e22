import { describe, expect, test } from 'vitest';
import { GantryError } from '../../src/core/errors.js';
import { newSecret } from '../../src/core/ids.js';
import { buildBodies, compileCallLogOptions, type CapturedCall } from '../../src/telemetry/capture.js';

const json = { 'content-type': 'application/json' };

function capture(options: unknown, over: Partial<CapturedCall>): CapturedCall {
  return { config: compileCallLogOptions(options), ...over };
}

describe('call-log policy options', () => {
  test('defaults: nothing captured, 8 KiB cap, every built-in rule', () => {
    const c = compileCallLogOptions({});
    expect({ bodies: c.bodies, headers: c.headers, max: c.maxBodyBytes }).toEqual({ bodies: false, headers: false, max: 8192 });
    expect(buildBodies('call_x', { config: c, requestBody: 'x' })).toBeNull();
  });

  test('invalid options are validation errors that say where', () => {
    const error = (options: unknown) => {
      try {
        compileCallLogOptions(options);
      } catch (err) {
        expect(err).toBeInstanceOf(GantryError);
        return (err as GantryError).details?.[0]?.path;
      }
      return 'no error';
    };
    expect(error({ max_body_bytes: -1 })).toBe('/max_body_bytes');
    expect(error({ capture_bodies: 'yes' })).toBe('/capture_bodies');
    expect(error({ redact: { builtins: ['ssn'] } })).toMatch(/^\/redact\/builtins/);
    expect(error({ redact: { patterns: ['(x'] } })).toBe('/redact/patterns/0');
    expect(error({ redact: { json_paths: ['password'] } })).toBe('/redact/json_paths/0');
    expect(error({ extra: 1 })).toBe('/extra');
  });
});

describe('captured bodies', () => {
  test('JSON bodies are parsed, redacted by path, field name and text rules, and stored compact', () => {
    const c = capture(
      { capture_bodies: true, redact: { json_paths: ['$.items[*].card', '$.user.name'] } },
      {
        requestHeaders: json,
        requestBody: Buffer.from(JSON.stringify({ user: { name: 'Ann', email: 'ann@example.com', password: 'p' }, items: [{ card: 'x', qty: 2 }] })),
        responseHeaders: { 'content-type': 'application/json; charset=utf-8' },
        responseBody: [Buffer.from('{"ok":true,'), Buffer.from('"phone":"+1 415 555 2671"}')],
      },
    );
    expect(buildBodies('call_1', c)).toEqual({
      id: 'call_1',
      request_body: '{"user":{"name":"[REDACTED]","email":"[REDACTED:email]","password":"[REDACTED]"},"items":[{"card":"[REDACTED]","qty":2}]}',
      response_body: '{"ok":true,"phone":"[REDACTED:phone]"}',
      request_headers: null,
      response_headers: null,
      truncated: false,
    });
  });

  test('bodies longer than the cap are cut and marked; cut JSON is withheld when JSON paths must apply', () => {
    const long = JSON.stringify({ note: 'x'.repeat(100), secret: 's' });
    const withPaths = capture({ capture_bodies: true, max_body_bytes: 40, redact: { json_paths: ['$.note'] } }, {
      requestHeaders: json,
      requestBody: Buffer.from(long).subarray(0, 40),
      requestBodyBytes: long.length,
    });
    const stored = buildBodies('call_1', withPaths)!;
    expect(stored.request_body).toMatch(/^\[body withheld/);
    expect(stored.truncated).toBe(true);

    const text = 'mail bob@example.com ' + 'y'.repeat(100);
    const plain = capture({ capture_bodies: true, max_body_bytes: 30 }, { requestHeaders: { 'content-type': 'text/plain' }, requestBody: text, requestBodyBytes: text.length });
    const cut = buildBodies('call_2', plain)!;
    expect(cut.request_body).toBe('mail [REDACTED:email] yyyyyyyy');
    expect(Buffer.byteLength(cut.request_body!)).toBeLessThanOrEqual(30);
    expect(cut.truncated).toBe(true);
  });

  test('binary bodies are stored as a note of their size; forms are redacted by field', () => {
    const c = capture({ capture_bodies: true }, {
      requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
      requestBody: 'user=bob&password=hunter2&email=bob%40example.com',
      responseHeaders: { 'content-type': 'image/png' },
      responseBody: Buffer.alloc(10),
      responseBodyBytes: 5000,
    });
    const stored = buildBodies('call_1', c)!;
    expect(stored.request_body).toBe('user=bob&password=%5BREDACTED%5D&email=%5BREDACTED%3Aemail%5D');
    expect(stored.response_body).toBe('[binary body: 5000 bytes, image/png]');
  });

  test('headers are captured only when asked; Authorization and provider keys are never stored', () => {
    const key = newSecret('gk');
    const c = capture({ capture_headers: true }, {
      requestHeaders: { authorization: `Bearer ${key}`, 'x-api-key': 'sk-ant-abcdefghijklmnopqrstuvwxyz', 'user-agent': 'curl/8' },
      responseHeaders: { 'set-cookie': 'sid=1', 'content-type': 'text/plain' },
      requestBody: `{"key":"${key}"}`,
    });
    const stored = buildBodies('call_1', c)!;
    expect(stored).toEqual({
      id: 'call_1',
      request_body: null,
      response_body: null,
      request_headers: { 'user-agent': 'curl/8' },
      response_headers: { 'content-type': 'text/plain' },
      truncated: false,
    });
    expect(JSON.stringify(stored)).not.toContain(key);
  });
});
