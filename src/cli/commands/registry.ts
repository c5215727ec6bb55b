/** `bandex member|port|key …`: the registry through the API. */
import type { Command } from 'commander';
import { ApiClient, CliError, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

const collect = (v: string, prev: string[]) => [...prev, v];
/** Integers go as numbers; anything else as text, so the server names the bad field. */
const num = (v: string): number | string => (/^-?\d+$/.test(v) ? Number(v) : v);

const MEMBER_COLS = ['id', 'name', 'asns', 'roles', 'createdAt'];
const PORT_COLS = ['id', 'memberId', 'name', 'capacityMbps', 'routerIps', 'createdAt'];
const KEY_COLS = ['id', 'memberId', 'role', 'label', 'createdAt', 'revokedAt'];

export function register(program: Command): void {
  const member = program.command('member').description('exchange members');
  member
    .command('add')
    .description('create a member (admin)')
    .requiredOption('--name <name>', 'member name')
    .requiredOption('--asn <asn>', 'AS number; repeat for several', collect, [])
    .option('--role <role>', 'buyer, seller or reseller; repeatable (default buyer+seller)', collect, [])
    .option('--contact-name <name>')
    .option('--email <email>')
    .option('--phone <phone>')
    .action(
      action(async (o: { name: string; asn: string[]; role: string[]; contactName?: string; email?: string; phone?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const contact = {
          ...(o.contactName ? { name: o.contactName } : {}),
          ...(o.email ? { email: o.email } : {}),
          ...(o.phone ? { phone: o.phone } : {}),
        };
        const body = { name: o.name, asns: o.asn.map(num), ...(o.role.length ? { roles: o.role } : {}), ...(Object.keys(contact).length ? { contact } : {}) };
        const m = await new ApiClient(g).request('POST', '/v1/members', body);
        print(g, m, () => table([m], MEMBER_COLS));
      }),
    );
  member
    .command('list')
    .description('list members')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all('/v1/members');
        print(g, items, () => table(items, MEMBER_COLS));
      }),
    );
  member
    .command('show <id>')
    .description('one member')
    .action(
      action(async (id: string, _o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const m = await new ApiClient(g).request('GET', `/v1/members/${encodeURIComponent(id)}`);
        print(g, m, () => table([m], [...MEMBER_COLS, 'contact']));
      }),
    );

  const port = program.command('port').description('member ports on the exchange fabric');
  port
    .command('add')
    .description('create a port (admin)')
    .requiredOption('--member <id>', 'member id')
    .requiredOption('--name <name>', 'port name')
    .requiredOption('--capacity <mbps>', 'capacity in Mbps')
    .requiredOption('--router-ip <ip>', 'member router address on the exchange LAN; repeatable', collect, [])
    .option('--mac <mac>', 'router MAC address for flow mapping; repeatable', collect, [])
    .option('--flow-source <exporter:ifIndex>', 'flow exporter and interface index; repeatable', collect, [])
    .action(
      action(async (o: { member: string; name: string; capacity: string; routerIp: string[]; mac: string[]; flowSource: string[] }, cmd: Command) => {
        const g = globalOptions(cmd);
        const flowSources = o.flowSource.map((s) => {
          const i = s.lastIndexOf(':');
          return { exporter: i > 0 ? s.slice(0, i) : s, ifIndex: i > 0 ? num(s.slice(i + 1)) : '' };
        });
        const body = {
          memberId: o.member,
          name: o.name,
          capacityMbps: num(o.capacity),
          routerIps: o.routerIp,
          ...(o.mac.length ? { macAddresses: o.mac } : {}),
          ...(flowSources.length ? { flowSources } : {}),
        };
        const p = await new ApiClient(g).request('POST', '/v1/ports', body);
        print(g, p, () => table([p], PORT_COLS));
      }),
    );
  port
    .command('list')
    .description('list ports')
    .option('--member <id>', 'only this member’s ports')
    .action(
      action(async (o: { member?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all(`/v1/ports${o.member ? `?memberId=${encodeURIComponent(o.member)}` : ''}`);
        print(g, items, () => table(items, PORT_COLS));
      }),
    );

  const key = program.command('key').description('API keys');
  key
    .command('create')
    .description('create an API key for a member (or --admin); the token is printed once')
    .option('--member <id>', 'member id')
    .option('--admin', 'an admin key')
    .option('--label <label>', 'what the key is for')
    .action(
      action(async (o: { member?: string; admin?: boolean; label?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        if (!o.member === !o.admin) throw new CliError('USAGE', 'give exactly one of --member ID or --admin', 2);
        const body = o.label ? { label: o.label } : {};
        const path = o.admin ? '/v1/keys' : `/v1/members/${encodeURIComponent(o.member as string)}/keys`;
        const r = await new ApiClient(g).request('POST', path, body);
        print(g, r, () => table([r.key], KEY_COLS) + `\ntoken (shown once): ${r.token}\n`);
      }),
    );
  key
    .command('list')
    .description("a member's keys")
    .requiredOption('--member <id>', 'member id')
    .action(
      action(async (o: { member: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all(`/v1/members/${encodeURIComponent(o.member)}/keys`);
        print(g, items, () => table(items, KEY_COLS));
      }),
    );
  key
    .command('revoke <id>')
    .description('revoke an API key')
    .action(
      action(async (id: string, _o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const k = await new ApiClient(g).request('POST', `/v1/keys/${encodeURIComponent(id)}/revoke`);
        print(g, k, () => table([k], KEY_COLS));
      }),
    );
}
