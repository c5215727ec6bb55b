/** Per-peer counters and the status snapshot returned by `Speaker.peers()`. */
import { MESSAGE_TYPE_NAMES } from './constants.ts';
import type { FsmStateName } from './fsm.ts';
import type { Family } from './ip.ts';

export class PeerCounters {
  messagesIn: Record<string, number> = {};
  messagesOut: Record<string, number> = {};
  updatesIn = 0;
  updatesOut = 0;
  prefixesReceived = 0;
  prefixesWithdrawn = 0;
  prefixesSent = 0;
  /** Prefixes dropped because their AS_PATH holds our own ASN (RFC 4271 §9.1.2). */
  loops = 0;
  /** "code/subcode" → count, sent and received. */
  errors: Record<string, number> = {};

  received(type: number): void {
    const k = MESSAGE_TYPE_NAMES[type] ?? String(type);
    this.messagesIn[k] = (this.messagesIn[k] ?? 0) + 1;
  }

  sent(type: number): void {
    const k = MESSAGE_TYPE_NAMES[type] ?? String(type);
    this.messagesOut[k] = (this.messagesOut[k] ?? 0) + 1;
  }

  error(code: number, subcode: number): void {
    const k = `${code}/${subcode}`;
    this.errors[k] = (this.errors[k] ?? 0) + 1;
  }

  snapshot(): Omit<PeerCounters, 'received' | 'sent' | 'error' | 'snapshot'> {
    return {
      messagesIn: { ...this.messagesIn },
      messagesOut: { ...this.messagesOut },
      updatesIn: this.updatesIn,
      updatesOut: this.updatesOut,
      prefixesReceived: this.prefixesReceived,
      prefixesWithdrawn: this.prefixesWithdrawn,
      prefixesSent: this.prefixesSent,
      loops: this.loops,
      errors: { ...this.errors },
    };
  }
}

export interface PeerStatus {
  address: string;
  port: number;
  asn: number;
  description?: string;
  state: FsmStateName;
  /** Epoch ms of the last state change, and the reason recorded for it. */
  since: number;
  reason: string;
  /** Seconds Established, 0 otherwise. */
  uptimeSec: number;
  lastError?: { code: number; subcode: number; name: string; reason: string; direction: 'sent' | 'received'; at: number };
  negotiated?: {
    holdTime: number;
    keepaliveTime: number;
    peerRouterId: string;
    fourOctetAsn: boolean;
    families: Family[];
    addPathReceive: Family[];
    addPathSend: Family[];
    extendedMessages: boolean;
    routeRefresh: boolean;
    enhancedRouteRefresh: boolean;
    gracefulRestart?: { restartTime: number; restartState: boolean; preserved: Family[] };
    /** Capability codes the peer sent that we do not know. */
    unknownCapabilities: number[];
  };
  counters: ReturnType<PeerCounters['snapshot']>;
  prefixesIn: { ipv4: number; ipv6: number; stale: number; total: number };
  prefixesOut: number;
  fsm: { connectRetryCounter: number; failures: number };
}
