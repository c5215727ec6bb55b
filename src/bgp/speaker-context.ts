/** What a peer needs from its speaker: identity, injected clock/log/metrics, shared intern cache, events. */
import type { AttrIntern } from './attr-intern.ts';
import type { BgpMetrics } from './metrics.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type BgpLog = (level: LogLevel, msg: string, ctx?: Record<string, unknown>) => void;

export interface SpeakerContext {
  asn: number;
  routerId: string;
  routeServer: boolean;
  routeEvents: 'objects' | 'batches' | 'counts' | 'off';
  clock: { now(): number };
  log: BgpLog;
  metrics: BgpMetrics;
  intern: AttrIntern;
  emit(event: string, payload: unknown): void;
  listenerCount(event: string): number;
}
