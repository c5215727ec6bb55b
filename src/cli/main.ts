/**
 * The `bandex` command line: `serve` runs the exchange; the other commands are API clients
 * sharing `--url`, `--token` and `--json` (src/cli/client.ts). Each area adds a file
 * `src/cli/commands/<area>.ts` exporting `register(program)` and one line at the marked place.
 */
import { Command } from 'commander';
import { register as events } from './commands/events.ts';
import { register as registry } from './commands/registry.ts';
import { register as serve } from './commands/serve.ts';
import { register as quality } from './commands/quality.ts';
import { register as routes } from './commands/routes.ts';
import { register as market } from './commands/market.ts';
import { register as traffic } from './commands/traffic.ts';
// @bandex:command-imports — areas add `import { register as market } from './commands/market.ts';` above this line

const COMMANDS: ((program: Command) => void)[] = [
  serve,
  registry,
  events,
  quality,
  routes,
  market,
  traffic,
  // @bandex:commands — areas add `market,` above this line
];

export function buildProgram(): Command {
  const program = new Command('bandex')
    .description('bandex: an open exchange for IP bandwidth')
    .version('0.1.0')
    .option('--url <url>', 'exchange API URL (or BANDEX_URL; default http://127.0.0.1:8080)')
    .option('--token <key>', 'API key (or BANDEX_TOKEN)')
    .option('--json', 'print JSON instead of tables')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  for (const add of COMMANDS) add(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
