/**
 * AI gateway resources: providers (with their sealed keys), aliases (virtual models), catalog
 * overrides, and per-app AI limits. Same conventions as model.ts. A provider or alias whose team_id
 * is null is organisation-wide: every team may use it, only org admins change it.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Name } from './model.js';

export { AiLimits } from './ai-limits.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Meta = { id: Id, created_at: Timestamp, updated_at: Timestamp };

export const PROVIDER_KINDS = [
  'openai',
  'azure-openai',
  'anthropic',
  'gemini',
  'bedrock',
  'mistral',
  'deepseek',
  'groq',
  'together',
  'fireworks',
  'openrouter',
  'xai',
  'ollama',
  'vllm',
  'openai-compatible',
] as const;
export const ProviderKindSchema = Type.Union(PROVIDER_KINDS.map((k) => Type.Literal(k)));
export type ProviderKindName = (typeof PROVIDER_KINDS)[number];

const HeaderMap = Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String({ maxLength: 4096 }), {
  maxProperties: 32,
});

export const ProviderSettings = Type.Object(
  {
    /** azure-openai: the `api-version` query parameter. */
    api_version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** azure-openai: model name → deployment name. A model without an entry uses its own name. */
    deployments: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 256 }))),
    /** bedrock: AWS region, e.g. us-east-1. */
    region: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d$' })),
    /** Extra headers sent with every request (not secrets: use keys for those). */
    headers: Type.Optional(HeaderMap),
    /** Per-attempt timeouts. */
    timeout_ms: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type ProviderSettings = Static<typeof ProviderSettings>;

export const AiProviderCreate = Type.Object(
  {
    name: Name,
    /** Absent: the default team for org admins; null: organisation-wide (org admins only). */
    team_id: Type.Optional(Nullable(Id)),
    kind: ProviderKindSchema,
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Defaults to the kind's public endpoint; required for azure-openai, vllm and openai-compatible. */
    base_url: Type.Optional(Nullable(Type.String({ pattern: '^https?://[^\\s?#]+$', maxLength: 2048 }))),
    settings: Type.Optional(ProviderSettings),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const AiProviderUpdate = Type.Partial(Type.Omit(AiProviderCreate, ['team_id', 'kind']), {
  additionalProperties: false,
});
export const AiProvider = Type.Object({
  ...Meta,
  team_id: Nullable(Id),
  name: Name,
  kind: ProviderKindSchema,
  description: Type.String(),
  base_url: Nullable(Type.String()),
  settings: ProviderSettings,
  enabled: Type.Boolean(),
});
export type AiProviderCreate = Static<typeof AiProviderCreate>;
export type AiProviderUpdate = Static<typeof AiProviderUpdate>;
export type AiProvider = Static<typeof AiProvider>;

export const AwsCredentials = Type.Object(
  {
    access_key_id: Type.String({ minLength: 16, maxLength: 128 }),
    secret_access_key: Type.String({ minLength: 16, maxLength: 256 }),
    session_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type AwsCredentials = Static<typeof AwsCredentials>;

export const AiProviderKeyCreate = Type.Object(
  {
    name: Type.Optional(Name),
    /** The provider's API key. For bedrock give `aws` instead. Never returned. */
    secret: Type.Optional(Type.String({ minLength: 1, maxLength: 8192 })),
    aws: Type.Optional(AwsCredentials),
    /** Lower is tried first; keys of equal priority share the load. */
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export const AiProviderKeyUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    /** Setting true also clears an `auth_failed` status. */
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AiProviderKeyCreate = Static<typeof AiProviderKeyCreate>;
export type AiProviderKeyUpdate = Static<typeof AiProviderKeyUpdate>;

export type ProviderKeyStatus = 'active' | 'auth_failed';

/** As stored. `sealed_secret` never leaves the server; the admin API shows `hint` and `status`. */
export interface AiProviderKeyRecord {
  id: string;
  provider_id: string;
  team_id: string | null;
  name: string;
  hint: string;
  /** SecretBox.seal(secret, aad = key id): the secret string, or the AWS credentials as JSON. */
  sealed_secret: string;
  priority: number;
  enabled: boolean;
  status: ProviderKeyStatus;
  status_reason: string | null;
  status_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

export const AliasTarget = Type.Object(
  {
    /** Provider name (same team or organisation-wide) or id. */
    provider: Type.String({ minLength: 1, maxLength: 64 }),
    /** The provider's model id, e.g. `claude-sonnet-4-5`. */
    model: Type.String({ minLength: 1, maxLength: 256 }),
    /** For `weighted`: relative share. */
    weight: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export const AiAliasCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' }),
    team_id: Type.Optional(Nullable(Id)),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    /** `fallback`: targets in order, the next one when one fails. `weighted`: one picked by weight, the others as fallbacks. */
    strategy: Type.Optional(Type.Union([Type.Literal('fallback'), Type.Literal('weighted')])),
    targets: Type.Array(AliasTarget, { minItems: 1, maxItems: 32 }),
  },
  { additionalProperties: false },
);
export const AiAliasUpdate = Type.Partial(Type.Omit(AiAliasCreate, ['team_id']), { additionalProperties: false });
export const AiAlias = Type.Object({
  ...Meta,
  team_id: Nullable(Id),
  name: Type.String(),
  description: Type.String(),
  strategy: Type.Union([Type.Literal('fallback'), Type.Literal('weighted')]),
  /** Stored with provider ids resolved. */
  targets: Type.Array(Type.Object({ provider_id: Id, model: Type.String(), weight: Type.Integer() })),
});
export type AiAliasCreate = Static<typeof AiAliasCreate>;
export type AiAliasUpdate = Static<typeof AiAliasUpdate>;
export type AiAlias = Static<typeof AiAlias>;

/** A catalog override or addition, keyed by `<provider kind>/<model>`; the fields of CatalogModel. */
export interface AiModelOverrideRecord {
  id: string;
  /** JSON of Partial<CatalogModel> (the full model for an addition). */
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}
