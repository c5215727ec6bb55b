/**
 * Route server commands: `bandex port config` (BIRD/FRR neighbor configuration for a port's
 * router), `bandex routes` (the trade route registry), `bandex exports` (looking glass),
 * `bandex prefix add|list|remove`, `bandex policy`, `bandex sessions`; and `bandex serve
 * --bgp-listen HOST:PORT` (a shorthand for `--set bgp.listen=HOST:PORT`).
 */
import type { Command } from 'commander';
import { ApiClient, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

const q = encodeURIComponent;

function flatRoute(r: {
  memberId: string;
  prefix: string;
  status: string;
  reasons: Array<{ code: string }>;
  rpki: string;
  attrs: { nextHop: string; asPath: string; largeCommunities: string[] };
}) {
  return {
    prefix: r.prefix,
    member: r.memberId,
    status: r.status,
    reasons: r.reasons.map((x) => x.code),
    rpki: r.rpki,
    nextHop: r.attrs.nextHop,
    asPath: r.attrs.asPath,
  };
}

export function register(program: Command): void {
  const serve = program.commands.find((c) => c.name() === 'serve');
  if (serve) {
    serve.option('--bgp-listen <host:port>', 'run the route server on this address (bgp.listen), e.g. [::]:179');
    serve.hook('preAction', (cmd) => {
      const v = cmd.getOptionValue('bgpListen') as string | undefined;
      if (v !== undefined) cmd.setOptionValue('set', [...((cmd.getOptionValue('set') as string[] | undefined) ?? []), `bgp.listen=${v}`]);
    });
  }

  const port = program.commands.find((c) => c.name() === 'port') ?? program.command('port').description('member ports on the exchange fabric');
  port
    .command('config <portId>')
    .description("neighbor configuration for the port's router towards the route server")
    .option('--format <bird|frr>', 'router software', 'bird')
    .action(
      action(async (portId: string, o: { format: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request<{ format: string; config: string }>('GET', `/v1/ports/${q(portId)}/bgp-config?format=${q(o.format)}`);
        print(g, r, () => r.config);
      }),
    );

  program
    .command('routes')
    .description('routes members announced to the route server (accepted and rejected, with reasons)')
    .option('--member <id>', 'only this member’s routes')
    .option('--prefix <cidr>', 'look up a prefix')
    .option('--match <exact|longest|covering|covered>', 'how --prefix matches', 'exact')
    .option('--status <accepted|rejected>', 'only routes with this verdict')
    .action(
      action(async (o: { member?: string; prefix?: string; match: string; status?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const params = [
          o.member ? `member=${q(o.member)}` : '',
          o.prefix ? `prefix=${q(o.prefix)}&match=${q(o.match)}` : '',
          o.status ? `status=${q(o.status)}` : '',
        ].filter(Boolean);
        const items = await new ApiClient(g).all(`/v1/routes${params.length ? '?' + params.join('&') : ''}`);
        print(g, items, () => table(items.map(flatRoute), ['prefix', 'member', 'status', 'reasons', 'rpki', 'nextHop', 'asPath']));
      }),
    );

  program
    .command('exports <memberId>')
    .description('looking glass: what the route server sends the member now, and for which trade')
    .action(
      action(async (memberId: string, _o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all(`/v1/members/${q(memberId)}/exports`);
        print(g, items, () =>
          table(
            items.map((r: { prefix: string; source: { memberId: string }; attrs: { nextHop: string; asPath: string }; reasons: Array<{ tradeId: string; role: string }> }) => ({
              prefix: r.prefix,
              from: r.source.memberId,
              nextHop: r.attrs.nextHop,
              asPath: r.attrs.asPath,
              trades: r.reasons.map((x) => `${x.tradeId}(${x.role})`),
            })),
            ['prefix', 'from', 'nextHop', 'asPath', 'trades'],
          ),
        );
      }),
    );

  const prefix = program.command('prefix').description("a member's registered prefixes");
  prefix
    .command('add <memberId> <prefix>')
    .option('--description <text>', 'what the prefix is')
    .action(
      action(async (memberId: string, p: string, o: { description?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request('POST', `/v1/members/${q(memberId)}/prefixes`, { prefix: p, ...(o.description ? { description: o.description } : {}) });
        print(g, r, () => table([r], ['memberId', 'prefix', 'description', 'registeredAt']));
      }),
    );
  prefix.command('list <memberId>').action(
    action(async (memberId: string, _o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const r = await new ApiClient(g).request<{ items: Record<string, unknown>[] }>('GET', `/v1/members/${q(memberId)}/prefixes`);
      print(g, r.items, () => table(r.items, ['prefix', 'description', 'registeredAt']));
    }),
  );
  prefix.command('remove <memberId> <prefix>').action(
    action(async (memberId: string, p: string, _o: unknown, cmd: Command) => {
      const g = globalOptions(cmd);
      const r = await new ApiClient(g).request('DELETE', `/v1/members/${q(memberId)}/prefixes?prefix=${q(p)}`);
      print(g, r, () => `removed ${p}\n`);
    }),
  );

  program
    .command('policy <memberId>')
    .description("show or change a member's routing policy")
    .option('--noexport <on|off>', 'tag routes sent to the member with NO_EXPORT (RFC 1997)')
    .option('--receive-buyer-prefixes <on|off>', "as a seller, receive the buyers' registered prefixes")
    .action(
      action(async (memberId: string, o: { noexport?: string; receiveBuyerPrefixes?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const onOff = (v: string) => v === 'on' || v === 'true';
        const patch: Record<string, boolean> = {};
        if (o.noexport !== undefined) patch.noExport = onOff(o.noexport);
        if (o.receiveBuyerPrefixes !== undefined) patch.receiveBuyerPrefixes = onOff(o.receiveBuyerPrefixes);
        const c = new ApiClient(g);
        const path = `/v1/members/${q(memberId)}/routing-policy`;
        const r = Object.keys(patch).length ? await c.request('PATCH', path, patch) : await c.request('GET', path);
        print(g, r, () => table([r], ['noExport', 'receiveBuyerPrefixes', 'maxPrefixes']));
      }),
    );

  program
    .command('sessions')
    .description('route server BGP sessions')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request<{ items: Record<string, unknown>[] }>('GET', '/v1/bgp/sessions');
        print(g, r.items, () => table(r.items, ['memberId', 'address', 'asn', 'state', 'since', 'prefixesIn', 'prefixesOut']));
      }),
    );
}
