// Glue between the bandex speaker and the daemon harness: an event recorder with waits, and
// conversions between the speaker's Route model and the harness's DaemonRoute/ObservedRoute.
import type { EventEmitter } from 'node:events';
import { communityValue, waitFor } from '../harness/index.ts';
import type { DaemonRoute, ObservedRoute } from '../harness/index.ts';

export interface RecordedEvent {
  name: string;
  at: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  payload: any;
}

export class EventRecorder {
  readonly events: RecordedEvent[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(emitter: EventEmitter, names = ['state', 'routes', 'eor', 'notification', 'max-prefix']) {
    for (const name of names) {
      emitter.on(name, (payload: unknown) => {
        this.events.push({ name, at: Date.now(), payload });
        for (const w of [...this.waiters]) w();
      });
    }
  }

  mark(): number {
    return this.events.length;
  }

  of(name: string, peer?: string, from = 0): RecordedEvent[] {
    return this.events.slice(from).filter((e) => e.name === name && (peer === undefined || e.payload?.peer === peer));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  wait(name: string, pred: (p: any) => boolean, timeoutMs: number, from = 0): Promise<RecordedEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const e = this.events.slice(from).find((x) => x.name === name && pred(x.payload));
        if (e) {
          this.waiters.delete(check);
          clearTimeout(t);
          resolve(e);
        }
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.events
          .slice(from)
          .filter((x) => x.name !== 'routes')
          .map((x) => `${x.name}:${JSON.stringify(x.payload).slice(0, 160)}`)
          .join('\n  ');
        reject(new Error(`no '${name}' event matching within ${timeoutMs} ms; events since mark:\n  ${seen}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** Metrics sink recording every counter increment, for asserting on what the speaker did. */
export class MetricsRecorder {
  readonly counts = new Map<string, number>();
  inc(name: string, labels: Record<string, string>, n = 1): void {
    const k = `${name}${JSON.stringify(labels)}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }
  set(): void {}
}

export interface SpeakerRoute {
  prefix: string;
  pathId?: number;
  attrs: {
    origin: 'igp' | 'egp' | 'incomplete';
    asPath: { type: 'sequence' | 'set' | 'confed-sequence' | 'confed-set'; asns: number[] }[];
    nextHop: string;
    med?: number;
    localPref?: number;
    communities?: number[];
    largeCommunities?: [number, number, number][];
  };
}

/** A DaemonRoute expressed as a speaker Route (what we announce). */
export function toSpeakerRoute(r: DaemonRoute, nh: { v4: string; v6: string }): SpeakerRoute {
  return {
    prefix: r.prefix,
    attrs: {
      origin: r.origin ?? 'igp',
      asPath: r.asPath?.length ? [{ type: 'sequence', asns: [...r.asPath] }] : [],
      nextHop: r.nextHop ?? (r.prefix.includes(':') ? nh.v6 : nh.v4),
      ...(r.med !== undefined ? { med: r.med } : {}),
      ...(r.communities?.length ? { communities: r.communities.map(communityValue) } : {}),
      ...(r.largeCommunities?.length ? { largeCommunities: r.largeCommunities.map((c) => [...c] as [number, number, number]) } : {}),
    },
  };
}

export const flatPath = (r: SpeakerRoute): number[] => r.attrs.asPath.flatMap((s) => s.asns);

/** Polls `get` until `n` items are there (exactly), returning them. */
export function waitCount<T>(what: string, get: () => Promise<T[]> | T[], n: number, timeoutMs = 20_000): Promise<T[]> {
  let last = -1;
  return waitFor(`${what} (want ${n}, last saw ${String(last)})`, async () => {
    const xs = await get();
    last = xs.length;
    return xs.length === n ? xs : undefined;
  }, timeoutMs, 150).catch((err: Error) => {
    throw new Error(`${err.message}; last count ${last}`);
  });
}

export function byPrefix<T extends { prefix: string }>(xs: T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.prefix, x]));
}

export const sortedPairs = (xs: ObservedRoute['communities']): string[] => xs.map(([a, b]) => `${a}:${b}`).sort();
export const sortedLarge = (xs: ObservedRoute['largeCommunities']): string[] => xs.map((c) => c.join(':')).sort();

/** Synthetic /24s under 100.0.0.0/8 upwards (one /24 per index) for bulk runs. */
export function bulkPrefixes(n: number, base = 0): string[] {
  const out: string[] = [];
  for (let j = base; j < base + n; j++) out.push(`${100 + (j >> 16)}.${(j >> 8) & 255}.${j & 255}.0/24`);
  return out;
}
