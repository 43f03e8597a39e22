import type { Kysely } from 'kysely';
import type { ConfigData } from '../../core/model.js';
import { readConfigVersion } from '../context.js';
import type { Database } from '../schema.js';
import { toAiAlias } from './ai-aliases.js';
import { toAiModelOverride } from './ai-models.js';
import { toAiProviderKey } from './ai-provider-keys.js';
import { toAiProvider } from './ai-providers.js';
import { toApiKey } from './api-keys.js';
import { toApp } from './apps.js';
import { toPolicy } from './policies.js';
import { toRoute } from './routes.js';
import { toService } from './services.js';
import { toTeam } from './teams.js';
import { toUpstream } from './upstreams.js';

/** Everything the data plane compiles (provider keys with their sealed secrets). Run it in one transaction for a consistent snapshot. */
export async function readConfig(db: Kysely<Database>): Promise<ConfigData> {
  const version = await readConfigVersion(db);
  const teams = await db.selectFrom('teams').selectAll().orderBy('id').execute();
  const upstreams = await db.selectFrom('upstreams').selectAll().orderBy('id').execute();
  const services = await db.selectFrom('services').selectAll().orderBy('id').execute();
  const routes = await db.selectFrom('routes').selectAll().orderBy('id').execute();
  const apps = await db.selectFrom('apps').selectAll().orderBy('id').execute();
  const apiKeys = await db.selectFrom('api_keys').selectAll().orderBy('id').execute();
  const policies = await db.selectFrom('policies').selectAll().orderBy('id').execute();
  const aiProviders = await db.selectFrom('ai_providers').selectAll().orderBy('id').execute();
  const aiProviderKeys = await db.selectFrom('ai_provider_keys').selectAll().orderBy('id').execute();
  const aiAliases = await db.selectFrom('ai_aliases').selectAll().orderBy('id').execute();
  const aiModelOverrides = await db.selectFrom('ai_model_overrides').selectAll().orderBy('id').execute();
  return {
    version,
    teams: teams.map(toTeam),
    upstreams: upstreams.map(toUpstream),
    services: services.map(toService),
    routes: routes.map(toRoute),
    apps: apps.map(toApp),
    apiKeys: apiKeys.map(toApiKey),
    policies: policies.map(toPolicy),
    aiProviders: aiProviders.map(toAiProvider),
    aiProviderKeys: aiProviderKeys.map(toAiProviderKey),
    aiAliases: aiAliases.map(toAiAlias),
    aiModelOverrides: aiModelOverrides.map(toAiModelOverride),
  };
}
