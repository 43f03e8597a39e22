import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bedrockErrorToOpenai } from '../../../../src/ai/protocols/bedrock/errors.js';
import { openaiToConverseRequest } from '../../../../src/ai/protocols/bedrock/request.js';
import { converseToOpenaiResponse } from '../../../../src/ai/protocols/bedrock/response.js';
import type { ConverseResponse } from '../../../../src/ai/protocols/bedrock/types.js';
import type { ChatRequest } from '../../../../src/ai/protocols/openai-types.js';
import { signRequest } from '../../../../src/ai/providers/sigv4.js';
import { BEDROCK_FIXTURE_CREDENTIALS, startBedrockFixture, type ProviderFixture } from '../../../fixtures/providers/bedrock.js';
import { signedPost, STREAM_OPTS } from './helpers.js';

let fixture: ProviderFixture;
beforeAll(async () => {
  fixture = await startBedrockFixture();
});
afterAll(() => fixture.close());

function converse(scenario: string, extra: Partial<ChatRequest> = {}) {
  return openaiToConverseRequest({ model: 'x', messages: [{ role: 'user', content: `[scenario:${scenario}] hi` }], ...extra }, { model: STREAM_OPTS.model });
}

async function call(scenario: string, extra: Partial<ChatRequest> = {}) {
  const { path, body, jsonTool } = converse(scenario, extra);
  const res = await signedPost(fixture.url, path, body);
  return { status: res.status, headers: res.headers, json: (await res.json()) as ConverseResponse, jsonTool };
}

describe('Bedrock fixture server', () => {
  it('verifies the SigV4 signature and answers the text scenario', async () => {
    const before = fixture.requests.length;
    const { status, json } = await call('text');
    expect(status).toBe(200);
    const out = converseToOpenaiResponse(json, STREAM_OPTS);
    expect(out.choices[0]).toMatchObject({ message: { content: 'Hello from the Bedrock fixture.' }, finish_reason: 'stop' });
    expect(out.usage?.total_tokens).toBe(19);
    const seen = fixture.requests[before];
    expect(seen.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    expect(seen.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDFIXTURE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
  });

  it('answers tools, cache and forced-tool json scenarios', async () => {
    const tools = converseToOpenaiResponse((await call('tools')).json, STREAM_OPTS).choices[0];
    expect(tools.finish_reason).toBe('tool_calls');
    expect(tools.message.tool_calls?.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ['tooluse_weather_01', 'get_weather', { city: 'Paris' }],
      ['tooluse_time_02', 'get_time', { timezone: 'Europe/Paris' }],
    ]);
    expect(converseToOpenaiResponse((await call('cache')).json, STREAM_OPTS).usage?.prompt_tokens).toBe(2200);
    const json = await call('json', { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } } });
    const out = converseToOpenaiResponse(json.json, { ...STREAM_OPTS, jsonTool: json.jsonTool });
    expect(out.choices[0]).toMatchObject({ message: { content: '{"answer":42}' }, finish_reason: 'stop' });
  });

  it('rejects a wrong secret, an unknown key id, a missing signature and a body changed after signing', async () => {
    const { path, body } = converse('text');
    const wrongSecret = await signedPost(fixture.url, path, body, { ...BEDROCK_FIXTURE_CREDENTIALS, secretAccessKey: 'nope' });
    expect(wrongSecret.status).toBe(403);
    expect(bedrockErrorToOpenai(wrongSecret.status, await wrongSecret.text(), wrongSecret.headers).body.error.code).toBe('InvalidSignatureException');
    const wrongKey = await signedPost(fixture.url, path, body, { accessKeyId: 'AKIDOTHER', secretAccessKey: 'fixture-secret' });
    expect(bedrockErrorToOpenai(wrongKey.status, await wrongKey.text(), wrongKey.headers)).toMatchObject({ status: 401, body: { error: { code: 'UnrecognizedClientException' } } });
    const unsigned = await fetch(`${fixture.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect(unsigned.status).toBe(403);
    const url = `${fixture.url}${path}`;
    const signed = signRequest({ method: 'POST', url, body: JSON.stringify(body), region: 'us-east-1', service: 'bedrock', credentials: BEDROCK_FIXTURE_CREDENTIALS });
    const tampered = await fetch(url, { method: 'POST', headers: signed, body: JSON.stringify({ ...body, messages: [] }) });
    expect(tampered.status).toBe(403);
  });

  it('fails the next n requests with the given status and Retry-After, then recovers', async () => {
    fixture.failNext(1, 429, { retryAfterS: 2 });
    const failed = await call('text');
    expect(failed.status).toBe(429);
    expect(failed.headers.get('retry-after')).toBe('2');
    expect(bedrockErrorToOpenai(failed.status, failed.json, failed.headers)).toMatchObject({ status: 429, body: { error: { type: 'rate_limit_error', code: 'ThrottlingException' } } });
    expect((await call('text')).status).toBe(200);
  });

  it('answers the error scenario in Bedrock error shape and drops the connection for cut', async () => {
    const { status, json, headers } = await call('error');
    expect(headers.get('x-amzn-errortype')).toMatch(/^ServiceUnavailableException:/);
    expect(bedrockErrorToOpenai(status, json, headers)).toMatchObject({ status: 503, body: { error: { code: 'ServiceUnavailableException' } } });
    const { path, body } = converse('cut');
    await expect(signedPost(fixture.url, path, body)).rejects.toThrow();
  });
});
