/**
 * The quality database in memory: one sliding window per (provider, destination prefix), kept
 * apart for verified measurements (exchange, agents, accepted third parties) and for members'
 * own claims. Every measurement also feeds the provider's per-family aggregate (`0.0.0.0/0`,
 * `::/0`), which is what "full transit" (`any4`/`any6`) look-ups read, and the provider-wide
 * window its response-time class (A4) is decided on. It answers `QualitySource.lookup`
 * synchronously from memory; persistence replays measurements into it on start.
 */
import { type Clock, PrefixTrie, type Prefix, parsePrefix } from '../lib/index.ts';
import type { AsPathSource } from './as-path-source.ts';
import { noAsPaths } from './as-path-source.ts';
import { qualityErrors } from './errors.ts';
import { type Measurement, canonicalDestination, validateMeasurement } from './measurement.ts';
import type { QualityObservation, QualitySource } from './quality-source.ts';
import {
  type ClassConfig,
  type ClassState,
  defaultClassConfig,
  evaluateClass,
  initialClassState,
  validateClassConfig,
} from './response-classes.ts';
import { SlidingWindow, type WindowConfig, type WindowStats } from './sliding-window.ts';

export interface QualityDbConfig {
  window: WindowConfig;
  classes: ClassConfig;
}

export const defaultQualityDbConfig: QualityDbConfig = {
  window: { maxSamples: 1000, maxAgeMs: 6 * 3600_000 },
  classes: defaultClassConfig,
};

export interface SeriesView extends WindowStats {
  provider: string;
  destination: string;
  verified: boolean;
  /** Response-time class of this path (provider → destination). */
  responseClass: string | null;
  classReason: string;
  /** Runs per source (`exchange`, `agent:…`, `ripe-atlas:…`, `csv:…`, `member:…`) since start. */
  sources: Record<string, number>;
  asHops: number | null;
}

export interface ProviderView {
  provider: string;
  responseClass: string | null;
  classReason: string;
  classChangedAt: number | null;
  stats: WindowStats;
}

interface Series {
  provider: string;
  destination: string;
  verified: boolean;
  window: SlidingWindow;
  cls: ClassState;
  sources: Map<string, number>;
  asHops?: number;
  /** False for the per-family aggregate fed only by more specific measurements. */
  explicit: boolean;
}

interface ProviderEntry {
  verified: PrefixTrie<Series>;
  claimed: PrefixTrie<Series>;
  all: SlidingWindow;
  cls: ClassState;
}

export interface ClassChange {
  provider: string;
  /** Undefined for the provider-wide class. */
  destination?: string;
  from: string | null;
  to: string;
  reason: string;
  at: number;
}

export interface QualityDbDeps {
  clock: Clock;
  asPaths?: AsPathSource;
  /** Told about every class change (the component counts and logs them). */
  onClassChange?: (c: ClassChange) => void;
}

export class QualityDb implements QualitySource {
  private readonly providers = new Map<string, ProviderEntry>();
  private readonly clock: Clock;
  private readonly asPaths: AsPathSource;
  readonly config: QualityDbConfig;

  constructor(
    private readonly deps: QualityDbDeps,
    config: Partial<QualityDbConfig> = {},
  ) {
    this.config = { ...defaultQualityDbConfig, ...config };
    validateClassConfig(this.config.classes);
    const w = this.config.window;
    if (!Number.isInteger(w.maxSamples) || w.maxSamples < 1 || w.maxSamples > 1_000_000) {
      throw qualityErrors.make('QUALITY_BAD_CONFIG', 'quality.window.maxSamples: must be an integer 1..1000000', { field: 'quality.window.maxSamples' });
    }
    if (!(w.maxAgeMs > 0)) throw qualityErrors.make('QUALITY_BAD_CONFIG', 'quality.window.maxAgeMs: must be > 0', { field: 'quality.window.maxAgeMs' });
    this.clock = deps.clock;
    this.asPaths = deps.asPaths ?? noAsPaths;
  }

  /** Validates and adds one measurement; returns it in canonical form. Throws QUALITY_BAD_MEASUREMENT. */
  ingest(input: Measurement): Measurement {
    const m = validateMeasurement(input);
    const pfx = this.prefixOf(m.destination);
    const p = this.provider(m.provider);
    const trie = m.verified ? p.verified : p.claimed;
    const touch = (dest: string, prefix: Prefix, explicit: boolean): void => {
      const s = trie.upsert(prefix, () => this.newSeries(m.provider, dest, m.verified));
      if (explicit) s.explicit = true;
      s.window.addRun(m.at, m.sent, m.rtts);
      s.sources.set(m.source, (s.sources.get(m.source) ?? 0) + 1);
      if (m.asHops !== undefined) s.asHops = m.asHops;
      if (m.verified) s.cls = this.evaluate(s.cls, s.window, m.provider, dest);
    };
    touch(m.destination, pfx, true);
    if (pfx.len > 0) {
      const agg = pfx.family === 4 ? '0.0.0.0/0' : '::/0';
      touch(agg, this.prefixOf(agg), false);
    }
    if (m.verified) {
      p.all.addRun(m.at, m.sent, m.rtts);
      p.cls = this.evaluate(p.cls, p.all, m.provider, undefined);
    }
    return m;
  }

  lookup(providerMemberId: string, destination: string): QualityObservation | undefined {
    const p = this.providers.get(providerMemberId);
    const d = canonicalDestination(destination);
    if (!p || !d) return undefined;
    const pfx = (parsePrefix(d) as { ok: true; prefix: Prefix }).prefix;
    const now = this.clock.now();
    const s = this.freshest(p.verified, pfx, now) ?? this.freshest(p.claimed, pfx, now);
    if (!s) return undefined;
    const st = s.window.stats();
    const obs: QualityObservation = { verified: s.verified, samples: st.sent, measuredAt: st.measuredAt };
    if (st.meanMs !== null) obs.latencyMs = st.meanMs;
    if (st.lossRatio !== null) obs.lossPct = st.lossRatio * 100;
    const hops = this.asPaths.asHops(providerMemberId, d) ?? s.asHops;
    if (hops !== undefined) obs.asHops = hops;
    if (s.verified && p.cls.current >= 0) obs.responseClass = this.config.classes.classes[p.cls.current].name;
    return obs;
  }

  /** Every series of a provider (or only those covering/covered by `destination`), verified first. */
  series(provider: string, destination?: string): SeriesView[] {
    const p = this.providers.get(provider);
    if (!p) return [];
    const now = this.clock.now();
    let list: Series[];
    if (destination === undefined) list = [...p.verified.values(), ...p.claimed.values()];
    else {
      const d = canonicalDestination(destination);
      if (!d) throw qualityErrors.make('QUALITY_BAD_MEASUREMENT', 'destination: must be a CIDR prefix or any4/any6', { field: 'destination' });
      const pfx = (parsePrefix(d) as { ok: true; prefix: Prefix }).prefix;
      const pick = (t: PrefixTrie<Series>): Series[] => {
        const cov = t.covering(pfx).map((x) => x.value);
        const inner = t.covered(pfx).filter((x) => x.destination !== d);
        return [...cov.reverse(), ...inner];
      };
      list = [...pick(p.verified), ...pick(p.claimed)];
    }
    return list.map((s) => this.view(s, now));
  }

  providerView(provider: string): ProviderView | undefined {
    const p = this.providers.get(provider);
    if (!p) return undefined;
    p.all.expire(this.clock.now());
    return {
      provider,
      responseClass: p.cls.current >= 0 ? this.config.classes.classes[p.cls.current].name : null,
      classReason: p.cls.reason,
      classChangedAt: p.cls.changedAt,
      stats: p.all.stats(),
    };
  }

  providerIds(): string[] {
    return [...this.providers.keys()].sort();
  }

  private view(s: Series, now: number): SeriesView {
    s.window.expire(now);
    const hops = this.asPaths.asHops(s.provider, s.destination) ?? s.asHops;
    return {
      provider: s.provider,
      destination: s.destination,
      verified: s.verified,
      ...s.window.stats(),
      responseClass: s.cls.current >= 0 ? this.config.classes.classes[s.cls.current].name : null,
      classReason: s.cls.reason,
      sources: Object.fromEntries(s.sources),
      asHops: hops ?? null,
    };
  }

  private freshest(t: PrefixTrie<Series>, pfx: Prefix, now: number): Series | undefined {
    const cov = t.covering(pfx);
    for (let i = cov.length - 1; i >= 0; i--) {
      const s = cov[i].value;
      // The aggregate answers for full transit only, not for a destination nobody probed.
      if (!s.explicit && pfx.len > 0) continue;
      s.window.expire(now);
      if (s.window.size > 0) return s;
    }
    return undefined;
  }

  private evaluate(c: ClassState, w: SlidingWindow, provider: string, destination: string | undefined): ClassState {
    const cfg = this.config.classes;
    const lat = w.receivedCount >= cfg.minSamples ? w.latency(cfg.statistic) : null;
    const now = this.clock.now();
    const next = evaluateClass(cfg, c, lat ?? undefined, now);
    if (next.current !== c.current && this.deps.onClassChange) {
      this.deps.onClassChange({
        provider,
        ...(destination === undefined ? {} : { destination }),
        from: c.current >= 0 ? cfg.classes[c.current].name : null,
        to: cfg.classes[next.current].name,
        reason: next.reason,
        at: now,
      });
    }
    return next;
  }

  private readonly prefixes = new Map<string, Prefix>();

  /** Parsed form of a canonical destination, cached: ingest runs for the same few destinations. */
  private prefixOf(canonical: string): Prefix {
    let p = this.prefixes.get(canonical);
    if (!p) {
      p = (parsePrefix(canonical) as { ok: true; prefix: Prefix }).prefix;
      if (this.prefixes.size >= 100_000) this.prefixes.clear();
      this.prefixes.set(canonical, p);
    }
    return p;
  }

  private provider(id: string): ProviderEntry {
    let p = this.providers.get(id);
    if (!p) {
      p = { verified: new PrefixTrie(), claimed: new PrefixTrie(), all: new SlidingWindow(this.config.window), cls: initialClassState };
      this.providers.set(id, p);
    }
    return p;
  }

  private newSeries(provider: string, destination: string, verified: boolean): Series {
    return { provider, destination, verified, window: new SlidingWindow(this.config.window), cls: initialClassState, sources: new Map(), explicit: false };
  }
}
