/**
 * `bandex traffic …`: traffic levels of a port from flow telemetry and the flow exporters'
 * counters, through the API (GET /v1/ports/:id/traffic, /top-destinations, /v1/flow/exporters).
 */
import type { Command } from 'commander';
import { ApiClient, action, globalOptions } from '../client.ts';
import { print, table } from '../output.ts';

const mbps = (bps: number) => (bps / 1e6).toFixed(3);

export function register(program: Command): void {
  const t = program.command('traffic').description('traffic levels per port from NetFlow/IPFIX/sFlow (A1, A5)');

  t.command('show')
    .description('bits/s in and out of a port per step, with the largest providers and classes')
    .argument('<portId>')
    .option('--from <iso>', 'start (ISO 8601 with zone); default 24 h before --to')
    .option('--to <iso>', 'end (ISO 8601 with zone); default now')
    .option('--step <seconds>', 'a multiple of the bin length (metering.binSeconds)')
    .action(
      action(async (portId: string, o: { from?: string; to?: string; step?: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const qs = new URLSearchParams({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.step ? { step: o.step } : {}) });
        const r = await new ApiClient(g).request('GET', `/v1/ports/${encodeURIComponent(portId)}/traffic?${qs.toString()}`);
        print(g, r, () => {
          type P = { time: string; inBps: number; outBps: number; providers: Record<string, { in: number; out: number }>; classes: Record<string, { in: number; out: number }> };
          const top = (m: Record<string, { in: number; out: number }>) =>
            Object.entries(m).sort((a, b) => b[1].in + b[1].out - (a[1].in + a[1].out)).slice(0, 3).map(([k]) => k).join(' ');
          const rows = (r.points as P[])
            .filter((p) => p.inBps || p.outBps)
            .map((p) => ({ time: p.time, inMbps: mbps(p.inBps), outMbps: mbps(p.outBps), providers: top(p.providers), classes: top(p.classes) }));
          return `port ${r.portId} (${r.byteLayer} bytes, step ${r.stepSeconds} s): ${r.totals.inBytes} B in, ${r.totals.outBytes} B out\n` +
            table(rows, ['time', 'inMbps', 'outMbps', 'providers', 'classes']);
        });
      }),
    );

  t.command('top')
    .description('destination prefixes a port sent the most bytes to')
    .argument('<portId>')
    .option('--from <iso>')
    .option('--to <iso>')
    .option('--limit <n>', 'how many', '10')
    .action(
      action(async (portId: string, o: { from?: string; to?: string; limit: string }, cmd: Command) => {
        const g = globalOptions(cmd);
        const qs = new URLSearchParams({ limit: o.limit, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) });
        const r = await new ApiClient(g).request('GET', `/v1/ports/${encodeURIComponent(portId)}/top-destinations?${qs.toString()}`);
        print(g, r, () => table(r.items, ['prefix', 'bytes', 'bits']));
      }),
    );

  t.command('exporters')
    .description('flow exporters seen by the collector, with datagrams, records, template misses, decode errors and losses')
    .action(
      action(async (_o: unknown, cmd: Command) => {
        const g = globalOptions(cmd);
        const r = await new ApiClient(g).request('GET', '/v1/flow/exporters');
        print(g, r, () => table(r.items, ['exporter', 'protocol', 'datagrams', 'records', 'templateMisses', 'decodeErrors', 'lost', 'lostUnit', 'lastSeen']));
      }),
    );
}
