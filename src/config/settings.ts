/**
 * Node settings: how this process runs (ports, database, limits), as opposed to the gateway
 * configuration (services, routes...) that lives in the store. Sources, strongest first:
 * command-line flags, environment variables (GANTRY_*), a YAML settings file (--config or
 * GANTRY_CONFIG), defaults.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { parseCallLogSettings, type CallLogSettings } from '../telemetry/settings.js';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const SettingsFile = Type.Object(
  {
    role: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('data'), Type.Literal('control')])),
    host: Type.Optional(Type.String({ minLength: 1 })),
    port: Type.Optional(Port),
    admin_host: Type.Optional(Type.String({ minLength: 1 })),
    admin_port: Type.Optional(Port),
    database_url: Type.Optional(Type.String({ minLength: 1 })),
    redis_url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
    redis_prefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,64}$' })),
    snapshot_file: Type.Optional(Type.String({ minLength: 1 })),
    data_dir: Type.Optional(Type.String({ minLength: 1 })),
    log_level: Type.Optional(
      Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
    ),
    node_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    config_poll_ms: Type.Optional(Type.Integer({ minimum: 50, maximum: 60_000 })),
    max_body_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
    max_header_bytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 1_048_576 })),
    headers_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
    request_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
    keep_alive_timeout_ms: Type.Optional(Type.Integer({ minimum: 100 })),
    shutdown_grace_ms: Type.Optional(Type.Integer({ minimum: 0 })),
    trust_proxy: Type.Optional(Type.Boolean()),
    /** Bound of the data plane's in-memory response cache (policies with store `memory`). */
    cache_max_bytes: Type.Optional(Type.Integer({ minimum: 1_048_576, maximum: 1_099_511_627_776 })),
    /** Bearer token GET /metrics requires; unset: /metrics is open (the admin port binds 127.0.0.1 by default). */
    metrics_token: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{16,256}$', description: '16 to 256 visible ASCII characters' })),
    /** Checked by telemetry/settings.ts (its schema, its defaults). */
    call_logs: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { additionalProperties: false },
);
export type SettingsFile = Static<typeof SettingsFile>;
const checkSettingsFile = TypeCompiler.Compile(SettingsFile);

export interface Settings {
  role: 'all' | 'data' | 'control';
  host: string;
  port: number;
  adminHost: string;
  adminPort: number;
  databaseUrl: string;
  /** Cluster mode: config change notifications over Redis pub/sub. */
  redisUrl: string | undefined;
  /** Prefix of this cluster's Redis keys and channels (`<prefix>:config`). */
  redisPrefix: string;
  /** Where the last good configuration is kept, to serve from while the store is unreachable. */
  snapshotFile: string;
  dataDir: string;
  logLevel: string;
  nodeId: string;
  configPollMs: number;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  shutdownGraceMs: number;
  trustProxy: boolean;
  /** Bound of the in-memory response cache, in bytes. */
  cacheMaxBytes: number;
  /** Required by GET /metrics as `Authorization: Bearer <token>` when set (docs/metrics.md). */
  metricsToken?: string | undefined;
  /** The `call_logs` section, defaults applied (docs/call-logs.md). */
  callLogs: CallLogSettings;
}

/** Which env variable feeds which settings-file key. */
const ENV: Record<Exclude<keyof SettingsFile, 'call_logs'>, string> = {
  role: 'GANTRY_ROLE',
  host: 'GANTRY_HOST',
  port: 'GANTRY_PORT',
  admin_host: 'GANTRY_ADMIN_HOST',
  admin_port: 'GANTRY_ADMIN_PORT',
  database_url: 'GANTRY_DATABASE_URL',
  redis_url: 'GANTRY_REDIS_URL',
  redis_prefix: 'GANTRY_REDIS_PREFIX',
  snapshot_file: 'GANTRY_SNAPSHOT_FILE',
  data_dir: 'GANTRY_DATA_DIR',
  log_level: 'GANTRY_LOG_LEVEL',
  node_id: 'GANTRY_NODE_ID',
  config_poll_ms: 'GANTRY_CONFIG_POLL_MS',
  max_body_bytes: 'GANTRY_MAX_BODY_BYTES',
  max_header_bytes: 'GANTRY_MAX_HEADER_BYTES',
  headers_timeout_ms: 'GANTRY_HEADERS_TIMEOUT_MS',
  request_timeout_ms: 'GANTRY_REQUEST_TIMEOUT_MS',
  keep_alive_timeout_ms: 'GANTRY_KEEP_ALIVE_TIMEOUT_MS',
  shutdown_grace_ms: 'GANTRY_SHUTDOWN_GRACE_MS',
  trust_proxy: 'GANTRY_TRUST_PROXY',
  cache_max_bytes: 'GANTRY_CACHE_MAX_BYTES',
  metrics_token: 'GANTRY_METRICS_TOKEN',
};

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Strings from env or flags, typed by the schema: integers and booleans parsed, others kept. */
function coerce(key: keyof typeof ENV, raw: string, source: string): unknown {
  const schema = SettingsFile.properties[key] as { type?: string; anyOf?: unknown };
  if (schema.type === 'integer') {
    if (!/^\d+$/.test(raw.trim())) throw new SettingsError(`${source}: expected a whole number, got '${raw}'`);
    return Number(raw);
  }
  if (schema.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new SettingsError(`${source}: expected true or false, got '${raw}'`);
  }
  return raw;
}

function validate(values: Record<string, unknown>, source: string): SettingsFile {
  if (checkSettingsFile.Check(values)) return values as SettingsFile;
  const problems = [...checkSettingsFile.Errors(values)]
    .slice(0, 5)
    .map((e) => `${e.path.replace(/^\//, '') || '(root)'}: ${e.message}`);
  throw new SettingsError(`${source}: ${problems.join('; ')}`);
}

export function readSettingsFile(path: string): SettingsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SettingsError(`cannot read settings file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (err) {
    throw new SettingsError(`settings file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SettingsError(`settings file ${path} must be a mapping of setting names to values`);
  }
  return validate(parsed as Record<string, unknown>, `settings file ${path}`);
}

/** Flags arrive as strings keyed like the settings file (`admin_port`). */
export function loadSettings(
  flags: Partial<Record<keyof SettingsFile | 'config', string>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const configPath = flags.config ?? env.GANTRY_CONFIG;
  const merged: Record<string, unknown> = configPath ? { ...readSettingsFile(configPath) } : {};
  for (const key of Object.keys(ENV) as (keyof typeof ENV)[]) {
    const fromEnv = env[ENV[key]];
    if (fromEnv !== undefined && fromEnv !== '') merged[key] = coerce(key, fromEnv, ENV[key]);
  }
  for (const key of Object.keys(ENV) as (keyof typeof ENV)[]) {
    const fromFlag = flags[key];
    if (fromFlag !== undefined) merged[key] = coerce(key, fromFlag, `--${key.replaceAll('_', '-')}`);
  }
  const s = validate(merged, 'settings');
  const dataDir = resolve(s.data_dir ?? './data');
  return {
    role: s.role ?? 'all',
    host: s.host ?? '0.0.0.0',
    port: s.port ?? 8080,
    // The admin API can change everything: only this machine reaches it unless an operator says otherwise.
    adminHost: s.admin_host ?? '127.0.0.1',
    adminPort: s.admin_port ?? 9080,
    databaseUrl: s.database_url ?? resolve(dataDir, 'gantry.db'),
    redisUrl: s.redis_url,
    redisPrefix: s.redis_prefix ?? 'gantry',
    snapshotFile: s.snapshot_file ? resolve(s.snapshot_file) : resolve(dataDir, 'snapshot.json'),
    dataDir,
    logLevel: s.log_level ?? 'info',
    nodeId: s.node_id ?? `${hostname()}-${process.pid}`,
    configPollMs: s.config_poll_ms ?? 500,
    maxBodyBytes: s.max_body_bytes ?? 10 * 1024 * 1024,
    maxHeaderBytes: s.max_header_bytes ?? 16 * 1024,
    headersTimeoutMs: s.headers_timeout_ms ?? 30_000,
    requestTimeoutMs: s.request_timeout_ms ?? 300_000,
    keepAliveTimeoutMs: s.keep_alive_timeout_ms ?? 65_000,
    shutdownGraceMs: s.shutdown_grace_ms ?? 10_000,
    trustProxy: s.trust_proxy ?? false,
    cacheMaxBytes: s.cache_max_bytes ?? 256 * 1024 * 1024,
    metricsToken: s.metrics_token,
    callLogs: callLogSettings(s.call_logs, env),
  };
}

/** The database URL with any password removed, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * `call_logs` from the settings file, then the few env vars that override it (GANTRY_CALL_LOGS=on|off
 * and friends), checked against telemetry's schema with its defaults applied.
 */
export function callLogSettings(fromFile: Record<string, unknown> | undefined, env: NodeJS.ProcessEnv): CallLogSettings {
  const section: Record<string, unknown> = structuredClone(fromFile ?? {});
  const sub = (key: string): Record<string, unknown> => (section[key] ??= {}) as Record<string, unknown>;
  const onOff = env.GANTRY_CALL_LOGS;
  if (onOff !== undefined && onOff !== '') {
    if (/^(1|true|yes|on)$/i.test(onOff)) section.enabled = true;
    else if (/^(0|false|no|off)$/i.test(onOff)) section.enabled = false;
    else throw new SettingsError(`GANTRY_CALL_LOGS: expected on or off, got '${onOff}'`);
  }
  const file = env.GANTRY_CALL_LOGS_FILE;
  if (file) section.file = { ...(section.file as object | undefined), path: file };
  const webhook = env.GANTRY_CALL_LOGS_WEBHOOK_URL;
  if (webhook) section.webhook = { ...(section.webhook as object | undefined), url: webhook };
  if (env.GANTRY_CALL_LOGS_OVERFLOW) section.overflow = env.GANTRY_CALL_LOGS_OVERFLOW;
  const days = env.GANTRY_CALL_LOGS_RETENTION_DAYS;
  if (days !== undefined && days !== '') {
    if (!/^\d+$/.test(days.trim())) throw new SettingsError(`GANTRY_CALL_LOGS_RETENTION_DAYS: expected a whole number, got '${days}'`);
    sub('retention').days = Number(days);
  }
  try {
    return parseCallLogSettings(section);
  } catch (err) {
    throw new SettingsError(`settings: ${(err as Error).message}`);
  }
}
