/**
 * An admin API on a fresh SQLite store, listening on a real socket, with an org admin token created
 * directly through the store and a `default` team — what a first start of Gantry leaves behind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAdminApi } from '../../src/control/index.js';
import type { AdminRole, AdminTokenRecord } from '../../src/core/model.js';
import { hashSecret, newSecret, secretHint } from '../../src/core/ids.js';
import { SecretBox } from '../../src/core/secrets.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  text: string;
}

export interface CallOptions {
  /** Admin token; defaults to the org admin's. `null` sends no Authorization header. */
  token?: string | null;
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  /** Sent as is, with `contentType`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  text: string;
}

export interface TestApi {
  url: string;
  store: Store;
  /** The box the admin API seals provider keys with (a random key per API). */
  secretBox: SecretBox;
  app: FastifyInstance;
  orgToken: string;
  defaultTeamId: string;
  /** How many times onConfigChange has been called. */
  configChanges(): number;
  /** Every response this client received, for "no secret leaks" checks. */
  recorded: RecordedResponse[];
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<ApiResponse<T>>;
  get<T = any>(path: string, token?: string | null): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body: unknown, token?: string | null): Promise<ApiResponse<T>>;
  patch<T = any>(path: string, body: unknown, token?: string | null): Promise<ApiResponse<T>>;
  del<T = any>(path: string, token?: string | null): Promise<ApiResponse<T>>;
  /** A team (created through the store). */
  createTeam(name: string): Promise<string>;
  /** An admin token created directly in the store; returns the secret. */
  createToken(role: AdminRole, teamId: string | null, opts?: { expiresAt?: string | null; name?: string }): Promise<{
    token: string;
    record: AdminTokenRecord;
  }>;
  close(): Promise<void>;
}

let tokenCounter = 0;

export async function startAdminApi(opts: { withDefaultTeam?: boolean; logger?: Logger } = {}): Promise<TestApi> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-control-'));
  const store = await createStore({ url: join(dir, 'gantry.db') });
  await store.migrate();

  const createToken: TestApi['createToken'] = async (role, teamId, tokenOpts = {}) => {
    const token = newSecret('gadm');
    const record = await store.adminTokens.create({
      name: tokenOpts.name ?? `token-${++tokenCounter}`,
      role,
      team_id: teamId,
      hint: secretHint(token),
      token_hash: hashSecret(token),
      expires_at: tokenOpts.expiresAt ?? null,
    });
    return { token, record };
  };
  const createTeam = async (name: string) => (await store.teams.create({ name })).id;

  const defaultTeamId = opts.withDefaultTeam === false ? '' : await createTeam('default');
  const { token: orgToken } = await createToken('org_admin', null, { name: 'bootstrap' });

  let changes = 0;
  const secretBox = new SecretBox(randomBytes(32));
  const app = await createAdminApi({
    store,
    secretBox,
    logger: opts.logger ?? false,
    onConfigChange: () => {
      changes++;
    },
    nodeInfo: { nodeId: 'node-test', version: '9.9.9-test', dataPlaneVersion: () => 42 },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('admin API did not listen on a TCP port');
  const url = `http://127.0.0.1:${address.port}`;

  const recorded: RecordedResponse[] = [];
  const call = async <T = any>(method: string, path: string, callOpts: CallOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...callOpts.headers };
    const token = callOpts.token === undefined ? orgToken : callOpts.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (callOpts.raw !== undefined) {
      body = callOpts.raw;
      if (callOpts.contentType) headers['content-type'] = callOpts.contentType;
    } else if (callOpts.body !== undefined) {
      body = JSON.stringify(callOpts.body);
      headers['content-type'] = callOpts.contentType ?? 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    recorded.push({ method, path, status: res.status, text });
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  };

  return {
    url,
    store,
    secretBox,
    app,
    orgToken,
    defaultTeamId,
    configChanges: () => changes,
    recorded,
    call,
    get: (path, token) => call('GET', path, { token }),
    post: (path, body, token) => call('POST', path, { body, token }),
    patch: (path, body, token) => call('PATCH', path, { body, token }),
    del: (path, token) => call('DELETE', path, { token }),
    createTeam,
    createToken,
    close: async () => {
      await app.close();
      await store.close().catch(() => undefined); // a test may have closed it already
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Minimal valid bodies, for tests that need a resource and do not care about its fields. */
export const bodies = {
  upstream: (name = 'ups-a', extra: Record<string, unknown> = {}) => ({
    name,
    targets: [{ url: 'http://127.0.0.1:9999' }],
    ...extra,
  }),
  service: (upstreamId: string, name = 'svc-a', extra: Record<string, unknown> = {}) => ({
    name,
    upstream_id: upstreamId,
    ...extra,
  }),
  route: (serviceId: string, name = 'rt-a', paths = ['/a'], extra: Record<string, unknown> = {}) => ({
    name,
    service_id: serviceId,
    paths,
    ...extra,
  }),
};

/** Upstream → service → route in the caller's (or the default) team; returns their ids. */
export async function createChain(
  api: TestApi,
  prefix: string,
  opts: { token?: string; teamId?: string; path?: string } = {},
): Promise<{ upstreamId: string; serviceId: string; routeId: string }> {
  const team = opts.teamId ? { team_id: opts.teamId } : {};
  const ups = await api.call('POST', '/api/v1/upstreams', { body: bodies.upstream(`${prefix}-ups`, team), token: opts.token });
  if (ups.status !== 201) throw new Error(`upstream: ${ups.status} ${ups.text}`);
  const svc = await api.call('POST', '/api/v1/services', { body: bodies.service(ups.body.id, `${prefix}-svc`), token: opts.token });
  if (svc.status !== 201) throw new Error(`service: ${svc.status} ${svc.text}`);
  const rt = await api.call('POST', '/api/v1/routes', {
    body: bodies.route(svc.body.id, `${prefix}-rt`, [opts.path ?? `/${prefix}`]),
    token: opts.token,
  });
  if (rt.status !== 201) throw new Error(`route: ${rt.status} ${rt.text}`);
  return { upstreamId: ups.body.id, serviceId: svc.body.id, routeId: rt.body.id };
}
