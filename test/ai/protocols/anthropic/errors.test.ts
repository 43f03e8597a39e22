import { describe, expect, it } from 'vitest';
import { anthropicErrorToOpenai, anthropicStreamErrorEvent, openaiErrorToAnthropic } from '../../../../src/ai/protocols/anthropic/index.js';

const anthropicBody = (type: string, message = 'msg') => ({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });

describe('anthropicErrorToOpenai', () => {
  it.each([
    [400, 'invalid_request_error', 400, 'invalid_request_error'],
    [401, 'authentication_error', 401, 'authentication_error'],
    [403, 'permission_error', 403, 'permission_error'],
    [404, 'not_found_error', 404, 'not_found_error'],
    [413, 'request_too_large', 413, 'invalid_request_error'],
    [429, 'rate_limit_error', 429, 'rate_limit_error'],
    [500, 'api_error', 500, 'server_error'],
    [529, 'overloaded_error', 503, 'server_error'],
  ])('maps HTTP %i %s to %i %s, keeping the Anthropic type as code', (status, type, outStatus, outType) => {
    expect(anthropicErrorToOpenai(status, anthropicBody(type, 'Details here'))).toEqual({
      status: outStatus,
      body: { error: { message: 'Details here', type: outType, param: null, code: type } },
    });
  });

  it('copes with bodies that are not in the Anthropic shape (proxies, HTML pages)', () => {
    expect(anthropicErrorToOpenai(413, '<html>Request Entity Too Large</html>').body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'request_too_large',
      message: '<html>Request Entity Too Large</html>',
    });
    expect(anthropicErrorToOpenai(529, undefined)).toMatchObject({ status: 503, body: { error: { code: 'overloaded_error' } } });
    expect(anthropicErrorToOpenai(200, {}).status).toBe(502);
  });
});

describe('openaiErrorToAnthropic', () => {
  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
  ])('maps HTTP %i to %s', (status, type) => {
    const body = { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    expect(openaiErrorToAnthropic(status, body)).toEqual({ status, body: { type: 'error', error: { type, message: 'Rate limit reached' } } });
  });

  it('formats a stream error output as the Anthropic error event', () => {
    expect(anthropicStreamErrorEvent({ status: 503, error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } })).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    expect(anthropicStreamErrorEvent({ status: 429, error: { message: 'slow down', type: 'requests', param: null, code: null } }).data).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
  });
});
