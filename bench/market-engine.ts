/**
 * Engine benchmarks (a) and (b) of bench/market.ts: the matching engine alone, on pre-generated
 * order streams, with nodejs-order-book on the identical stream as the reference for (a).
 * Throughput runs time the whole stream; latency runs (fresh books, same stream) time every
 * order with process.hrtime.bigint, which adds its own ~50 ns to each sample.
 */
import { OrderBook, Side as ObSide } from 'nodejs-order-book';
import { type Clock, type IdSource } from '../src/lib/index.ts';
import { MarketEngine, type OrderSpec, type PortInfo } from '../src/market/index.ts';
import type { QualitySource } from '../src/quality/quality-source.ts';

export interface LatencyStats {
  p50: number;
  p99: number;
  p999: number;
}

const DEC = Date.UTC(2026, 11, 1);
const JAN = Date.UTC(2027, 0, 1);
const NOW = Date.UTC(2026, 10, 1);

/** A small deterministic PRNG (mulberry32) so every run sees the same stream. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fastIds(): IdSource {
  let n = 0;
  return { next: (prefix) => prefix + '_' + (++n).toString(36) };
}

const clock: Clock = { now: () => NOW };

export function percentiles(samples: Float64Array | number[]): LatencyStats {
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999) };
}

function portsFor(members: number): Map<string, PortInfo> {
  const m = new Map<string, PortInfo>();
  for (let i = 0; i < members; i++) m.set(`p${i}`, { memberId: `m${i}`, capacityMbps: 100_000_000 });
  return m;
}

// ---- (a) one destination -------------------------------------------------------------------

export interface StreamA {
  specs: OrderSpec[];
  side: Array<'buy' | 'sell'>;
  size: Int32Array;
  price: Float64Array;
}

/**
 * 1M limit orders on one destination: random side, price uniform over ±50 ticks around a mid
 * price (so about half the orders trade on arrival), size 1–10 blocks of 100 Mbps, 1000 members.
 */
export function streamA(n: number): StreamA {
  const r = rng(42);
  const specs: OrderSpec[] = new Array(n);
  const side: Array<'buy' | 'sell'> = new Array(n);
  const size = new Int32Array(n);
  const price = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const buy = r() < 0.5;
    const ticks = Math.floor(r() * 101) - 50;
    const p = 1_000_000 + ticks * 10_000; // ticks of 0.01 around 1.00
    const mbps = (1 + Math.floor(r() * 10)) * 100;
    const m = Math.floor(r() * 1000);
    side[i] = buy ? 'buy' : 'sell';
    size[i] = mbps;
    price[i] = p;
    specs[i] = {
      memberId: `m${m}`,
      side: side[i],
      destination: '10.0.0.0/8',
      protocol: 'ipv4',
      prefixType: 'transit',
      trafficType: 'any',
      capacityMbps: mbps,
      minBlockMbps: 100,
      price: p,
      orderType: 'limit',
      timeInForce: 'GTC',
      start: DEC,
      end: JAN,
      portId: `p${m}`,
    };
  }
  return { specs, side, size, price };
}

function engineFor(members: number, quality: QualitySource = { lookup: () => undefined }): MarketEngine {
  const ports = portsFor(members);
  return new MarketEngine({ clock, ids: fastIds(), quality, ports: { port: (id) => ports.get(id) } });
}

export function runEngineA(s: StreamA, timed: boolean): { seconds: number; trades: number; lat?: LatencyStats } {
  const e = engineFor(1000);
  const n = s.specs.length;
  const lat = timed ? new Float64Array(n) : null;
  const t0 = process.hrtime.bigint();
  if (lat) {
    for (let i = 0; i < n; i++) {
      const a = process.hrtime.bigint();
      e.submit(s.specs[i]);
      lat[i] = Number(process.hrtime.bigint() - a) / 1000;
    }
  } else {
    for (let i = 0; i < n; i++) e.submit(s.specs[i]);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const trades = e.state.counters.tradesMatched;
  return { seconds, trades, ...(lat ? { lat: percentiles(lat) } : {}) };
}

export function runReferenceA(s: StreamA, timed: boolean): { seconds: number; lat?: LatencyStats } {
  const ob = new OrderBook();
  const n = s.specs.length;
  const lat = timed ? new Float64Array(n) : null;
  const ids: string[] = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = 'o' + i;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const a = lat ? process.hrtime.bigint() : 0n;
    ob.limit({ id: ids[i], side: s.side[i] === 'buy' ? ObSide.BUY : ObSide.SELL, size: s.size[i], price: s.price[i] });
    if (lat) lat[i] = Number(process.hrtime.bigint() - a) / 1000;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, ...(lat ? { lat: percentiles(lat) } : {}) };
}

// ---- (b) 10k destinations ------------------------------------------------------------------

/**
 * 10 240 /24 destinations under 40 covering /16s (10.x.y.0/24), 200 members, 40 of them sellers
 * with measured quality. Sells: 30 % on a /16, 65 % on a /24, 5 % on `any`; buys on a /24, half
 * of them with a latency and loss limit, a third ranked `weighted`, a sixth `performance`.
 */
export function streamB(n: number): { specs: OrderSpec[]; quality: QualitySource } {
  const r = rng(7);
  const dest24: string[] = [];
  const dest16: string[] = [];
  for (let x = 0; x < 40; x++) {
    dest16.push(`10.${x}.0.0/16`);
    for (let y = 0; y < 256; y++) dest24.push(`10.${x}.${y}.0/24`);
  }
  const sellers = 40;
  const members = 200;
  const quality: QualitySource = {
    // Deterministic per (member, destination), computed on each look-up into a fresh object as
    // the quality database does (QualityDb.lookup builds its answer from the statistics it
    // holds); a cache here would keep one object per pair ever asked alive for the whole run,
    // which no real quality store allocates at look-up time.
    lookup: (member, dest) => {
      let h = 2166136261;
      for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 16777619);
      for (let i = 0; i < dest.length; i++) h = Math.imul(h ^ dest.charCodeAt(i), 16777619);
      const u = (h >>> 0) / 4294967296;
      return { verified: true, samples: 50, measuredAt: NOW, latencyMs: 5 + u * 60, lossPct: u * 0.5, asHops: 1 + Math.floor(u * 5) };
    },
  };
  const specs: OrderSpec[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const buy = r() < 0.5;
    const ticks = Math.floor(r() * 41) - 20;
    const price = 1_000_000 + ticks * 10_000;
    const mbps = (1 + Math.floor(r() * 10)) * 100;
    const d24 = dest24[Math.floor(r() * dest24.length)];
    if (buy) {
      const m = sellers + Math.floor(r() * (members - sellers));
      const kind = r();
      const limited = r() < 0.5;
      specs[i] = {
        memberId: `m${m}`, side: 'buy', destination: d24, protocol: 'ipv4', prefixType: 'transit', trafficType: 'any',
        capacityMbps: mbps, minBlockMbps: 100, price, orderType: 'limit', timeInForce: 'GTC', start: DEC, end: JAN, portId: `p${m}`,
        ...(limited ? { limits: { maxLatencyMs: 55, maxLossPct: 0.45 } } : {}),
        ...(kind < 1 / 3
          ? { ranking: 'weighted' as const, weights: { latency: 1000, loss: 20_000, distance: 5000 } }
          : kind < 0.5
            ? { ranking: 'performance' as const }
            : { ranking: 'price' as const }),
      };
    } else {
      const m = Math.floor(r() * sellers);
      const w = r();
      const destination = w < 0.3 ? dest16[Math.floor(r() * dest16.length)] : w < 0.95 ? d24 : 'any';
      specs[i] = {
        memberId: `m${m}`, side: 'sell', destination, protocol: 'ipv4', prefixType: 'transit', trafficType: 'any',
        capacityMbps: mbps * 4, minBlockMbps: 100, price, orderType: 'limit', timeInForce: 'GTC', start: DEC, end: JAN, portId: `p${m}`,
        declared: { latencyMs: 20, lossPct: 0.1, asHops: 2 },
      };
    }
  }
  return { specs, quality };
}

export function runEngineB(specs: OrderSpec[], quality: QualitySource, timed: boolean): { seconds: number; trades: number; lat?: LatencyStats } {
  const e = engineFor(200, quality);
  const n = specs.length;
  const lat = timed ? new Float64Array(n) : null;
  const t0 = process.hrtime.bigint();
  if (lat) {
    for (let i = 0; i < n; i++) {
      const a = process.hrtime.bigint();
      e.submit(specs[i]);
      lat[i] = Number(process.hrtime.bigint() - a) / 1000;
    }
  } else {
    for (let i = 0; i < n; i++) e.submit(specs[i]);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, trades: e.state.counters.tradesMatched, ...(lat ? { lat: percentiles(lat) } : {}) };
}
