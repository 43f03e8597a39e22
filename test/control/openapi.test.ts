import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamCreate } from '../../src/core/model.js';
import { startAdminApi, type TestApi } from './helpers.js';

let api: TestApi;
let doc: any;
beforeAll(async () => {
  api = await startAdminApi();
  const res = await api.get('/api/v1/openapi.json', null);
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await api.close();
});

describe('OpenAPI document', () => {
  it('is an OpenAPI 3 document with a bearer security scheme applied globally', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBe('Gantry Admin API');
    expect(doc.info.version).toBe('9.9.9-test');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('has paths for every resource and its operations', () => {
    const expected: Record<string, string[]> = {
      '/api/v1/teams': ['get', 'post'],
      '/api/v1/teams/{id}': ['get', 'patch', 'delete'],
      '/api/v1/upstreams': ['get', 'post'],
      '/api/v1/upstreams/{id}': ['get', 'patch', 'delete'],
      '/api/v1/services': ['get', 'post'],
      '/api/v1/services/{id}': ['get', 'patch', 'delete'],
      '/api/v1/routes': ['get', 'post'],
      '/api/v1/routes/{id}': ['get', 'patch', 'delete'],
      '/api/v1/apps': ['get', 'post'],
      '/api/v1/apps/{id}': ['get', 'patch', 'delete'],
      '/api/v1/apps/{id}/keys': ['get', 'post'],
      '/api/v1/keys': ['get'],
      '/api/v1/keys/{id}': ['get', 'patch', 'delete'],
      '/api/v1/policies': ['get', 'post'],
      '/api/v1/policies/{id}': ['get', 'patch', 'delete'],
      '/api/v1/policy-types': ['get'],
      '/api/v1/admin-tokens': ['get', 'post'],
      '/api/v1/admin-tokens/{id}': ['get', 'delete'],
      '/api/v1/status': ['get'],
      '/api/v1/ai/providers': ['get', 'post'],
      '/api/v1/ai/providers/{id}': ['get', 'patch', 'delete'],
      '/api/v1/ai/providers/{id}/keys': ['get', 'post'],
      '/api/v1/ai/keys/{id}': ['get', 'patch', 'delete'],
      '/api/v1/ai/aliases': ['get', 'post'],
      '/api/v1/ai/aliases/{id}': ['get', 'patch', 'delete'],
      '/api/v1/ai/models': ['get'],
      '/api/v1/ai/models/{provider}/{*}': ['get', 'put', 'delete'],
      '/api/v1/ai/models/import': ['post'],
      '/api/v1/ai/usage': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths[path], path).toBeDefined();
      for (const method of methods) expect(doc.paths[path][method], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/api/v1/openapi.json']).toBeUndefined();
  });

  it("documents POST /upstreams with model.ts's UpstreamCreate", () => {
    const op = doc.paths['/api/v1/upstreams'].post;
    const schema = op.requestBody.content['application/json'].schema;
    expect(op.requestBody.required).toBe(true);
    expect(schema.required).toEqual(UpstreamCreate.required);
    expect(schema.required).toContain('targets');
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(UpstreamCreate.properties).sort());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.targets.items.properties.url.pattern).toBe(UpstreamCreate.properties.targets.items.properties.url.pattern);
    expect(op.responses['201'].content['application/json'].schema.properties.targets).toBeDefined();
    expect(op.responses['4XX'] ?? op.responses['4xx']).toBeDefined();
  });

  it('documents list query parameters and path parameters', () => {
    const list = doc.paths['/api/v1/routes'].get;
    const names = list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort();
    expect(names).toEqual(['query:cursor', 'query:limit', 'query:name', 'query:service_id', 'query:team_id']);
    const get = doc.paths['/api/v1/routes/{id}'].get;
    expect(get.parameters).toEqual([expect.objectContaining({ in: 'path', name: 'id', required: true })]);
  });

  it('documents the AI bodies and views from the core schemas, without a secret in any response', () => {
    const create = doc.paths['/api/v1/ai/providers/{id}/keys'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties).sort()).toEqual(['aws', 'enabled', 'name', 'priority', 'secret']);
    const view = create.responses['201'].content['application/json'].schema;
    expect(Object.keys(view.properties)).not.toContain('secret');
    expect(Object.keys(view.properties)).not.toContain('sealed_secret');
    expect(JSON.stringify(doc)).not.toMatch(/sealed_secret/);
    const provider = doc.paths['/api/v1/ai/providers'].post.requestBody.content['application/json'].schema;
    expect(provider.required).toEqual(['name', 'kind']);
    const usage = doc.paths['/api/v1/ai/usage'].get.parameters.map((p: { name: string }) => p.name).sort();
    expect(usage).toEqual(['app_id', 'from', 'group_by', 'model', 'provider_id', 'team_id', 'to']);
    const service = doc.paths['/api/v1/services'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(service.properties)).toEqual(expect.arrayContaining(['kind', 'ai', 'upstream_id']));
  });

  it('says the secret of a created key is shown once, and has no hash fields anywhere', () => {
    const created = doc.paths['/api/v1/apps/{id}/keys'].post.responses['201'].content['application/json'].schema;
    expect(created.properties.key.description).toMatch(/only/);
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/key_hash|token_hash/);
  });

  it('documents every operation with a summary and a 2xx response schema', () => {
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
        const ok = Object.keys(op.responses).find((s) => s.startsWith('2'));
        expect(ok, `${method} ${path}`).toBeDefined();
      }
    }
  });
});
