/** `bandex serve`: run the exchange (what `npm start` runs). */
import type { Command } from 'commander';
import { loadConfig, type BandexConfig, type ConfigInput } from '../../config.ts';
import { action } from '../client.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

interface ServeFlags {
  config?: string;
  dataDir?: string;
  database?: string;
  listen?: string;
  adminToken?: string;
  flowListen?: string;
  set: string[];
}

function configFrom(o: ServeFlags): BandexConfig {
  const server: ConfigInput['server'] = {};
  if (o.dataDir !== undefined) server.dataDir = o.dataDir;
  if (o.database !== undefined) server.database = o.database;
  if (o.listen !== undefined) server.listen = o.listen;
  if (o.adminToken !== undefined) server.adminToken = o.adminToken;
  const file = o.config ?? process.env.BANDEX_CONFIG;
  const flow: ConfigInput['flow'] = o.flowListen !== undefined ? { listen: o.flowListen } : undefined;
  return loadConfig({ ...(file ? { file } : {}), env: process.env, flags: { server, ...(flow ? { flow } : {}) }, set: o.set });
}

function withServerOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON config file (or BANDEX_CONFIG)')
    .option('--data-dir <dir>', 'directory of the embedded SQLite database (server.dataDir)')
    .option('--database <url>', 'postgres://… to use PostgreSQL instead of SQLite (server.database)')
    .option('--listen <host:port>', 'HTTP address, default 127.0.0.1:8080 (server.listen)')
    .option('--admin-token <token>', 'bootstrap admin key (or BANDEX_ADMIN_TOKEN)')
    .option('--flow-listen <host:port>', 'UDP address(es) of the flow collector, comma-separated (flow.listen)')
    .option('--set <section.key=value>', 'any other setting; repeatable', collect, []);
}

export function register(program: Command): void {
  withServerOptions(program.command('config').description('print the effective configuration (file < BANDEX_* environment < flags) as JSON, secrets masked')).action(
    action(async (o: ServeFlags) => {
      const c = configFrom(o);
      const masked = {
        ...c,
        server: {
          ...c.server,
          adminToken: c.server.adminToken ? '***' : '',
          database: c.server.database.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'),
        },
      };
      process.stdout.write(JSON.stringify(masked, null, 2) + '\n');
    }),
  );
  withServerOptions(program
    .command('serve')
    .description('run the exchange server (SQLite in --data-dir by default, or PostgreSQL with --database)'))
    .action(
      action(async (o: ServeFlags) => {
        const config = configFrom(o);
        // Loaded on demand: the API-client commands should not pay for (or depend on) the server code.
        const { runServer } = await import('../../main.ts');
        await runServer(config, { handleSignals: true });
      }),
    );
}
