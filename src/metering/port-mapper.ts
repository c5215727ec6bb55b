/**
 * Maps one flow to the member port it entered the exchange by (the sender: traffic "out" of
 * that port) and the port it left by (the receiver — for a buyer's traffic, the provider that
 * received it, SPEC A5: traffic "in" to that port). Evidence, strongest first:
 *  1. exporter + ingress/egress ifIndex (flows exported by the exchange switch),
 *  2. source/destination MAC (sFlow headers, IPFIX MAC elements),
 *  3. router addresses: the next hop on the exchange LAN names the receiving port, and an
 *     exporter that is a member router forwarding to such a next hop is the sending port.
 * Look-ups are cached for `ttlMs` of monotonic time (new ports show up after at most that long)
 * so a busy collector does not format addresses for every record. The cache runs on process
 * time, not the injected domain clock: it is plumbing, and a ManualClock that never advances
 * must not pin a miss forever.
 */
import type { FlowRecord } from '../flow/index.ts';
import { formatAddress, formatMac } from '../flow/index.ts';
import type { PortDirectory, PortRef } from './port-directory.ts';

export interface FlowPorts {
  from: PortRef | undefined;
  to: PortRef | undefined;
}

export class PortMapper {
  private cache = new Map<string, PortRef | null>();
  private macCache = new Map<number, PortRef | null>();
  private cachedAt = 0;
  private readonly result: FlowPorts = { from: undefined, to: undefined };

  constructor(
    private readonly dir: PortDirectory,
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = 2_000,
  ) {}

  /** Forgets cached look-ups (the directory changed). */
  clear(): void {
    this.cache.clear();
    this.macCache.clear();
    this.cachedAt = this.now();
  }

  private fresh(): void {
    const t = this.now();
    if (t - this.cachedAt > this.ttlMs || this.cache.size > 100_000) {
      this.cache.clear();
      this.macCache.clear();
      this.cachedAt = t;
    }
  }

  private bySource(exporter: string, ifIndex: number): PortRef | undefined {
    if (ifIndex === 0) return undefined;
    const k = `s${exporter}|${ifIndex}`;
    let v = this.cache.get(k);
    if (v === undefined) {
      v = this.dir.findPortByFlowSource(exporter, ifIndex) ?? null;
      this.cache.set(k, v);
    }
    return v ?? undefined;
  }

  private byMac(mac: number): PortRef | undefined {
    if (mac === 0) return undefined;
    let v = this.macCache.get(mac);
    if (v === undefined) {
      v = this.dir.findPortByMac(formatMac(mac)) ?? null;
      this.macCache.set(mac, v);
    }
    return v ?? undefined;
  }

  private byRouter(ip: string): PortRef | undefined {
    if (!ip) return undefined;
    const k = `r${ip}`;
    let v = this.cache.get(k);
    if (v === undefined) {
      v = this.dir.findPortByRouterIp(ip) ?? null;
      this.cache.set(k, v);
    }
    return v ?? undefined;
  }

  /** The ports of `rec` (the returned object is reused: read it before the next call). */
  map(rec: FlowRecord): FlowPorts {
    this.fresh();
    const r = this.result;
    r.from = this.bySource(rec.exporter, rec.inputIf) ?? this.byMac(rec.srcMac);
    r.to = this.bySource(rec.exporter, rec.outputIf) ?? this.byMac(rec.dstMac);
    if (!r.from || !r.to) {
      const router = this.byRouter(rec.exporter);
      const nextHop = rec.nextHopVersion ? this.byRouter(formatAddress(rec.nextHop, rec.nextHopVersion)) : undefined;
      // a member router's flow is "out" of its port only when it forwards to a LAN next hop;
      // without flowSources its other flows cannot be told inbound from internal
      if (nextHop && router && nextHop.id !== router.id) {
        if (!r.to) r.to = nextHop;
        if (!r.from) r.from = router;
      } else if (!r.to && nextHop && nextHop.id !== r.from?.id) r.to = nextHop;
    }
    if (r.from && r.to && r.from.id === r.to.id) r.to = undefined; // hairpin on one port: count once
    return r;
  }
}
