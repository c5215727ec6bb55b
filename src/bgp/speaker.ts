/**
 * The speaker: owns the passive listener, the peers (added, changed and removed at runtime), the shared
 * attribute intern cache, and the public API (announce/withdraw per peer, RIB views, events).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { BgpError } from './errors.ts';
import { AttrIntern } from './attr-intern.ts';
import { Peer } from './peer.ts';
import { normalizeAddress } from './connection.ts';
import { canonicalAddress, checkAsn, checkHoldTime, resolvePeerConfig, type PeerConfig } from './peer-config.ts';
import { noMetrics, type BgpMetrics } from './metrics.ts';
import { parseIPv4, type Family } from './ip.ts';
import * as C from './constants.ts';
import type { BgpLog, SpeakerContext } from './speaker-context.ts';
import type { PeerStatus } from './peer-status.ts';
import type { Route } from './types.ts';
import type { PrefixRef } from './adj-rib-out.ts';

export interface SpeakerDeps {
  clock?: { now(): number };
  log?: BgpLog;
  metrics?: BgpMetrics;
}

export interface SpeakerConfig {
  asn: number;
  routerId: string;
  listen?: { host: string; port: number } | false;
  /** RFC 7947 transparent route server: no own ASN prepended, next hop and MED unchanged. */
  routeServer?: boolean;
  holdTime?: number;
  /** Text sent with Cease / Administrative Shutdown on stop() (RFC 9003). */
  shutdownMessage?: string;
  /**
   * 'routes' events: 'objects' (default) carries Route objects and withdrawn prefixes; 'batches' one
   * event per UPDATE and family with the shared frozen `attrs` and compact prefix lists (IPv4:
   * Uint32Array of [addr, len] pairs; IPv6: Uint8Array of 17 bytes each, length then 16 network
   * bytes; `announcedPathIds`/`withdrawnPathIds` when add-path is on) — session-down and stale purges
   * keep the string form; 'counts' only announcedCount/withdrawnCount; 'off' none.
   */
  routeEvents?: 'objects' | 'batches' | 'counts' | 'off';
}

export interface Speaker extends EventEmitter {
  start(): Promise<void>;
  stop(): Promise<void>;
  address(): { host: string; port: number } | undefined;
  addPeer(p: PeerConfig): void;
  updatePeer(address: string, patch: Partial<PeerConfig>): void;
  removePeer(address: string): Promise<void>;
  peers(): PeerStatus[];
  peer(address: string): PeerStatus | undefined;
  announce(address: string, routes: Route[]): void;
  withdraw(address: string, prefixes: PrefixRef[]): void;
  adjRibIn(address: string, opts?: { family?: Family }): Route[];
  adjRibOut(address: string): Route[];
  routeCountIn(address: string): number;
  refresh(address: string, family: Family): void;
  /** Distinct attribute sets held (interned) across all peers. */
  internedAttributeSets(): number;
}

/** Fields whose change needs a new session (RFC 4486 Cease / Other Configuration Change). */
const SESSION_FIELDS: Array<keyof PeerConfig> = ['asn', 'port', 'localAddress', 'passive', 'holdTime', 'families', 'fourOctetAsn', 'gracefulRestart', 'addPath', 'extendedMessages', 'enhancedRouteRefresh'];

class BgpSpeaker extends EventEmitter implements Speaker {
  private readonly ctx: SpeakerContext;
  private readonly peerMap = new Map<string, Peer>();
  private server: net.Server | undefined;
  private running = false;
  private readonly holdTime: number;

  constructor(
    deps: SpeakerDeps,
    private readonly config: SpeakerConfig,
  ) {
    super();
    checkAsn(config.asn, 'asn');
    const id = parseIPv4(config.routerId);
    if (id === undefined || id === 0) throw new BgpError('BGP_INVALID_CONFIG', 'routerId: must be a non-zero dotted-quad IPv4 address', 'routerId');
    this.holdTime = checkHoldTime(config.holdTime ?? 90, 'holdTime');
    this.ctx = {
      asn: config.asn,
      routerId: config.routerId,
      routeServer: config.routeServer ?? false,
      routeEvents: config.routeEvents ?? 'objects',
      clock: deps.clock ?? { now: () => Date.now() },
      log: deps.log ?? (() => {}),
      metrics: deps.metrics ?? noMetrics,
      intern: new AttrIntern(),
      emit: (event, payload) => {
        this.emit(event, payload);
      },
      listenerCount: (event) => this.listenerCount(event),
    };
    // 'error' is not an event of this API; keep a default so an EventEmitter never throws unhandled.
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.config.listen) {
      const { host, port } = this.config.listen;
      const server = net.createServer((sock) => this.onConnection(sock));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
      server.on('error', (e) => this.ctx.log('error', `listener error: ${e.message}`, {}));
      this.server = server;
    }
    this.running = true;
    for (const p of this.peerMap.values()) p.dispatch({ type: 'ManualStart' });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const msg = this.config.shutdownMessage ?? 'bandex speaker shutting down';
    for (const p of this.peerMap.values()) {
      p.dispatch({ type: 'ManualStop', reason: 'speaker stopped', shutdownMessage: msg });
      p.stopAllTimers();
    }
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  address(): { host: string; port: number } | undefined {
    const a = this.server?.address();
    if (!a || typeof a === 'string') return undefined;
    return { host: a.address, port: a.port };
  }

  private onConnection(sock: net.Socket): void {
    const remote = canonicalAddress(normalizeAddress(sock.remoteAddress ?? ''));
    const p = this.peerMap.get(remote);
    if (!p) {
      this.ctx.log('warn', `connection from unconfigured address ${remote} refused`, { remote });
      this.ctx.metrics.inc('bgp_connections_refused_total', { remote });
      sock.destroy();
      return;
    }
    p.acceptIncoming(sock);
  }

  private get(address: string): Peer {
    const p = this.peerMap.get(canonicalAddress(address));
    if (!p) throw new BgpError('BGP_PEER_NOT_FOUND', `address: no peer ${address} is configured`, 'address');
    return p;
  }

  addPeer(cfg: PeerConfig): void {
    const r = resolvePeerConfig(cfg, this.holdTime);
    if (this.peerMap.has(r.address)) throw new BgpError('BGP_PEER_EXISTS', `address: peer ${r.address} is already configured`, 'address');
    const p = new Peer(r, this.ctx);
    this.peerMap.set(r.address, p);
    if (this.running) p.dispatch({ type: 'ManualStart' });
  }

  updatePeer(address: string, patch: Partial<PeerConfig>): void {
    const p = this.get(address);
    if (patch.address !== undefined && canonicalAddress(patch.address) !== p.cfg.address) throw new BgpError('BGP_INVALID_CONFIG', 'address: cannot be changed; remove and add the peer', 'address');
    const merged: PeerConfig = { ...p.cfg, ...patch } as PeerConfig;
    const next = resolvePeerConfig(merged, this.holdTime);
    const sessionChange = SESSION_FIELDS.some((k) => JSON.stringify(p.cfg[k]) !== JSON.stringify(next[k]));
    const exportChange = p.cfg.routeServerClient !== next.routeServerClient;
    p.cfg = next;
    if (!this.running) return;
    if (sessionChange || !p.fsm.autoRestart) {
      p.dispatch({ type: 'AutomaticStop', reason: 'configuration changed', notification: { code: C.ERR_CEASE, subcode: C.CEASE_OTHER_CONFIG_CHANGE }, restartAfterSec: 0.05 });
    } else if (exportChange && p.fsm.name === 'Established') {
      p.out.markAllDirty();
      p.scheduleFlush();
    }
  }

  async removePeer(address: string): Promise<void> {
    const p = this.get(address);
    const c = p.conn;
    p.dispatch({ type: 'AutomaticStop', reason: 'peer removed', notification: { code: C.ERR_CEASE, subcode: C.CEASE_PEER_DECONFIGURED } });
    p.stopAllTimers();
    p.clearRoutes();
    this.peerMap.delete(p.cfg.address);
    if (c) await new Promise<void>((r) => (c.sock.destroyed ? r() : c.sock.once('close', () => r())));
  }

  peers(): PeerStatus[] {
    return [...this.peerMap.keys()].map((a) => this.peer(a)!);
  }

  peer(address: string): PeerStatus | undefined {
    const p = this.peerMap.get(canonicalAddress(address));
    if (!p) return undefined;
    const now = this.ctx.clock.now();
    const n = p.negotiated;
    const st: PeerStatus = {
      address: p.cfg.address,
      port: p.cfg.port,
      asn: p.cfg.asn,
      state: p.fsm.name,
      since: p.fsm.since,
      reason: p.fsm.reason,
      uptimeSec: p.fsm.name === 'Established' ? Math.floor((now - p.uptimeSince) / 1000) : 0,
      counters: p.counters.snapshot(),
      prefixesIn: {
        ipv4: p.rib.count('ipv4'),
        ipv6: p.rib.count('ipv6'),
        stale: (p.rib.stale.ipv4?.size ?? 0) + (p.rib.stale.ipv6?.size ?? 0),
        total: p.rib.count(),
      },
      prefixesOut: p.out.routes.size,
      fsm: { connectRetryCounter: p.fsm.connectRetryCounter, failures: p.fsm.failures },
    };
    if (p.cfg.description !== undefined) st.description = p.cfg.description;
    if (p.lastError) st.lastError = { ...p.lastError };
    if (n) {
      st.negotiated = {
        holdTime: n.holdTime,
        keepaliveTime: n.keepaliveTime,
        peerRouterId: n.peerRouterId,
        fourOctetAsn: n.fourOctetAsn,
        families: [...n.families],
        addPathReceive: [...n.addPathReceive],
        addPathSend: [...n.addPathSend],
        extendedMessages: n.extendedMessages,
        routeRefresh: n.routeRefresh,
        enhancedRouteRefresh: n.enhancedRouteRefresh,
        unknownCapabilities: [...n.peerCapabilities.unknown],
      };
      if (n.gracefulRestart) st.negotiated.gracefulRestart = { ...n.gracefulRestart, preserved: [...n.gracefulRestart.preserved] };
    }
    return st;
  }

  announce(address: string, routes: Route[]): void {
    const p = this.get(address);
    p.out.announce(routes);
    p.scheduleFlush();
  }

  withdraw(address: string, prefixes: PrefixRef[]): void {
    const p = this.get(address);
    p.out.withdraw(prefixes);
    p.scheduleFlush();
  }

  adjRibIn(address: string, opts?: { family?: Family }): Route[] {
    return this.get(address).rib.routes(opts?.family);
  }

  adjRibOut(address: string): Route[] {
    return this.get(address).out.list();
  }

  routeCountIn(address: string): number {
    return this.get(address).rib.count();
  }

  refresh(address: string, family: Family): void {
    const p = this.get(address);
    if (!p.requestRefresh(family)) this.ctx.log('warn', `peer ${address}: route refresh for ${family} not possible (session not Established or capability not negotiated)`, { peer: address });
  }

  internedAttributeSets(): number {
    return this.ctx.intern.size;
  }
}

export function createSpeaker(deps: SpeakerDeps, config: SpeakerConfig): Speaker {
  return new BgpSpeaker(deps, config);
}
