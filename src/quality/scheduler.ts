/**
 * The probe scheduler (SPEC A4: "which site to probe next"; B6: periodic revalidation).
 *
 * Each target (provider, destination, address, method) wants a probe every
 * `baseIntervalMs / weight`, where the weight grows with trade/order interest (fed by the market)
 * and with traffic volume (fed by metering): weight = 1 + interestFactor·interest +
 * volumeFactor·log2(1 + Mbps). Targets are served earliest-due first from an indexed heap; since
 * a due time only moves forward when the target is probed, every target is eventually served
 * (no starvation) and, when capacity suffices, each gets probes in proportion to its weight.
 * Overdue members come first: a member none of whose targets was probed for `revalidateMs` gets
 * its stalest target next, whatever the weights (B6).
 *
 * Two limits hold at every instant, as token buckets on the injected clock: a global probe rate
 * and a per-target-address rate (several providers may reach one host; the host must not notice
 * us). The scheduler is pure and deterministic: time only comes from the `now` passed in.
 */
import type { IdSource } from '../lib/index.ts';
import { qualityErrors } from './errors.ts';
import { canonicalDestination } from './measurement.ts';
import { type HeapItem, MinHeap } from './min-heap.ts';
import { TokenBucket } from './token-bucket.ts';

export type ActiveMethod = 'icmp' | 'tcp' | 'udp';

export interface ProbeTarget {
  provider: string;
  destination: string;
  /** Address probed. */
  target: string;
  method: ActiveMethod;
  /** TCP/UDP port. */
  port?: number;
  /** Packets (or connection attempts) per run. */
  count?: number;
  /** Who runs it: `exchange` (the server's probers) or `agent:<provider>` (that member's probe agent). */
  lane?: string;
  /** Source address to bind so packets leave through the provider (policy routing, docs/quality.md). */
  sourceAddress?: string;
}

export interface ProbeJob extends Required<Pick<ProbeTarget, 'provider' | 'destination' | 'target' | 'method' | 'count' | 'lane'>> {
  id: string;
  port?: number;
  sourceAddress?: string;
  issuedAt: number;
  /** Why it was chosen: `due` (its interval elapsed), `new` (never probed) or `revalidation` (member overdue). */
  reason: 'due' | 'new' | 'revalidation';
}

export interface SchedulerConfig {
  baseIntervalMs: number;
  minIntervalMs: number;
  revalidateMs: number;
  globalRatePerSec: number;
  globalBurst: number;
  perTargetRatePerSec: number;
  perTargetBurst: number;
  interestFactor: number;
  volumeFactor: number;
  defaultCount: number;
  /** A leased job not reported within this time is given out again. */
  leaseMs: number;
}

export const defaultSchedulerConfig: SchedulerConfig = {
  baseIntervalMs: 300_000,
  minIntervalMs: 10_000,
  revalidateMs: 24 * 3600_000,
  globalRatePerSec: 50,
  globalBurst: 50,
  perTargetRatePerSec: 1,
  perTargetBurst: 3,
  interestFactor: 1,
  volumeFactor: 1,
  defaultCount: 10,
  leaseMs: 60_000,
};

interface Item extends HeapItem {
  key: string;
  t: Required<Pick<ProbeTarget, 'provider' | 'destination' | 'target' | 'method' | 'count' | 'lane'>> & ProbeTarget;
  last: number | null;
  addedAt: number;
  due: number;
  weight: number;
  member: Member;
}

interface Member extends HeapItem {
  key: string;
  last: number;
  items: Set<Item>;
}

interface Lane {
  items: MinHeap<Item>;
  members: MinHeap<Member>;
  memberByProvider: Map<string, Member>;
}

interface Lease {
  job: ProbeJob;
  item: Item;
  agent: string;
  expires: number;
}

export type NextResult = { job: ProbeJob } | { job?: undefined; waitMs: number };

const MAX_SKIP = 64;

export function targetKey(t: Pick<ProbeTarget, 'provider' | 'destination' | 'target' | 'method' | 'port'>): string {
  return `${t.provider}|${t.destination}|${t.method}|${t.target}|${t.port ?? ''}`;
}

export class ProbeScheduler {
  readonly config: SchedulerConfig;
  private readonly items = new Map<string, Item>();
  private readonly byProvider = new Map<string, Set<Item>>();
  private readonly lanes = new Map<string, Lane>();
  private readonly global: TokenBucket;
  private readonly perTarget = new Map<string, TokenBucket>();
  private readonly interest = new Map<string, number>();
  private readonly volume = new Map<string, number>();
  private readonly leases = new Map<string, Lease>();
  private issued = 0;

  constructor(
    private readonly ids: IdSource,
    config: Partial<SchedulerConfig> = {},
    now = 0,
  ) {
    this.config = { ...defaultSchedulerConfig, ...config };
    const c = this.config;
    for (const k of ['baseIntervalMs', 'revalidateMs', 'globalRatePerSec', 'globalBurst', 'perTargetRatePerSec', 'perTargetBurst', 'leaseMs'] as const) {
      if (!(c[k] > 0)) throw qualityErrors.make('QUALITY_BAD_CONFIG', `quality.scheduler.${k}: must be > 0`, { field: `quality.scheduler.${k}` });
    }
    if (!(c.minIntervalMs >= 0 && c.minIntervalMs <= c.baseIntervalMs)) {
      throw qualityErrors.make('QUALITY_BAD_CONFIG', 'quality.scheduler.minIntervalMs: must be in 0..baseIntervalMs', { field: 'quality.scheduler.minIntervalMs' });
    }
    this.global = new TokenBucket(c.globalRatePerSec, c.globalBurst, now);
  }

  get size(): number {
    return this.items.size;
  }

  get issuedCount(): number {
    return this.issued;
  }

  /** Adds or replaces a target; a replaced target keeps its probe history. Returns its key. */
  upsertTarget(input: ProbeTarget, now: number): string {
    const dest = canonicalDestination(input.destination);
    const bad = (field: string, msg: string): never => {
      throw qualityErrors.make('QUALITY_BAD_TARGET', `${field}: ${msg}`, { field });
    };
    if (!input.provider) bad('provider', 'must name the provider member');
    if (!dest) bad('destination', 'must be a CIDR prefix or any4/any6');
    if (!input.target) bad('target', 'must be an address');
    if (!['icmp', 'tcp', 'udp'].includes(input.method)) bad('method', 'must be icmp, tcp or udp');
    if (input.method !== 'icmp' && !(Number.isInteger(input.port) && input.port! > 0 && input.port! < 65536)) bad('port', 'tcp and udp targets need a port 1..65535');
    const count = input.count ?? this.config.defaultCount;
    if (!Number.isInteger(count) || count < 1 || count > 1000) bad('count', 'must be an integer 1..1000');
    const t = { ...input, destination: dest as string, count, lane: input.lane ?? 'exchange' };
    const key = targetKey(t);
    const old = this.items.get(key);
    if (old) {
      if (old.t.lane !== t.lane) {
        this.removeTarget(key);
        return this.upsertTarget(input, now);
      }
      old.t = t;
      this.reweigh(old);
      return key;
    }
    const lane = this.lane(t.lane);
    let member = lane.memberByProvider.get(t.provider);
    if (!member) {
      member = { key: t.provider, last: now, items: new Set(), heapIndex: -1 };
      lane.memberByProvider.set(t.provider, member);
      lane.members.push(member);
    }
    const item: Item = { key, t, last: null, addedAt: now, due: now, weight: 1, member, heapIndex: -1 };
    member.items.add(item);
    this.items.set(key, item);
    let mine = this.byProvider.get(t.provider);
    if (!mine) this.byProvider.set(t.provider, (mine = new Set()));
    mine.add(item);
    item.weight = this.weightOf(item);
    lane.items.push(item);
    return key;
  }

  removeTarget(key: string): boolean {
    const item = this.items.get(key);
    if (!item) return false;
    const lane = this.lane(item.t.lane);
    lane.items.remove(item);
    item.member.items.delete(item);
    if (item.member.items.size === 0) {
      lane.members.remove(item.member);
      lane.memberByProvider.delete(item.t.provider);
    }
    this.items.delete(key);
    const mine = this.byProvider.get(item.t.provider);
    mine?.delete(item);
    if (mine?.size === 0) this.byProvider.delete(item.t.provider);
    return true;
  }

  targets(): Array<ProbeTarget & { key: string; lastProbedAt: number | null; dueAt: number; weight: number }> {
    return [...this.items.values()].map((i) => ({ ...i.t, key: i.key, lastProbedAt: i.last, dueAt: i.due, weight: i.weight }));
  }

  /** Trade/order relevance from the market: `destination` undefined applies to all of the provider's targets. */
  setInterest(provider: string, destination: string | undefined, weight: number): void {
    this.setFactor(this.interest, provider, destination, weight);
  }

  /** Traffic volume (bits/s) towards a destination through a provider, from metering. */
  setVolume(provider: string, destination: string | undefined, bitsPerSec: number): void {
    this.setFactor(this.volume, provider, destination, bitsPerSec);
  }

  /** Chooses the next probe of `lane` at `now`, or says how long to wait. */
  next(now: number, lane = 'exchange'): NextResult {
    this.expireLeases(now);
    const l = this.lanes.get(lane);
    if (!l || l.items.size === 0) return { waitMs: this.config.baseIntervalMs };
    const gWait = this.global.waitMs(now);
    if (gWait > 0) return { waitMs: gWait };

    // B6: a member overdue for revalidation goes first.
    const m = l.members.peek();
    if (m && m.last + this.config.revalidateMs <= now) {
      let best: Item | undefined;
      for (const it of m.items) {
        if (!this.targetBucket(it.t.target, now).has(now)) continue;
        if (!best || (it.last ?? -Infinity) < (best.last ?? -Infinity)) best = it;
      }
      if (best) return { job: this.issue(best, l, now, 'revalidation') };
    }

    const skipped: Item[] = [];
    let chosen: Item | undefined;
    let wait = Infinity;
    while (skipped.length < MAX_SKIP) {
      const top = l.items.peek();
      if (!top) break;
      if (top.due > now) {
        wait = Math.min(wait, top.due - now);
        break;
      }
      const b = this.targetBucket(top.t.target, now);
      if (b.has(now)) {
        chosen = top;
        break;
      }
      wait = Math.min(wait, b.waitMs(now));
      skipped.push(l.items.pop()!);
    }
    for (const s of skipped) l.items.push(s);
    if (chosen) return { job: this.issue(chosen, l, now, chosen.last === null ? 'new' : 'due') };
    return { waitMs: Number.isFinite(wait) ? Math.max(1, wait) : 1 };
  }

  /** Gives up to `max` jobs of `lane` to `agent`; they come back through `complete` or are re-issued after `leaseMs`. */
  lease(lane: string, agent: string, max: number, now: number): ProbeJob[] {
    const out: ProbeJob[] = [];
    while (out.length < max) {
      const r = this.next(now, lane);
      if (!r.job) break;
      const item = this.items.get(targetKey(r.job))!;
      this.leases.set(r.job.id, { job: r.job, item, agent, expires: now + this.config.leaseMs });
      out.push(r.job);
    }
    return out;
  }

  /** Ends a lease; returns the job so the result is filed under the job's provider and destination, not the agent's say. */
  complete(jobId: string, agent: string): ProbeJob {
    const l = this.leases.get(jobId);
    if (!l || l.agent !== agent) {
      throw qualityErrors.make('QUALITY_JOB_NOT_FOUND', `jobId: no open job ${jobId} leased to this agent`, { field: 'jobId' });
    }
    this.leases.delete(jobId);
    return l.job;
  }

  /** The open job `jobId` of `agent`, without ending the lease. */
  leasedJob(jobId: string, agent: string): ProbeJob | undefined {
    const l = this.leases.get(jobId);
    return l && l.agent === agent ? l.job : undefined;
  }

  openLeases(): number {
    return this.leases.size;
  }

  private expireLeases(now: number): void {
    if (this.leases.size === 0) return;
    for (const [id, l] of this.leases) {
      // Leases are made with now + leaseMs and now never goes back: the map's insertion order is
      // expiry order, so the first live lease ends the scan.
      if (l.expires > now) break;
      this.leases.delete(id);
      // Never reported: probe it again as soon as limits allow.
      if (this.items.get(l.item.key) === l.item) {
        l.item.due = now;
        this.lane(l.item.t.lane).items.update(l.item);
      }
    }
  }

  private issue(item: Item, l: Lane, now: number, reason: ProbeJob['reason']): ProbeJob {
    this.global.take(now);
    this.targetBucket(item.t.target, now).take(now);
    item.last = now;
    item.due = now + this.intervalOf(item);
    l.items.update(item);
    item.member.last = now;
    l.members.update(item.member);
    this.issued++;
    const t = item.t;
    return {
      id: this.ids.next('pjob'),
      provider: t.provider,
      destination: t.destination,
      target: t.target,
      method: t.method,
      count: t.count,
      lane: t.lane,
      ...(t.port === undefined ? {} : { port: t.port }),
      ...(t.sourceAddress === undefined ? {} : { sourceAddress: t.sourceAddress }),
      issuedAt: now,
      reason,
    };
  }

  private targetBucket(target: string, now: number): TokenBucket {
    let b = this.perTarget.get(target);
    if (!b) {
      if (this.perTarget.size > 4 * this.items.size + 1024) {
        for (const [k, v] of this.perTarget) if (v.idle(now)) this.perTarget.delete(k);
      }
      b = new TokenBucket(this.config.perTargetRatePerSec, this.config.perTargetBurst, now);
      this.perTarget.set(target, b);
    }
    return b;
  }

  private intervalOf(item: Item): number {
    const c = this.config;
    const iv = Math.max(c.minIntervalMs, c.baseIntervalMs / item.weight);
    return Math.min(iv, c.revalidateMs);
  }

  private weightOf(item: Item): number {
    const c = this.config;
    const k = `${item.t.provider}|${item.t.destination}`;
    const any = `${item.t.provider}|*`;
    const interest = (this.interest.get(k) ?? 0) + (this.interest.get(any) ?? 0);
    const bps = (this.volume.get(k) ?? 0) + (this.volume.get(any) ?? 0);
    return 1 + c.interestFactor * interest + c.volumeFactor * Math.log2(1 + bps / 1e6);
  }

  private reweigh(item: Item): void {
    item.weight = this.weightOf(item);
    item.due = item.last === null ? item.addedAt : item.last + this.intervalOf(item);
    this.lane(item.t.lane).items.update(item);
  }

  private setFactor(map: Map<string, number>, provider: string, destination: string | undefined, v: number): void {
    if (!Number.isFinite(v) || v < 0) throw qualityErrors.make('QUALITY_BAD_TARGET', 'weight: must be a finite number ≥ 0', { field: 'weight' });
    const d = destination === undefined ? '*' : canonicalDestination(destination);
    if (!d) throw qualityErrors.make('QUALITY_BAD_TARGET', 'destination: must be a CIDR prefix or any4/any6', { field: 'destination' });
    const k = `${provider}|${d}`;
    if (v === 0) map.delete(k);
    else map.set(k, v);
    for (const it of this.byProvider.get(provider) ?? []) if (d === '*' || it.t.destination === d) this.reweigh(it);
  }

  private lane(name: string): Lane {
    let l = this.lanes.get(name);
    if (!l) {
      l = {
        items: new MinHeap<Item>((a, b) => a.due < b.due || (a.due === b.due && a.key < b.key)),
        members: new MinHeap<Member>((a, b) => a.last < b.last || (a.last === b.last && a.key < b.key)),
        memberByProvider: new Map(),
      };
      this.lanes.set(name, l);
    }
    return l;
  }
}
