/** `bandex events` and `bandex me`. */
import type { Command } from 'commander';
import { ApiClient, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

export function register(program: Command): void {
  program
    .command('events')
    .description('the journal tail you may see')
    .option('--after <seq>', 'only events after this seq', '0')
    .option('--limit <n>', 'how many', '50')
    .option('--type <types>', 'comma-separated event types')
    .action(
      action(async (o: { after: string; limit: string; type?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const q = new URLSearchParams({ after: o.after, limit: o.limit, ...(o.type ? { type: o.type } : {}) });
        const page = await new ApiClient(g).request('GET', `/v1/events?${q}`);
        print(g, page, () => table(page.items, ['seq', 'time', 'type', 'actor', 'topic']) + (page.next ? `next: --after ${page.next}\n` : ''));
      }),
    );
  program
    .command('me')
    .description('who the token belongs to')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const me = await new ApiClient(g).request('GET', '/v1/me');
        print(g, me, () => table([me], ['kind', 'keyId', 'memberId']));
      }),
    );
}
