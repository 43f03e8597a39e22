/**
 * The `gantry` command: start | migrate | admin create-token | export | apply.
 * Store commands (everything but start) work directly on the database the node would use, so they
 * take the same --database-url / --data-dir / --config as start; a running node picks their changes
 * up through its config-version poll.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { startGantry } from '../app.js';
import { loadSettings, SettingsError, type Settings } from '../config/settings.js';
import { applyConfig, exportConfigYaml, formatPlan, parseConfigFile } from '../config/declarative/index.js';
import { isGantryError } from '../core/errors.js';
import { hashSecret, newSecret, secretHint } from '../core/ids.js';
import { AdminRole } from '../core/model.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { GANTRY_VERSION } from '../version.js';

type Flags = Record<string, string | undefined>;

function settingsFrom(flags: Flags): Settings {
  return loadSettings({
    config: flags.config,
    role: flags.role,
    host: flags.host,
    port: flags.port,
    admin_host: flags.adminHost,
    admin_port: flags.adminPort,
    database_url: flags.databaseUrl,
    redis_url: flags.redisUrl,
    data_dir: flags.dataDir,
    log_level: flags.logLevel,
    node_id: flags.nodeId,
  });
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'node settings file (YAML); env GANTRY_CONFIG')
    .option('--database-url <url>', 'postgres://... or a SQLite file path; env GANTRY_DATABASE_URL')
    .option('--data-dir <dir>', 'where the embedded database lives (default ./data); env GANTRY_DATA_DIR');
}

/** Settings for commands that only use the database: their own flags (e.g. --role) are not node settings. */
function storeSettingsFrom(flags: Flags): Settings {
  return settingsFrom({ config: flags.config, databaseUrl: flags.databaseUrl, dataDir: flags.dataDir });
}

async function withStore<T>(flags: Flags, fn: (store: Store) => Promise<T>): Promise<T> {
  const settings = storeSettingsFrom(flags);
  const store = await createStore({ url: settings.databaseUrl });
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

function printBootstrapToken(token: string, adminUrl: string | undefined): void {
  const url = adminUrl ?? 'http://127.0.0.1:9080';
  process.stdout.write(
    [
      '',
      '  Gantry created the first admin token. It is shown only this once: store it now.',
      '',
      `    ${token}`,
      '',
      `  Try it:  curl -H "Authorization: Bearer ${token}" ${url}/api/v1/status`,
      '',
      '',
    ].join('\n'),
  );
}

export function buildProgram(): Command {
  const program = new Command('gantry')
    .description('Gantry: API and AI gateway')
    .version(GANTRY_VERSION)
    .showHelpAfterError();

  storeOptions(
    program
      .command('start')
      .description('start a node: data plane (:8080) and admin API (:9080)')
      .addOption(new Option('--role <role>', 'which planes to run; env GANTRY_ROLE').choices(['all', 'data', 'control']))
      .option('--host <host>', 'data plane bind address (default 0.0.0.0); env GANTRY_HOST')
      .option('--port <port>', 'data plane port (default 8080); env GANTRY_PORT')
      .option('--admin-host <host>', 'admin API bind address (default 127.0.0.1); env GANTRY_ADMIN_HOST')
      .option('--admin-port <port>', 'admin API port (default 9080); env GANTRY_ADMIN_PORT')
      .option('--redis-url <url>', 'cluster mode: config change notifications over Redis; env GANTRY_REDIS_URL')
      .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent; env GANTRY_LOG_LEVEL')
      .option('--node-id <id>', 'this node’s name in logs and call records; env GANTRY_NODE_ID'),
  ).action(async (flags: Flags) => {
    const settings = settingsFrom(flags);
    const gantry = await startGantry(settings, { bootstrapToken: process.env.GANTRY_ADMIN_TOKEN || undefined });
    if (gantry.bootstrapToken && !process.env.GANTRY_ADMIN_TOKEN) printBootstrapToken(gantry.bootstrapToken, gantry.adminUrl);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      gantry.logger.info({ signal }, 'shutting down');
      gantry.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

  storeOptions(program.command('migrate').description('create or upgrade the database schema, then exit')).action(
    async (flags: Flags) => {
      const settings = storeSettingsFrom(flags);
      const store = await createStore({ url: settings.databaseUrl });
      try {
        const { applied } = await store.migrate();
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await store.close();
      }
    },
  );

  const admin = program.command('admin').description('administration');
  storeOptions(
    admin
      .command('create-token')
      .description('create an admin token and print it (shown once)')
      .requiredOption('--name <name>', 'what the token is for')
      .addOption(new Option('--role <role>', 'org_admin, team_admin or team_viewer').choices([...AdminRole.anyOf.map((r) => r.const)]).default('org_admin'))
      .option('--team <name>', 'the team, for team roles')
      .option('--expires-in-days <days>', 'expire after this many days'),
  ).action(async (flags: Flags) => {
    await withStore(flags, async (store) => {
      const role = flags.role as AdminRole;
      let teamId: string | null = null;
      if (role !== 'org_admin') {
        if (!flags.team) throw new Error(`--team is required for role ${role}`);
        const team = (await store.teams.list('all', { name: flags.team })).items.find((t) => t.name === flags.team);
        if (!team) throw new Error(`no team named '${flags.team}'`);
        teamId = team.id;
      } else if (flags.team) {
        throw new Error('--team applies to team roles only');
      }
      let expiresAt: string | null = null;
      if (flags.expiresInDays !== undefined) {
        const days = Number(flags.expiresInDays);
        if (!Number.isFinite(days) || days <= 0) throw new Error('--expires-in-days must be a positive number');
        expiresAt = new Date(Date.now() + days * 86_400_000).toISOString();
      }
      const token = newSecret('gadm');
      await store.adminTokens.create({
        name: flags.name!,
        role,
        team_id: teamId,
        hint: secretHint(token),
        token_hash: hashSecret(token),
        expires_at: expiresAt,
      });
      process.stdout.write(`${token}\n`);
    });
  });

  storeOptions(
    program
      .command('export')
      .description('write the whole configuration as YAML (stdout, or -o file)')
      .option('-o, --output <file>', 'write to this file instead of stdout'),
  ).action(async (flags: Flags) => {
    const yaml = await withStore(flags, async (store) => exportConfigYaml(await store.loadConfig()));
    if (flags.output) writeFileSync(flags.output, yaml);
    else process.stdout.write(yaml);
  });

  storeOptions(
    program
      .command('apply')
      .description('make the configuration match a YAML file (idempotent; deletes what the file omits)')
      .requiredOption('-f, --file <file>', 'the file, as written by gantry export ("-" for stdin)')
      .option('--dry-run', 'print the changes and check they would apply, without changing anything'),
  ).action(async (flags: Flags & { dryRun?: boolean }) => {
    const source = flags.file === '-' ? 'stdin' : flags.file!;
    const text = readFileSync(flags.file === '-' ? 0 : flags.file!, 'utf8');
    const doc = parseConfigFile(text, source);
    const result = await withStore(flags, (store) => applyConfig(store, doc, { dryRun: Boolean(flags.dryRun) }));
    process.stdout.write(formatPlan(result.changes));
    if (result.dryRun && result.changes.length) process.stdout.write('Dry run: nothing was changed.\n');
  });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = 1;
    if (isGantryError(err)) {
      process.stderr.write(`gantry: ${err.message} (${err.code})\n`);
      for (const d of err.details ?? []) process.stderr.write(`  ${d.path ?? ''}: ${d.message}\n`);
    } else if (err instanceof SettingsError) {
      process.stderr.write(`gantry: ${err.message}\n`);
    } else {
      process.stderr.write(`gantry: ${(err as Error).message ?? String(err)}\n`);
    }
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) void main(process.argv);
