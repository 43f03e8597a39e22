import type { ConfigData } from '../core/model.js';
import { StoreContext, readConfigVersion, type StoreRoot } from './context.js';
import { toGantryError } from './errors.js';
import { runMigrations } from './migrate.js';
import { AdminTokenRepo } from './repos/admin-tokens.js';
import { AiAliasRepo } from './repos/ai-aliases.js';
import { AiModelRepo } from './repos/ai-models.js';
import { AiProviderKeyRepo } from './repos/ai-provider-keys.js';
import { AiProviderRepo } from './repos/ai-providers.js';
import { AiUsageRepo } from './repos/ai-usage.js';
import { CallLogRepo } from './repos/call-logs.js';
import { CallRollupRepo } from './repos/call-rollups.js';
import { closeCallWriter } from './repos/call-writer.js';
import { ApiKeyRepo } from './repos/api-keys.js';
import { AppRepo } from './repos/apps.js';
import { readConfig } from './repos/config.js';
import { PolicyRepo } from './repos/policies.js';
import { RouteRepo } from './repos/routes.js';
import { ServiceRepo } from './repos/services.js';
import { TeamRepo } from './repos/teams.js';
import { UpstreamRepo } from './repos/upstreams.js';
import type { Store } from './types.js';

/** The Store over Kysely; one instance for the root, one per transaction (bound to it). */
export class KyselyStore implements Store {
  readonly dialect: Store['dialect'];
  readonly teams: TeamRepo;
  readonly upstreams: UpstreamRepo;
  readonly services: ServiceRepo;
  readonly routes: RouteRepo;
  readonly apps: AppRepo;
  readonly policies: PolicyRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly adminTokens: AdminTokenRepo;
  readonly aiProviders: AiProviderRepo;
  readonly aiProviderKeys: AiProviderKeyRepo;
  readonly aiAliases: AiAliasRepo;
  readonly aiModels: AiModelRepo;
  readonly aiUsage: AiUsageRepo;
  readonly callLogs: CallLogRepo;
  readonly callRollups: CallRollupRepo;
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    this.dialect = ctx.root.dialect;
    this.teams = new TeamRepo(ctx);
    this.upstreams = new UpstreamRepo(ctx);
    this.services = new ServiceRepo(ctx);
    this.routes = new RouteRepo(ctx);
    this.apps = new AppRepo(ctx);
    this.policies = new PolicyRepo(ctx);
    this.apiKeys = new ApiKeyRepo(ctx);
    this.adminTokens = new AdminTokenRepo(ctx);
    this.aiProviders = new AiProviderRepo(ctx);
    this.aiProviderKeys = new AiProviderKeyRepo(ctx);
    this.aiAliases = new AiAliasRepo(ctx);
    this.aiModels = new AiModelRepo(ctx);
    this.aiUsage = new AiUsageRepo(ctx);
    this.callLogs = new CallLogRepo(ctx);
    this.callRollups = new CallRollupRepo(ctx);
  }

  static open(root: StoreRoot): KyselyStore {
    return new KyselyStore(new StoreContext(root));
  }

  migrate(): Promise<{ applied: string[] }> {
    return runMigrations(this.#ctx.root);
  }

  async close(): Promise<void> {
    try {
      await closeCallWriter(this.#ctx.root);
      await this.#ctx.root.db.destroy();
    } catch (err) {
      throw toGantryError(err, 'close');
    }
  }

  /** Nested calls (on this store or on the store bound to the transaction) join the open transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    const root = this.#ctx.root;
    const open = this.#ctx.current();
    if (open) return fn(new KyselyStore(new StoreContext(root, open)));
    return this.#ctx.transaction((state) => fn(new KyselyStore(new StoreContext(root, state))));
  }

  getConfigVersion(): Promise<number> {
    return this.#ctx.read(readConfigVersion);
  }

  /** In one read-only transaction (REPEATABLE READ on PostgreSQL), or in the open one. */
  loadConfig(): Promise<ConfigData> {
    const open = this.#ctx.current();
    if (open) return this.#ctx.read(readConfig);
    return this.#ctx.transaction(
      async (state) => {
        try {
          return await readConfig(state.trx);
        } catch (err) {
          throw toGantryError(err, 'loading the configuration');
        }
      },
      { readOnly: true },
    );
  }
}
