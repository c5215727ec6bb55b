/** `bandex serve`: run the exchange (what `npm start` runs). */
import type { Command } from 'commander';
import { loadConfig, type ConfigInput } from '../../config.ts';
import { runServer } from '../../main.ts';
import { action } from '../client.ts';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  program
    .command('serve')
    .description('run the exchange server (SQLite in --data-dir by default, or PostgreSQL with --database)')
    .option('--config <file>', 'JSON config file (or BANDEX_CONFIG)')
    .option('--data-dir <dir>', 'directory of the embedded SQLite database (server.dataDir)')
    .option('--database <url>', 'postgres://… to use PostgreSQL instead of SQLite (server.database)')
    .option('--listen <host:port>', 'HTTP address, default 127.0.0.1:8080 (server.listen)')
    .option('--admin-token <token>', 'bootstrap admin key (or BANDEX_ADMIN_TOKEN)')
    .option('--flow-listen <host:port>', 'UDP address(es) of the flow collector, comma-separated (flow.listen)')
    .option('--set <section.key=value>', 'any other setting; repeatable', collect, [])
    .action(
      action(async (o: { config?: string; dataDir?: string; database?: string; listen?: string; adminToken?: string; flowListen?: string; set: string[] }) => {
        const server: ConfigInput['server'] = {};
        if (o.dataDir !== undefined) server.dataDir = o.dataDir;
        if (o.database !== undefined) server.database = o.database;
        if (o.listen !== undefined) server.listen = o.listen;
        if (o.adminToken !== undefined) server.adminToken = o.adminToken;
        const file = o.config ?? process.env.BANDEX_CONFIG;
        const config = loadConfig({ ...(file ? { file } : {}), env: process.env, flags: { server, ...(o.flowListen !== undefined ? { flow: { listen: o.flowListen } } : {}) }, set: o.set });
        await runServer(config, { handleSignals: true });
      }),
    );
}
