import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GantryError } from '../../src/core/errors.js';
import { listPolicyTypes, validateConfig, validatePolicyConfig } from '../../src/gateway/index.js';
import { config } from '../fixtures/config.js';
import { startUpstream, type UpstreamFixture } from '../fixtures/upstream.js';
import { send, startGateway, type Gateway } from './helpers.js';

const base = () => config().upstream('ups', ['http://127.0.0.1:9']).service('svc', 'ups');

function thrown(fn: () => unknown): GantryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GantryError);
    return err as GantryError;
  }
  throw new Error('did not throw');
}

describe('validateConfig', () => {
  it('accepts routes that differ by method, host or path', () => {
    validateConfig(
      base()
        .route('rt_get', 'svc', ['/users/:id'], { methods: ['GET'] })
        .route('rt_post', 'svc', ['/users/:id'], { methods: ['POST', 'PUT'] })
        .route('rt_host', 'svc', ['/users/:id'], { hosts: ['api.example.com'] })
        .route('rt_wild', 'svc', ['/users/:id'], { hosts: ['*.example.com'] })
        .route('rt_me', 'svc', ['/users/me'])
        .route('rt_both', 'svc', ['/static', '/static/*'])
        .build(),
    );
  });

  it('reports two routes matching the same method, host and path, naming both', () => {
    const cases: Array<[string, ReturnType<typeof base>]> = [
      ['same path', base().route('rt_one', 'svc', ['/a']).route('rt_two', 'svc', ['/a'])],
      ['param names differ', base().route('rt_one', 'svc', ['/users/:id']).route('rt_two', 'svc', ['/users/:uid'])],
      ['all methods vs one', base().route('rt_one', 'svc', ['/a'], { methods: ['GET'] }).route('rt_two', 'svc', ['/a'])],
      ['overlapping methods', base().route('rt_one', 'svc', ['/a'], { methods: ['GET', 'POST'] }).route('rt_two', 'svc', ['/a'], { methods: ['POST'] })],
      ['same host, port ignored', base().route('rt_one', 'svc', ['/a'], { hosts: ['X.test:80'] }).route('rt_two', 'svc', ['/a'], { hosts: ['x.test'] })],
      ['wildcard also matches the bare prefix', base().route('rt_one', 'svc', ['/static/*']).route('rt_two', 'svc', ['/static'])],
    ];
    for (const [what, builder] of cases) {
      const err = thrown(() => validateConfig(builder.build()));
      expect(err.code, what).toBe('GANTRY_ERR_CONFLICT');
      expect(err.message, what).toContain('"rt-one"');
      expect(err.message, what).toContain('"rt-two"');
    }
  });

  it('ignores disabled routes and routes of disabled services for conflicts', () => {
    validateConfig(base().route('rt_one', 'svc', ['/a']).route('rt_two', 'svc', ['/a'], { enabled: false }).build());
    validateConfig(
      base().service('svc_off', 'ups', { enabled: false }).route('rt_one', 'svc', ['/a']).route('rt_two', 'svc_off', ['/a']).build(),
    );
  });

  it('reports bad policy options, unknown types and dangling references as validation errors', () => {
    const badCidr = thrown(() => validateConfig(base().route('rt', 'svc', ['/a']).policy('pol_ip', 'ip-restriction', 'route', 'rt', { allow: ['10.0.0.0/40'] }).build()));
    expect(badCidr.code).toBe('GANTRY_ERR_VALIDATION');
    expect(badCidr.message).toContain('pol-ip');
    expect(badCidr.details).toEqual([{ path: '/allow/0', message: expect.stringContaining('10.0.0.0/40') }]);

    const unknown = thrown(() => validateConfig(base().policy('pol_x', 'no-such-policy', 'global', null).build()));
    expect(unknown.code).toBe('GANTRY_ERR_VALIDATION');

    expect(thrown(() => validateConfig(base().route('rt', 'svc_missing', ['/a']).build())).code).toBe('GANTRY_ERR_VALIDATION');
    expect(thrown(() => validateConfig(config().service('svc', 'ups_missing').build())).code).toBe('GANTRY_ERR_VALIDATION');
    expect(thrown(() => validateConfig(base().policy('p', 'cors', 'route', 'rt_missing', { origins: ['*'] }).build())).code).toBe(
      'GANTRY_ERR_VALIDATION',
    );
    const rewrite = thrown(() => validateConfig(base().route('rt', 'svc', ['/a/:id'], { rewrite_path: '/b/:name' }).build()));
    expect(rewrite.details?.[0].path).toBe('/rewrite_path');
  });
});

describe('applyConfig with an invalid config', () => {
  let up: UpstreamFixture;
  let gw: Gateway;
  beforeAll(async () => {
    up = await startUpstream('u');
    gw = await startGateway(config().version(7).upstream('ups', [up.url]).service('svc', 'ups').route('rt', 'svc', ['/a']).build());
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('throws, and the previous snapshot keeps serving', async () => {
    const bad = config().version(8).upstream('ups', [up.url]).service('svc', 'ups').route('rt', 'svc', ['/b']).route('rt_dup', 'svc', ['/b']).build();
    expect(() => gw.plane.applyConfig(bad)).toThrow(GantryError);
    expect(gw.plane.configVersion).toBe(7);
    expect((await send(`${gw.url}/a`)).status).toBe(200);
    expect((await send(`${gw.url}/b`)).status).toBe(404);
  });
});

describe('policy registry', () => {
  it('lists the policy types with phases, priorities and schemas', () => {
    const types = listPolicyTypes();
    const byType = new Map(types.map((t) => [t.type, t]));
    expect([...byType.keys()].sort()).toEqual(
      ['ai-cache', 'cache', 'call-log', 'cors', 'ip-restriction', 'key-auth', 'rate-limit', 'request-headers', 'request-size-limit', 'response-headers'].sort(),
    );
    expect(byType.get('key-auth')!.phases).toEqual(['access']);
    expect(byType.get('response-headers')!.phases).toEqual(['response']);
    expect(byType.get('cors')!.priority).toBeLessThan(byType.get('key-auth')!.priority);
    for (const t of types) {
      expect(t.description.length, t.type).toBeGreaterThan(10);
      expect(t.schema.additionalProperties, t.type).toBe(false);
    }
  });

  it('applies defaults and returns the normalized options', () => {
    expect(validatePolicyConfig('key-auth', {})).toEqual({ header: 'authorization', hide_credentials: true, allow_other_teams: false });
    expect(validatePolicyConfig('cors', { origins: ['*'] })).toMatchObject({ origins: ['*'], credentials: false, headers: [] });
    const input = { allow: ['10.0.0.0/8'] };
    expect(validatePolicyConfig('ip-restriction', input)).toEqual({ allow: ['10.0.0.0/8'], deny: [] });
    expect(input).toEqual({ allow: ['10.0.0.0/8'] }); // defaults go on a clone
  });

  it('explains each problem with a path and a message', () => {
    const unknownType = thrown(() => validatePolicyConfig('nope', {}));
    expect(unknownType.details).toEqual([{ path: '/type', message: expect.stringContaining('nope') }]);

    const extra = thrown(() => validatePolicyConfig('key-auth', { header: 'x', extra: 1 }));
    expect(extra.code).toBe('GANTRY_ERR_VALIDATION');
    expect(extra.details!.length).toBeGreaterThan(0);
    expect(extra.details![0]).toEqual({ path: expect.any(String), message: expect.any(String) });

    const wrongType = thrown(() => validatePolicyConfig('request-size-limit', { max_bytes: 'big' }));
    expect(wrongType.details!.some((d) => d.path === '/max_bytes')).toBe(true);

    const missing = thrown(() => validatePolicyConfig('cors', {}));
    expect(missing.details!.some((d) => d.path === '/origins')).toBe(true);

    const semantic = thrown(() => validatePolicyConfig('ip-restriction', { deny: ['1.2.3.4', 'not-an-ip'] }));
    expect(semantic.details).toEqual([{ path: '/deny/1', message: expect.stringContaining('not-an-ip') }]);

    const empty = thrown(() => validatePolicyConfig('ip-restriction', {}));
    expect(empty.message).toContain('at least one');

    const origin = thrown(() => validatePolicyConfig('cors', { origins: ['ftp://x.test'] }));
    expect(origin.details![0].path).toBe('/origins/0');
  });
});
