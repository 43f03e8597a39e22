import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, deriveSigningKey, encodeAwsPathSegment, signRequest, type SignRequestInput } from '../../src/ai/providers/sigv4.js';

const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');
const SUITE_SCOPE = 'AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

/** A request from AWS's SigV4 test suite (aws-sig-v4-test-suite, region us-east-1, service "service"). */
function suite(over: Partial<SignRequestInput> & { url: string }): SignRequestInput {
  return {
    method: 'GET',
    region: 'us-east-1',
    service: 'service',
    credentials: EXAMPLE_CREDENTIALS,
    now: SUITE_DATE,
    contentSha256: false, // the suite's requests carry no x-amz-content-sha256
    ...over,
  };
}

describe('SigV4 against AWS published vectors', () => {
  it('signs the General Reference IAM ListUsers example exactly as documented', () => {
    const input: SignRequestInput = {
      method: 'GET',
      url: 'https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
      region: 'us-east-1',
      service: 'iam',
      credentials: EXAMPLE_CREDENTIALS,
      now: SUITE_DATE,
      contentSha256: false,
    };
    const creq = canonicalRequest(input);
    expect(creq).toBe(
      [
        'GET',
        '/',
        'Action=ListUsers&Version=2010-05-08',
        'content-type:application/x-www-form-urlencoded; charset=utf-8',
        'host:iam.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'content-type;host;x-amz-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(createHash('sha256').update(creq).digest('hex')).toBe('f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59');
    expect(signRequest(input)).toEqual({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
      'x-amz-date': '20150830T123600Z',
    });
  });

  it('derives the documented signing key for the IAM example', () => {
    expect(deriveSigningKey(EXAMPLE_CREDENTIALS.secretAccessKey, '20150830', 'us-east-1', 'iam').toString('hex')).toBe(
      'c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9',
    );
  });

  const vectors: Array<{ name: string; input: SignRequestInput; signedHeaders: string; signature: string }> = [
    {
      name: 'get-vanilla',
      input: suite({ url: 'https://example.amazonaws.com/' }),
      signedHeaders: 'host;x-amz-date',
      signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    },
    {
      name: 'get-vanilla-query-order-key-case',
      input: suite({ url: 'https://example.amazonaws.com/?Param2=value2&Param1=value1' }),
      signedHeaders: 'host;x-amz-date',
      signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
    },
    {
      name: 'get-vanilla-query-unreserved',
      input: suite({
        url: 'https://example.amazonaws.com/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
      }),
      signedHeaders: 'host;x-amz-date',
      signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
    },
    {
      name: 'get-vanilla-utf8-query',
      input: suite({ url: 'https://example.amazonaws.com/?ሴ=bar' }),
      signedHeaders: 'host;x-amz-date',
      signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
    },
    {
      name: 'get-vanilla-empty-query-key',
      input: suite({ url: 'https://example.amazonaws.com/?Param1=value1' }),
      signedHeaders: 'host;x-amz-date',
      signature: 'a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb',
    },
    {
      name: 'get-unreserved',
      input: suite({ url: 'https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' }),
      signedHeaders: 'host;x-amz-date',
      signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
    },
    {
      name: 'get-slashes (normalized)',
      input: suite({ url: 'https://example.amazonaws.com//example//' }),
      signedHeaders: 'host;x-amz-date',
      signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84',
    },
    {
      name: 'get-header-value-trim',
      input: suite({ url: 'https://example.amazonaws.com/', headers: { 'My-Header1': ' value1', 'My-Header2': ' "a   b   c"' } }),
      signedHeaders: 'host;my-header1;my-header2;x-amz-date',
      signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
    },
    {
      name: 'get-header-key-duplicate',
      input: suite({ url: 'https://example.amazonaws.com/', headers: { 'My-Header1': ['value2', 'value2', 'value1'] } }),
      signedHeaders: 'host;my-header1;x-amz-date',
      signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
    },
    {
      name: 'post-vanilla-query',
      input: suite({ method: 'POST', url: 'https://example.amazonaws.com/?Param1=value1' }),
      signedHeaders: 'host;x-amz-date',
      signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
    },
    {
      name: 'get-vanilla-with-session-token',
      input: suite({
        url: 'https://example.amazonaws.com/',
        credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267' },
      }),
      signedHeaders: 'host;x-amz-date;x-amz-security-token',
      signature: '07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8',
    },
  ];

  for (const v of vectors) {
    it(`matches the test-suite signature for ${v.name}`, () => {
      const headers = signRequest(v.input);
      expect(headers.authorization).toBe(
        `AWS4-HMAC-SHA256 Credential=${SUITE_SCOPE}, SignedHeaders=${v.signedHeaders}, Signature=${v.signature}`,
      );
      expect(headers['x-amz-date']).toBe('20150830T123600Z');
    });
  }
});

describe('SigV4 for Bedrock runtime', () => {
  // Reference signatures computed with botocore 1.43 (SigV4Auth, clock fixed at 2024-07-01T09:30:00Z)
  // for exactly these requests; botocore is what the AWS CLI and boto3 sign Bedrock calls with.
  const modelId = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
  const body = '{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}';
  const bedrock = (over: Partial<SignRequestInput> = {}): SignRequestInput => ({
    method: 'POST',
    url: `https://bedrock-runtime.us-east-1.amazonaws.com/model/${encodeAwsPathSegment(modelId)}/converse-stream`,
    headers: { 'Content-Type': 'application/json', Accept: 'application/vnd.amazon.eventstream' },
    body,
    region: 'us-east-1',
    service: 'bedrock',
    credentials: EXAMPLE_CREDENTIALS,
    now: new Date('2024-07-01T09:30:00Z'),
    ...over,
  });

  it('escapes the model id in the URL and encodes the path a second time in the canonical request', () => {
    expect(encodeAwsPathSegment(modelId)).toBe('anthropic.claude-3-5-sonnet-20240620-v1%3A0');
    const creq = canonicalRequest(bedrock({ contentSha256: false }));
    expect(creq.split('\n')[1]).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse-stream');
  });

  it('signs a ConverseStream request as botocore does', () => {
    expect(signRequest(bedrock({ contentSha256: false }))).toEqual({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=ec1e02666249432f2f02f7f88b6f7c80a82f4c9f3ea20962617af7660318df8a',
      'x-amz-date': '20240701T093000Z',
    });
  });

  it('adds and signs x-amz-content-sha256 and the session token by default', () => {
    const token = 'FQoGZXIvYXdzEXAMPLETOKEN//xyz=';
    const headers = signRequest(bedrock({ credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: token } }));
    expect(headers).toEqual({
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-east-1/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=fe5fbd631d8d240fdc4a6f7e3267d7a9fa28a869bcb19623fee82a00a58b8a5a',
      'x-amz-date': '20240701T093000Z',
      'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
      'x-amz-security-token': token,
    });
  });

  it('signs an inference-profile ARN (with ":" and "/") as botocore does', () => {
    const arn = 'arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    const input = bedrock({
      url: `https://bedrock-runtime.us-west-2.amazonaws.com/model/${encodeAwsPathSegment(arn)}/converse`,
      headers: { 'content-type': 'application/json' },
      body: '{}',
      region: 'us-west-2',
      contentSha256: false,
    });
    expect(signRequest(input).authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240701/us-west-2/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1e63c237e713c5062a699ec1ae223d65fd544bd6e75ec43eb3eb0401f7586894',
    );
  });

  it('signs the same bytes whether the body is a string or a Uint8Array', () => {
    const a = signRequest(bedrock());
    const b = signRequest(bedrock({ body: new TextEncoder().encode(body) }));
    expect(b).toEqual(a);
  });

  it('leaves hop-by-hop headers unsigned and ignores a caller-supplied x-amz-date', () => {
    const creq = canonicalRequest(
      bedrock({ headers: { 'content-type': 'application/json', connection: 'keep-alive', 'User-Agent': 'x', 'X-Amz-Date': '19990101T000000Z' } }),
    );
    const signed = creq.split('\n').at(-2);
    expect(signed).toBe('content-type;host;x-amz-content-sha256;x-amz-date');
    expect(creq).toContain('x-amz-date:20240701T093000Z');
  });

  it('changes the signature when anything signed changes', () => {
    const base = signRequest(bedrock()).authorization;
    expect(signRequest(bedrock({ body: `${body} ` })).authorization).not.toBe(base);
    expect(signRequest(bedrock({ region: 'us-west-2' })).authorization).not.toBe(base);
    expect(signRequest(bedrock({ now: new Date('2024-07-01T09:30:01Z') })).authorization).not.toBe(base);
    expect(signRequest(bedrock({ credentials: { ...EXAMPLE_CREDENTIALS, secretAccessKey: 'other' } })).authorization).not.toBe(base);
  });
});
