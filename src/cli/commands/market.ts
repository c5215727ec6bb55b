/**
 * `bandex order add|list|cancel|amend`, `bandex book`, `bandex trades`: the market through the API.
 */
import type { Command } from 'commander';
import { ApiClient, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

interface AddOptions {
  side: string;
  destination: string;
  protocol?: string;
  prefixType: string;
  trafficType?: string;
  capacity: string;
  minBlock?: string;
  price?: string;
  priceGuard?: string;
  type?: string;
  tif?: string;
  expires?: string;
  start: string;
  end: string;
  port: string;
  clientId?: string;
  maxLatency?: string;
  maxLoss?: string;
  maxHops?: string;
  verifiedOnly?: boolean;
  latency?: string;
  loss?: string;
  hops?: string;
  ranking?: string;
  wLatency?: string;
  wLoss?: string;
  wDistance?: string;
}

const int = (v: string | undefined) => (v === undefined ? undefined : /^-?\d+$/.test(v) ? Number(v) : v);
const num = (v: string | undefined) => (v === undefined ? undefined : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

function orderBody(o: AddOptions): Record<string, unknown> {
  const q: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => v !== undefined && (q[k] = v);
  put('maxLatencyMs', num(o.maxLatency));
  put('maxLossPct', num(o.maxLoss));
  put('maxAsHops', int(o.maxHops));
  if (o.verifiedOnly) q.verifiedOnly = true;
  put('latencyMs', num(o.latency));
  put('lossPct', num(o.loss));
  put('asHops', int(o.hops));
  const w: Record<string, unknown> = {};
  if (o.wLatency !== undefined) w.latency = o.wLatency;
  if (o.wLoss !== undefined) w.loss = o.wLoss;
  if (o.wDistance !== undefined) w.distance = o.wDistance;
  const body: Record<string, unknown> = {
    side: o.side,
    destination: o.destination,
    prefixType: o.prefixType,
    capacityMbps: int(o.capacity),
    start: o.start,
    end: o.end,
    portId: o.port,
  };
  const opt: Array<[string, unknown]> = [
    ['protocol', o.protocol], ['trafficType', o.trafficType], ['minBlockMbps', int(o.minBlock)], ['price', o.price],
    ['priceGuard', o.priceGuard], ['orderType', o.type], ['timeInForce', o.tif], ['expiresAt', o.expires],
    ['clientOrderId', o.clientId], ['ranking', o.ranking],
  ];
  for (const [k, v] of opt) if (v !== undefined) body[k] = v;
  if (Object.keys(q).length) body.quality = q;
  if (Object.keys(w).length) body.weights = w;
  return body;
}

const ORDER_COLUMNS = ['id', 'side', 'destination', 'capacityMbps', 'filledMbps', 'price', 'start', 'end', 'status'];
const TRADE_COLUMNS = ['id', 'buyerId', 'sellerId', 'destination', 'capacityMbps', 'price', 'start', 'end', 'status'];

export function register(program: Command): void {
  const order = program.command('order').description('buy and sell orders (SPEC B2)');

  order
    .command('add')
    .description('place an order; prints it with the trades it made at once')
    .requiredOption('--side <side>', 'buy or sell')
    .requiredOption('--destination <cidr>', 'prefix, or "any" with --protocol')
    .option('--protocol <p>', 'ipv4 or ipv6')
    .requiredOption('--prefix-type <t>', 'customer, peer, transit or specific')
    .option('--traffic-type <t>', 'any (default) or a token')
    .requiredOption('--capacity <mbps>', 'Mbps')
    .option('--min-block <mbps>', 'fills are multiples of it')
    .option('--price <money>', 'limit price per Mbps per month')
    .option('--price-guard <money>', 'market order: worst price accepted')
    .option('--type <t>', 'limit (default) or market')
    .option('--tif <t>', 'GTC, GTD, IOC or FOK')
    .option('--expires <iso>', 'GTD expiry')
    .requiredOption('--start <iso>', 'delivery start')
    .requiredOption('--end <iso>', 'delivery end')
    .requiredOption('--port <id>', 'your port')
    .option('--client-id <id>', 'client order id (retries are idempotent)')
    .option('--max-latency <ms>', 'buy: latency limit')
    .option('--max-loss <pct>', 'buy: loss limit')
    .option('--max-hops <n>', 'buy: AS hops limit')
    .option('--verified-only', 'buy: only measured quality counts')
    .option('--latency <ms>', 'sell: declared latency')
    .option('--loss <pct>', 'sell: declared loss')
    .option('--hops <n>', 'sell: declared AS hops')
    .option('--ranking <r>', 'buy: price, performance or weighted')
    .option('--w-latency <money>', 'weighted: money per ms')
    .option('--w-loss <money>', 'weighted: money per % loss')
    .option('--w-distance <money>', 'weighted: money per AS hop')
    .action(
      action(async (o: AddOptions, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request('POST', '/v1/orders', orderBody(o));
        print(g, r, () => table([r], ORDER_COLUMNS) + (r.trades?.length ? '\ntrades:\n' + table(r.trades, TRADE_COLUMNS) : ''));
      }),
    );

  order
    .command('list')
    .description('your orders')
    .option('--status <s>', 'open or closed')
    .action(
      action(async (o: { status?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all(`/v1/orders${o.status ? `?status=${encodeURIComponent(o.status)}` : ''}`);
        print(g, items, () => table(items, ORDER_COLUMNS));
      }),
    );

  order
    .command('cancel <id>')
    .description('cancel an open order')
    .action(
      action(async (id: string, _o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request('DELETE', `/v1/orders/${encodeURIComponent(id)}`);
        print(g, r, () => table([r], ORDER_COLUMNS));
      }),
    );

  order
    .command('amend <id>')
    .description('change price and/or capacity (a price change or more capacity loses time priority)')
    .option('--price <money>')
    .option('--capacity <mbps>')
    .action(
      action(async (id: string, o: { price?: string; capacity?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const body: Record<string, unknown> = {};
        if (o.price !== undefined) body.price = o.price;
        if (o.capacity !== undefined) body.capacityMbps = int(o.capacity);
        const r = await new ApiClient(g).request('PATCH', `/v1/orders/${encodeURIComponent(id)}`, body);
        print(g, r, () => table([r], ORDER_COLUMNS));
      }),
    );

  program
    .command('book')
    .description('aggregated depth of one destination')
    .requiredOption('--destination <cidr>', 'prefix, any, any4 or any6')
    .action(
      action(async (o: { destination: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request('GET', `/v1/book?destination=${encodeURIComponent(o.destination)}`);
        print(g, r, () => `bids\n${table(r.bids, ['price', 'mbps', 'orders'])}\nasks\n${table(r.asks, ['price', 'mbps', 'orders'])}`);
      }),
    );

  program
    .command('trades')
    .description('your trades')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const items = await new ApiClient(g).all('/v1/trades');
        print(g, items, () => table(items, TRADE_COLUMNS));
      }),
    );
}
