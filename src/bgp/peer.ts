/**
 * One configured neighbour: drives the pure FSM (fsm.ts) with sockets and timers, negotiates the OPEN,
 * resolves connection collisions (RFC 4271 §6.8), feeds UPDATEs into the Adj-RIB-In, sends the
 * Adj-RIB-Out with back-pressure, enforces max-prefix (RFC 4486 Cease/1), helps a gracefully
 * restarting peer (RFC 4724 §4.2) and answers route refresh (RFC 2918, RFC 7313).
 */
import net from 'node:net';
import { BgpDecodeError } from './errors.ts';
import * as C from './constants.ts';
import { Connection } from './connection.ts';
import { transition, initialFsmState, type FsmAction, type FsmConfig, type FsmEvent, type FsmState, type NotificationSpec, type TimerName } from './fsm.ts';
import { decodeOpen, encodeOpen } from './open.ts';
import { buildOpen, negotiate, type LocalOpenConfig, type Negotiated } from './negotiate.ts';
import { decodeNotification, encodeNotification } from './notification.ts';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.ts';
import { encodeEndOfRib, familyAfi, afiFamily } from './update.ts';
import { KEEPALIVE_MESSAGE } from './header.ts';
import { AdjRibIn } from './adj-rib-in.ts';
import { AdjRibOut } from './adj-rib-out.ts';
import { ingestUpdate, PrefixBatch } from './update-ingest.ts';
import { packUpdates } from './update-packer.ts';
import { encodeAttributes } from './attributes.ts';
import { exportAttributes } from './export-policy.ts';
import { ByteWriter } from './bytes.ts';
import { parseIPv4, type Family } from './ip.ts';
import { notificationName } from './notification-names.ts';
import type { ResolvedPeerConfig } from './peer-config.ts';
import type { SpeakerContext } from './speaker-context.ts';
import type { CodecContext, PathAttributes } from './types.ts';
import { PeerCounters, type PeerStatus } from './peer-status.ts';

const TIMER_EVENTS: Record<TimerName, FsmEvent['type']> = {
  connectRetry: 'ConnectRetryTimerExpires',
  hold: 'HoldTimerExpires',
  keepalive: 'KeepaliveTimerExpires',
  idleHold: 'IdleHoldTimerExpires',
};

export class Peer {
  fsm: FsmState;
  conn: Connection | undefined;
  /** A second connection during a collision (RFC 4271 §6.8). */
  private rival: Connection | undefined;
  private dialing: net.Socket | undefined;
  negotiated: Negotiated | undefined;
  readonly rib: AdjRibIn;
  readonly out = new AdjRibOut();
  readonly counters = new PeerCounters();
  private timers: Partial<Record<TimerName, NodeJS.Timeout>> = {};
  private lastReceived = 0;
  private flushing = false;
  private flushScheduled = false;
  private eorPending = false;
  private exportCache = new WeakMap<PathAttributes, Partial<Record<Family, { section: Uint8Array; nextHop: string; nextHopLinkLocal?: string }>>>();
  private grTimer: NodeJS.Timeout | undefined;
  private maxPrefixWarned = false;
  lastError: PeerStatus['lastError'];
  private established = 0;
  /** Whether the last drop came from a NOTIFICATION (no graceful-restart retention then, RFC 4724 §4.2). */
  private droppedByNotification = false;

  constructor(
    public cfg: ResolvedPeerConfig,
    private readonly sp: SpeakerContext,
  ) {
    this.fsm = initialFsmState(sp.clock.now());
    this.rib = new AdjRibIn(sp.intern);
  }

  get labels(): Record<string, string> {
    return { peer: this.cfg.address };
  }

  private fsmConfig(): FsmConfig {
    return {
      passive: this.cfg.passive,
      connectRetrySec: this.cfg.connectRetrySec,
      largeHoldSec: 240,
      idleHoldSec: this.cfg.idleHoldSec,
      maxIdleHoldSec: 120,
      stableSec: 60,
    };
  }

  localOpen(): LocalOpenConfig {
    const l: LocalOpenConfig = {
      asn: this.sp.asn,
      routerId: this.sp.routerId,
      holdTime: this.cfg.holdTime,
      families: this.cfg.families,
      fourOctetAsn: this.cfg.fourOctetAsn,
      extendedMessages: this.cfg.extendedMessages,
      enhancedRouteRefresh: this.cfg.enhancedRouteRefresh,
    };
    if (this.cfg.gracefulRestart) l.gracefulRestart = { restartTime: 120 };
    if (this.cfg.addPath) l.addPath = this.cfg.addPath;
    return l;
  }

  dispatch(e: FsmEvent): void {
    const from = this.fsm.name;
    const { state, actions } = transition(this.fsm, e, this.sp.clock.now(), this.fsmConfig());
    this.fsm = state;
    if (state.name !== from) {
      this.sp.log('info', `peer ${this.cfg.address}: ${from} → ${state.name} (${state.reason})`, { peer: this.cfg.address, from, to: state.name, reason: state.reason });
      this.sp.metrics.set('bgp_session_established', this.labels, state.name === 'Established' ? 1 : 0);
      this.sp.emit('state', { peer: this.cfg.address, from, to: state.name, reason: state.reason });
    }
    for (const a of actions) this.run(a);
  }

  private run(a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        this.connect();
        break;
      case 'disconnect':
        this.dropConnection();
        break;
      case 'send-open':
        this.send(encodeOpen(buildOpen(this.localOpen())), C.MSG_OPEN);
        break;
      case 'send-keepalive':
        this.send(KEEPALIVE_MESSAGE, C.MSG_KEEPALIVE);
        break;
      case 'send-notification':
        this.sendNotification(this.conn, a.notification);
        break;
      case 'start-timer':
        this.startTimer(a.timer, a.seconds);
        break;
      case 'stop-timer':
        this.stopTimer(a.timer);
        break;
      case 'touch-hold':
        this.lastReceived = Date.now();
        break;
      case 'established':
        this.onEstablished();
        break;
      case 'release':
        this.release();
        break;
    }
  }

  private startTimer(t: TimerName, seconds: number): void {
    this.stopTimer(t);
    if (t === 'hold') this.lastReceived = Date.now();
    const fire = (): void => {
      this.timers[t] = undefined;
      if (t === 'hold' && this.fsm.name !== 'OpenSent') {
        // Hold timer restarts on every message; instead of re-arming per message we check the last arrival.
        const hold = this.fsm.holdTime * 1000;
        const left = this.lastReceived + hold - Date.now();
        if (left > 0) {
          this.timers.hold = setTimeout(fire, left);
          return;
        }
      }
      this.dispatch({ type: TIMER_EVENTS[t] } as FsmEvent);
    };
    this.timers[t] = setTimeout(fire, seconds * 1000);
  }

  private stopTimer(t: TimerName): void {
    const h = this.timers[t];
    if (h) clearTimeout(h);
    this.timers[t] = undefined;
  }

  stopAllTimers(): void {
    for (const t of Object.keys(this.timers) as TimerName[]) this.stopTimer(t);
    if (this.grTimer) clearTimeout(this.grTimer);
    this.grTimer = undefined;
  }

  private connect(): void {
    if (this.dialing || this.conn) return;
    const opts: net.NetConnectOpts = { host: this.cfg.address, port: this.cfg.port };
    if (this.cfg.localAddress) opts.localAddress = this.cfg.localAddress;
    const sock = net.connect(opts);
    this.dialing = sock;
    const onError = (err: Error): void => {
      if (this.dialing !== sock) return;
      this.dialing = undefined;
      sock.destroy();
      this.dispatch({ type: 'TcpConnectionFails', reason: `connect failed: ${err.message}` });
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      sock.removeListener('error', onError);
      if (this.dialing !== sock) {
        sock.destroy();
        return;
      }
      this.dialing = undefined;
      if (this.conn) {
        // An incoming connection won meanwhile: this one becomes the collision rival.
        sock.destroy();
        return;
      }
      const c: Connection = new Connection(sock, 'out', this.handlersFor(() => c));
      this.attach(c);
      this.dispatch({ type: 'TcpCrAcked' });
    });
  }

  private attach(c: Connection): void {
    this.conn = c;
    this.droppedByNotification = false;
  }

  /** Handlers bound to one connection: events of a connection that is no longer current are ignored. */
  private handlersFor(which: () => Connection | undefined) {
    return {
      onMessage: (msg: Uint8Array, type: number) => this.onMessage(which(), msg, type),
      onBatch: () => {
        if (which() === this.conn && this.fsm.name === 'Established') this.lastReceived = Date.now();
      },
      onHeaderError: (e: BgpDecodeError) => {
        if (which() !== this.conn) return;
        this.dispatch({ type: 'BGPHeaderErr', notification: { code: e.code, subcode: e.subcode, data: e.data }, reason: e.message });
      },
      onInternalError: (e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        this.sp.log('error', `peer ${this.cfg.address}: internal error handling a message: ${msg}`, { peer: this.cfg.address, stack: e instanceof Error ? e.stack : undefined });
        this.sp.metrics.inc('bgp_internal_errors_total', this.labels);
        if (which() === this.conn) this.dispatch({ type: 'UpdateMsgErr', notification: { code: C.ERR_CEASE, subcode: 0 }, reason: `internal error: ${msg}` });
      },
      onClose: (reason: string) => {
        if (which() !== this.conn) return;
        this.conn = undefined;
        this.dispatch({ type: 'TcpConnectionFails', reason });
      },
    };
  }

  /** An incoming TCP connection from this peer's address (RFC 4271 §8.2.1.1 / §6.8). */
  acceptIncoming(sock: net.Socket): void {
    const st = this.fsm.name;
    if (st === 'Idle') {
      sock.destroy();
      return;
    }
    if (st === 'Connect' || st === 'Active') {
      if (this.dialing) {
        this.dialing.destroy();
        this.dialing = undefined;
      }
      const c: Connection = new Connection(sock, 'in', this.handlersFor(() => c));
      this.attach(c);
      this.dispatch({ type: 'TcpConnectionConfirmed' });
      return;
    }
    if ((st === 'OpenSent' || st === 'OpenConfirm') && !this.rival) {
      const rival: Connection = new Connection(sock, 'in', {
        onMessage: (msg: Uint8Array, type: number): boolean => this.onRivalMessage(rival, msg, type),
        onBatch: () => {},
        onHeaderError: () => this.closeRival(),
        onInternalError: () => this.closeRival(),
        onClose: () => {
          if (this.rival === rival) this.rival = undefined;
        },
      });
      this.rival = rival;
      rival.write(encodeOpen(buildOpen(this.localOpen())));
      return;
    }
    // Established (or a second rival): RFC 4271 §6.8 keeps the existing session.
    const c = new Connection(sock, 'in', { onMessage: () => false, onBatch: () => {}, onHeaderError: () => {}, onInternalError: () => {}, onClose: () => {} });
    this.sendNotification(c, { code: C.ERR_CEASE, subcode: C.CEASE_COLLISION });
    c.close();
  }

  private closeRival(n?: NotificationSpec): void {
    const r = this.rival;
    if (!r) return;
    this.rival = undefined;
    if (n) this.sendNotification(r, n);
    r.close();
  }

  /** RFC 4271 §6.8: the connection opened by the speaker with the higher BGP Identifier survives. */
  private onRivalMessage(rival: Connection, msg: Uint8Array, type: number): boolean {
    if (type !== C.MSG_OPEN) {
      this.closeRival({ code: C.ERR_FSM, subcode: 1 });
      return false;
    }
    let remoteId: number;
    try {
      remoteId = parseIPv4(decodeOpen(msg).routerId) ?? 0;
    } catch (e) {
      if (e instanceof BgpDecodeError) this.closeRival({ code: e.code, subcode: e.subcode, data: e.data });
      return false;
    }
    const localId = parseIPv4(this.sp.routerId) ?? 0;
    const keepLocalInitiated = localId > remoteId;
    const current = this.conn;
    const currentIsLocal = current?.direction === 'out';
    if (!current || keepLocalInitiated === currentIsLocal) {
      this.closeRival({ code: C.ERR_CEASE, subcode: C.CEASE_COLLISION });
      return false;
    }
    // The rival wins: dump the current connection, adopt the rival in OpenSent (our OPEN is already out).
    this.sendNotification(current, { code: C.ERR_CEASE, subcode: C.CEASE_COLLISION });
    current.close();
    this.rival = undefined;
    rival.setHandlers(this.handlersFor(() => rival));
    this.attach(rival);
    const from = this.fsm.name;
    this.fsm = { ...this.fsm, name: 'OpenSent', reason: 'connection collision: kept the connection opened by the higher BGP identifier', since: this.sp.clock.now() };
    if (from !== 'OpenSent') this.sp.emit('state', { peer: this.cfg.address, from, to: 'OpenSent', reason: this.fsm.reason });
    return this.onMessage(rival, msg, type);
  }

  private dropConnection(): void {
    if (this.dialing) {
      this.dialing.destroy();
      this.dialing = undefined;
    }
    const c = this.conn;
    this.conn = undefined;
    c?.close();
    this.closeRival();
    this.flushing = false;
  }

  private send(msg: Uint8Array, type: number, c: Connection | undefined = this.conn): boolean {
    if (!c) return false;
    this.counters.sent(type);
    this.sp.metrics.inc('bgp_messages_sent_total', { peer: this.cfg.address, type: C.MESSAGE_TYPE_NAMES[type] });
    return c.write(msg);
  }

  private sendNotification(c: Connection | undefined, n: NotificationSpec): void {
    if (!c) return;
    const msg = encodeNotification(n);
    this.send(msg, C.MSG_NOTIFICATION, c);
    const name = notificationName(n.code, n.subcode);
    this.countError(n.code, n.subcode, 'sent');
    this.lastError = { code: n.code, subcode: n.subcode, name, reason: this.fsm.reason, direction: 'sent', at: this.sp.clock.now() };
    const ev: Record<string, unknown> = { peer: this.cfg.address, direction: 'sent', code: n.code, subcode: n.subcode, name, data: n.data ?? new Uint8Array(0) };
    if (n.shutdownMessage !== undefined) ev.shutdownMessage = n.shutdownMessage;
    this.droppedByNotification = true;
    this.sp.emit('notification', ev);
  }

  private countError(code: number, subcode: number, direction: string): void {
    this.counters.error(code, subcode);
    this.sp.metrics.inc('bgp_errors_total', { peer: this.cfg.address, code: String(code), subcode: String(subcode), direction });
  }

  codecContext(): CodecContext {
    const n = this.negotiated;
    return {
      fourOctet: n?.fourOctetAsn ?? false,
      as4Aware: this.cfg.fourOctetAsn,
      ibgp: this.cfg.asn === this.sp.asn,
      addPathIpv4: n?.addPathReceive.includes('ipv4') ?? false,
      addPathIpv6: n?.addPathReceive.includes('ipv6') ?? false,
    };
  }

  private onMessage(c: Connection | undefined, msg: Uint8Array, type: number): boolean {
    if (!c || c !== this.conn) return false;
    this.counters.received(type);
    this.sp.metrics.inc('bgp_messages_received_total', { peer: this.cfg.address, type: C.MESSAGE_TYPE_NAMES[type] });
    switch (type) {
      case C.MSG_OPEN:
        return this.onOpen(msg);
      case C.MSG_KEEPALIVE:
        this.dispatch({ type: 'KeepAliveMsg' });
        break;
      case C.MSG_UPDATE:
        if (this.fsm.name !== 'Established') {
          this.dispatch({ type: 'UpdateMsg' });
          break;
        }
        this.onUpdate(msg);
        break;
      case C.MSG_NOTIFICATION: {
        const n = decodeNotification(msg);
        this.countError(n.code, n.subcode, 'received');
        const name = notificationName(n.code, n.subcode);
        const reason = `NOTIFICATION received: ${name}${n.shutdownMessage ? ` "${n.shutdownMessage}"` : ''}`;
        this.lastError = { code: n.code, subcode: n.subcode, name, reason, direction: 'received', at: this.sp.clock.now() };
        const ev: Record<string, unknown> = { peer: this.cfg.address, direction: 'received', code: n.code, subcode: n.subcode, name, data: n.data };
        if (n.shutdownMessage !== undefined) ev.shutdownMessage = n.shutdownMessage;
        this.sp.emit('notification', ev);
        this.droppedByNotification = true;
        this.dispatch({ type: 'NotifMsg', reason });
        return false;
      }
      case C.MSG_ROUTE_REFRESH:
        this.onRouteRefresh(msg);
        break;
    }
    return this.conn === c;
  }

  private onOpen(msg: Uint8Array): boolean {
    if (this.fsm.name !== 'OpenSent') {
      this.dispatch({ type: 'BGPOpen', holdTime: 0 });
      return false;
    }
    try {
      const open = decodeOpen(msg);
      const n = negotiate(open, this.localOpen(), this.cfg.asn, this.cfg.asn === this.sp.asn);
      this.negotiated = n;
      if (this.conn) this.conn.framer.maxLength = n.extendedMessages ? C.MAX_EXTENDED_MESSAGE_LENGTH : C.MAX_MESSAGE_LENGTH;
      this.dispatch({ type: 'BGPOpen', holdTime: n.holdTime });
    } catch (e) {
      if (!(e instanceof BgpDecodeError)) throw e;
      this.dispatch({ type: 'BGPOpenMsgErr', notification: { code: e.code, subcode: e.subcode, data: e.data }, reason: e.message });
      return false;
    }
    return true;
  }

  private onUpdate(msg: Uint8Array): void {
    const n = this.negotiated!;
    const listening = this.sp.routeEvents !== 'off' && this.sp.listenerCount('routes') > 0;
    const collect = !listening ? false : this.sp.routeEvents === 'objects' ? 'objects' : this.sp.routeEvents === 'batches' ? 'batches' : false;
    this.counters.updatesIn++;
    this.sp.metrics.inc('bgp_updates_received_total', this.labels);
    try {
      const r = ingestUpdate(msg, { ...this.ctxCache(), families: n.families, localAsn: this.sp.asn }, this.sp.intern, this.rib, collect);
      if (r.loops) {
        this.counters.loops += r.loops;
        this.sp.metrics.inc('bgp_prefixes_loop_total', this.labels, r.loops);
      }
      if (r.treatAsWithdraw) {
        this.countError(r.treatAsWithdraw.code, r.treatAsWithdraw.subcode, 'treat-as-withdraw');
        this.sp.log('warn', `peer ${this.cfg.address}: UPDATE treated as withdraw (RFC 7606): ${r.treatAsWithdraw.message}`, { peer: this.cfg.address });
      }
      for (const d of r.discarded) this.countError(d.code, d.subcode, 'attribute-discard');
      for (const ch of r.changes) {
        this.counters.prefixesReceived += ch.announced;
        this.counters.prefixesWithdrawn += ch.withdrawn;
        if (ch.announced) this.sp.metrics.inc('bgp_prefixes_received_total', { peer: this.cfg.address, family: ch.family }, ch.announced);
        if (ch.withdrawn) this.sp.metrics.inc('bgp_prefixes_withdrawn_total', { peer: this.cfg.address, family: ch.family }, ch.withdrawn);
        if (listening && ch.batch && (ch.announced || ch.withdrawn)) {
          const b = ch.batch;
          const ev: Record<string, unknown> = {
            peer: this.cfg.address,
            family: ch.family,
            attrs: ch.attrs,
            announced: PrefixBatch.typed(ch.family, b.announced),
            withdrawn: PrefixBatch.typed(ch.family, b.withdrawn),
            announcedCount: ch.announced,
            withdrawnCount: ch.withdrawn,
          };
          if (b.announcedPathIds) ev.announcedPathIds = Uint32Array.from(b.announcedPathIds);
          if (b.withdrawnPathIds) ev.withdrawnPathIds = Uint32Array.from(b.withdrawnPathIds);
          this.sp.emit('routes', ev);
        } else if (listening && (ch.announced || ch.withdrawn)) {
          this.sp.emit('routes', {
            peer: this.cfg.address,
            family: ch.family,
            announced: ch.announcedRoutes ?? [],
            withdrawn: ch.withdrawnPrefixes ?? [],
            announcedCount: ch.announced,
            withdrawnCount: ch.withdrawn,
          });
        }
      }
      for (const ch of r.changes) this.sp.metrics.set('bgp_prefixes_accepted', { peer: this.cfg.address, family: ch.family }, this.rib.count(ch.family));
      if (r.endOfRib) this.onEndOfRib(r.endOfRib);
      this.checkMaxPrefix();
    } catch (e) {
      if (!(e instanceof BgpDecodeError)) throw e;
      this.dispatch({ type: 'UpdateMsgErr', notification: { code: e.code, subcode: e.subcode, data: e.data }, reason: `malformed UPDATE: ${e.message}` });
    }
  }

  private ctxMemo: CodecContext | undefined;
  private ctxCache(): CodecContext {
    return (this.ctxMemo ??= this.codecContext());
  }

  private onEndOfRib(f: Family): void {
    const dropped = this.purgeStale(f);
    if (dropped) this.sp.log('info', `peer ${this.cfg.address}: End-of-RIB ${f}, ${dropped} stale routes removed`, { peer: this.cfg.address });
    this.sp.emit('eor', { peer: this.cfg.address, family: f });
  }

  private checkMaxPrefix(): void {
    const m = this.cfg.maxPrefix;
    if (!m) return;
    const count = this.rib.count();
    if (count <= m.limit) {
      this.maxPrefixWarned = false;
      return;
    }
    if (m.action === 'warn') {
      if (!this.maxPrefixWarned) this.sp.emit('max-prefix', { peer: this.cfg.address, count, limit: m.limit, action: m.action });
      this.maxPrefixWarned = true;
      return;
    }
    this.sp.emit('max-prefix', { peer: this.cfg.address, count, limit: m.limit, action: m.action });
    // RFC 4486 §4: data = AFI, SAFI, upper bound.
    const fam = this.rib.count('ipv4') > 0 ? 'ipv4' : 'ipv6';
    const data = new ByteWriter(7).u16(familyAfi(fam)).u8(C.SAFI_UNICAST).u32(m.limit).result();
    const ev: FsmEvent = { type: 'AutomaticStop', reason: `max-prefix ${m.limit} exceeded (${count})`, notification: { code: C.ERR_CEASE, subcode: C.CEASE_MAX_PREFIX, data } };
    if (m.action === 'restart') ev.restartAfterSec = m.restartAfterSec ?? 60;
    this.dispatch(ev);
  }

  private onRouteRefresh(msg: Uint8Array): void {
    if (this.fsm.name !== 'Established') {
      this.dispatch({ type: 'RouteRefreshMsg' });
      return;
    }
    let r;
    try {
      r = decodeRouteRefresh(msg);
    } catch (e) {
      if (!(e instanceof BgpDecodeError)) throw e;
      this.dispatch({ type: 'UpdateMsgErr', notification: { code: e.code, subcode: e.subcode, data: e.data }, reason: e.message });
      return;
    }
    const f = afiFamily(r.afi, r.safi);
    if (!f || !this.negotiated?.families.includes(f)) return; // RFC 2918 §4: ignore unknown AFI/SAFI
    if (r.subtype === 'borr') this.rib.markStale(f);
    else if (r.subtype === 'eorr') this.purgeStale(f);
    else if (r.rawSubtype === 0) {
      this.out.markAllDirty(f);
      this.refreshFamilies.add(f);
      this.scheduleFlush();
    }
  }

  private refreshFamilies = new Set<Family>();

  private onEstablished(): void {
    this.established = this.sp.clock.now();
    this.ctxMemo = undefined;
    this.exportCache = new WeakMap();
    const n = this.negotiated!;
    // RFC 4724 §4.2: stale routes of families the peer no longer preserves go now; the rest wait for End-of-RIB.
    for (const f of ['ipv4', 'ipv6'] as Family[]) {
      if (this.rib.stale[f] && !(n.gracefulRestart?.preserved.includes(f) && n.families.includes(f))) this.purgeStale(f);
    }
    if (this.grTimer && !Object.keys(this.rib.stale).length) {
      clearTimeout(this.grTimer);
      this.grTimer = undefined;
    }
    this.out.tracking = true;
    this.out.markAllDirty();
    this.eorPending = true;
    this.scheduleFlush();
  }

  /** RFC 4271 §8: resources released when the session leaves OpenConfirm/Established. */
  private release(): void {
    const n = this.negotiated;
    const wasUp = this.established > 0;
    this.established = 0;
    this.negotiated = undefined;
    this.ctxMemo = undefined;
    this.refreshFamilies.clear();
    this.eorPending = false;
    this.out.reset();
    if (!wasUp) return;
    // RFC 4724 §4.2: a peer that announced graceful restart keeps its routes (stale) across a TCP failure.
    const gr = n?.gracefulRestart;
    if (gr && this.cfg.gracefulRestart && !this.droppedByNotification && gr.restartTime > 0) {
      for (const f of n.families) this.rib.markStale(f);
      if (this.grTimer) clearTimeout(this.grTimer);
      this.grTimer = setTimeout(() => {
        this.grTimer = undefined;
        for (const f of ['ipv4', 'ipv6'] as Family[]) this.purgeStale(f);
      }, gr.restartTime * 1000);
      this.grTimer.unref();
      this.sp.log('info', `peer ${this.cfg.address}: graceful restart, routes kept stale for ${gr.restartTime} s`, { peer: this.cfg.address });
      return;
    }
    this.clearRoutes();
  }

  /** Drops a family's stale routes (End-of-RIB, EoRR, restart timer) and tells the application. */
  private purgeStale(f: Family): number {
    const n = this.rib.stale[f]?.size ?? 0;
    if (!n) return 0;
    if (this.sp.routeEvents !== 'off' && this.sp.listenerCount('routes') > 0) {
      const gone = this.sp.routeEvents !== 'counts' ? this.rib.stalePrefixes(f) : [];
      this.sp.emit('routes', { peer: this.cfg.address, family: f, announced: [], withdrawn: gone, announcedCount: 0, withdrawnCount: n });
    }
    return this.rib.purgeStale(f);
  }

  clearRoutes(): void {
    if (this.sp.routeEvents !== 'off' && this.sp.listenerCount('routes') > 0) {
      for (const f of ['ipv4', 'ipv6'] as Family[]) {
        const n = this.rib.count(f);
        if (!n) continue;
        const gone = this.sp.routeEvents !== 'counts' ? this.rib.routes(f).map((r) => r.prefix) : [];
        this.sp.emit('routes', { peer: this.cfg.address, family: f, announced: [], withdrawn: gone, announcedCount: 0, withdrawnCount: n });
      }
    }
    this.rib.clear();
  }

  scheduleFlush(): void {
    if (this.flushScheduled || this.flushing || this.fsm.name !== 'Established') return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private exportFor(attrs: PathAttributes, family: Family): { section: Uint8Array; nextHop: string; nextHopLinkLocal?: string } {
    let per = this.exportCache.get(attrs);
    if (!per) this.exportCache.set(attrs, (per = {}));
    let hit = per[family];
    if (!hit) {
      const c = this.conn!;
      const ex = exportAttributes(attrs, family, {
        localAsn: this.sp.asn,
        peerAsn: this.cfg.asn,
        transparent: this.sp.routeServer || this.cfg.routeServerClient,
        localAddress: c.localAddress,
      });
      const ctx = { ...this.codecContext(), addPathIpv4: false, addPathIpv6: false };
      const w = new ByteWriter(128);
      encodeAttributes(ex, ctx, { nextHop: family === 'ipv4' }, w);
      hit = { section: w.result(), nextHop: ex.nextHop };
      if (ex.nextHopLinkLocal) hit.nextHopLinkLocal = ex.nextHopLinkLocal;
      per[family] = hit;
    }
    return hit;
  }

  /** Sends pending Adj-RIB-Out changes, pausing while the socket buffer is full. */
  private flush(): void {
    const c = this.conn;
    const n = this.negotiated;
    if (!c || !n || this.fsm.name !== 'Established' || this.flushing) return;
    const fams = new Set(n.families);
    const refresh = [...this.refreshFamilies];
    this.refreshFamilies.clear();
    const enhanced = n.enhancedRouteRefresh;
    const changes = this.out.takeChanges().filter((d) => fams.has(d.entry.family));
    const gen = packUpdates(changes, {
      maxLength: n.extendedMessages ? C.MAX_EXTENDED_MESSAGE_LENGTH : C.MAX_MESSAGE_LENGTH,
      addPathIpv4: n.addPathSend.includes('ipv4'),
      addPathIpv6: n.addPathSend.includes('ipv6'),
      exportAttrs: (a, f) => this.exportFor(a, f),
      onUnsendable: (count, f) => {
        this.sp.log('warn', `peer ${this.cfg.address}: ${count} ${f} routes not sent: their attributes exceed the message size (extended messages not negotiated)`, { peer: this.cfg.address });
        this.sp.metrics.inc('bgp_routes_unsendable_total', { peer: this.cfg.address, family: f }, count);
      },
    });
    const tail: Uint8Array[] = [];
    if (enhanced) for (const f of refresh) tail.push(encodeRouteRefresh({ afi: familyAfi(f), safi: C.SAFI_UNICAST, subtype: 'eorr' }));
    if (this.eorPending) {
      this.eorPending = false;
      for (const f of n.families) tail.push(encodeEndOfRib(f));
    }
    if (enhanced) for (const f of refresh) this.send(encodeRouteRefresh({ afi: familyAfi(f), safi: C.SAFI_UNICAST, subtype: 'borr' }), C.MSG_ROUTE_REFRESH);
    this.flushing = true;
    let sentPrefixes = 0;
    const pump = (): void => {
      if (this.conn !== c || c.isClosed) {
        this.flushing = false;
        return;
      }
      c.cork();
      let batch = 0;
      while (true) {
        const next = gen.next();
        if (next.done) break;
        this.counters.updatesOut++;
        this.send(next.value, C.MSG_UPDATE, c);
        batch++;
        if (c.needsDrain || batch >= 512) {
          c.uncork();
          if (c.needsDrain) {
            // RFC 9687: a peer that stops reading is dropped after the send hold time (max(8 min, 2 × hold)).
            const limit = Math.max(480, 2 * (this.negotiated?.holdTime ?? 0)) * 1000;
            const t = setTimeout(() => {
              if (this.conn === c) this.dispatch({ type: 'SendHoldTimerExpires' });
            }, limit);
            t.unref();
            c.onDrain(() => {
              clearTimeout(t);
              pump();
            });
          } else setImmediate(pump);
          return;
        }
      }
      for (const m of tail) this.send(m, m[18], c);
      c.uncork();
      for (const d of changes) if (d.announce) sentPrefixes++;
      this.counters.prefixesSent += sentPrefixes;
      if (sentPrefixes) this.sp.metrics.inc('bgp_prefixes_sent_total', this.labels, sentPrefixes);
      this.flushing = false;
      if (this.out.pending || this.refreshFamilies.size) this.scheduleFlush();
    };
    pump();
  }

  /** Sends ROUTE-REFRESH for a family (RFC 2918 §3). */
  requestRefresh(f: Family): boolean {
    if (this.fsm.name !== 'Established' || !this.negotiated?.routeRefresh || !this.negotiated.families.includes(f)) return false;
    this.send(encodeRouteRefresh({ afi: familyAfi(f), safi: C.SAFI_UNICAST }), C.MSG_ROUTE_REFRESH);
    return true;
  }

  get uptimeSince(): number {
    return this.established;
  }
}
