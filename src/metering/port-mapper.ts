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
  // per exporter then ifIndex, and per router address: no key is built per record (the
  // decoder hands the same exporter string for every record of an exporter)
  private sourceCache = new Map<string, Map<number, PortRef | null>>();
  private routerCache = new Map<string, PortRef | null>();
  private macCache = new Map<number, PortRef | null>();
  // the last two MACs looked up: a flow's source and destination, and its reverse flow's, are
  // mostly the same pair (48-bit keys are not small integers, so a Map look-up costs a hash each)
  private mac0 = 0;
  private ref0: PortRef | null = null;
  private mac1 = 0;
  private ref1: PortRef | null = null;
  private entries = 0;
  private cachedAt = 0;
  private readonly result: FlowPorts = { from: undefined, to: undefined };

  constructor(
    private readonly dir: PortDirectory,
    private readonly now: () => number = () => performance.now(),
    private readonly ttlMs = 2_000,
  ) {}

  /** Forgets cached look-ups (the directory changed). */
  clear(): void {
    this.sourceCache.clear();
    this.routerCache.clear();
    this.macCache.clear();
    this.mac0 = this.mac1 = 0;
    this.entries = 0;
    this.cachedAt = this.now();
  }

  private fresh(): void {
    const t = this.now();
    if (t - this.cachedAt > this.ttlMs || this.entries > 100_000) this.clear();
  }

  private bySource(exporter: string, ifIndex: number): PortRef | undefined {
    if (ifIndex === 0) return undefined;
    let m = this.sourceCache.get(exporter);
    if (!m) {
      m = new Map();
      this.sourceCache.set(exporter, m);
    }
    let v = m.get(ifIndex);
    if (v === undefined) {
      v = this.dir.findPortByFlowSource(exporter, ifIndex) ?? null;
      m.set(ifIndex, v);
      this.entries++;
    }
    return v ?? undefined;
  }

  private byMac(mac: number): PortRef | undefined {
    if (mac === 0) return undefined;
    if (mac === this.mac0) return this.ref0 ?? undefined;
    if (mac === this.mac1) return this.ref1 ?? undefined;
    let v = this.macCache.get(mac);
    if (v === undefined) {
      v = this.dir.findPortByMac(formatMac(mac)) ?? null;
      this.macCache.set(mac, v);
      this.entries++;
    }
    this.mac1 = this.mac0;
    this.ref1 = this.ref0;
    this.mac0 = mac;
    this.ref0 = v;
    return v ?? undefined;
  }

  private byRouter(ip: string): PortRef | undefined {
    if (!ip) return undefined;
    let v = this.routerCache.get(ip);
    if (v === undefined) {
      v = this.dir.findPortByRouterIp(ip) ?? null;
      this.routerCache.set(ip, v);
      this.entries++;
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
