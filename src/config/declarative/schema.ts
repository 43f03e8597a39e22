/**
 * The declarative configuration file (`gantry export` writes it, `gantry apply -f` makes it so).
 * Resources are nested under their team and refer to each other by name, so one file can be applied
 * to any Gantry. It reuses the admin API's schemas, less the ids.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import {
  AppCreate,
  Name,
  PolicyCreate,
  RouteCreate,
  ServiceCreate,
  TeamCreate,
  UpstreamCreate,
} from '../../core/model.js';

function without<T extends TObject, K extends keyof T['properties'] & string>(schema: T, keys: K[]) {
  const props = { ...schema.properties };
  for (const k of keys) delete props[k];
  return props as Omit<T['properties'], K>;
}

export const DeclPolicy = Type.Object(
  without(PolicyCreate, ['scope', 'target_id']),
  { additionalProperties: false },
);
const Policies = Type.Optional(Type.Array(DeclPolicy, { maxItems: 100 }));

export const DeclRoute = Type.Object(
  { ...without(RouteCreate, ['service_id']), policies: Policies },
  { additionalProperties: false },
);

export const DeclService = Type.Object(
  {
    ...without(ServiceCreate, ['team_id', 'upstream_id']),
    /** Name of an upstream of the same team; required for `http` services, absent for `ai` ones. */
    upstream: Type.Optional(Name),
    routes: Type.Optional(Type.Array(DeclRoute, { maxItems: 10_000 })),
    policies: Policies,
  },
  { additionalProperties: false },
);

export const DeclUpstream = Type.Object(without(UpstreamCreate, ['team_id']), { additionalProperties: false });

export const DeclKey = Type.Object(
  {
    name: Type.Optional(Name),
    /** SHA-256 (hex) of the key, as `gantry export` writes it. */
    key_hash: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
    /** Or the key itself (e.g. injected from a secret manager); only its hash is stored. */
    key: Type.Optional(Type.String({ minLength: 16, maxLength: 512 })),
    hint: Type.Optional(Type.String({ maxLength: 64 })),
    enabled: Type.Optional(Type.Boolean()),
    expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const DeclApp = Type.Object(
  { ...without(AppCreate, ['team_id']), keys: Type.Optional(Type.Array(DeclKey, { maxItems: 1000 })) },
  { additionalProperties: false },
);

export const DeclTeam = Type.Object(
  {
    ...TeamCreate.properties,
    upstreams: Type.Optional(Type.Array(DeclUpstream)),
    services: Type.Optional(Type.Array(DeclService)),
    apps: Type.Optional(Type.Array(DeclApp)),
  },
  { additionalProperties: false },
);

export const DeclConfig = Type.Object(
  {
    version: Type.Literal(1),
    teams: Type.Optional(Type.Array(DeclTeam)),
    /** Global policies: apply to every route. */
    policies: Policies,
  },
  { additionalProperties: false },
);

export type DeclPolicy = Static<typeof DeclPolicy>;
export type DeclRoute = Static<typeof DeclRoute>;
export type DeclService = Static<typeof DeclService>;
export type DeclUpstream = Static<typeof DeclUpstream>;
export type DeclKey = Static<typeof DeclKey>;
export type DeclApp = Static<typeof DeclApp>;
export type DeclTeam = Static<typeof DeclTeam>;
export type DeclConfig = Static<typeof DeclConfig>;
