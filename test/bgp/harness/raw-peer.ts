// A deliberately dumb BGP peer, independent of src/bgp: it frames messages by the 19-octet header
// (RFC 4271 §4.1), answers the daemon's OPEN with a hand-written OPEN plus KEEPALIVE, keeps the
// session alive and records every message the daemon sends. Used to capture fixtures and to send
// hand-made messages (bad ASN, ROUTE-REFRESH) in tests without trusting our own codec.
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';

export const MSG_TYPES: Record<number, string> = { 1: 'open', 2: 'update', 3: 'notification', 4: 'keepalive', 5: 'route-refresh' };

export interface RawMessage {
  type: number;
  name: string;
  hex: string;
  at: number;
}

export interface RawOpenOptions {
  asn: number;
  routerId: string;
  holdTime?: number;
  fourOctetAsn?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  routeRefresh?: boolean;
  enhancedRouteRefresh?: boolean;
  gracefulRestart?: boolean;
  addPath?: boolean;
  extendedMessages?: boolean;
}

const MARKER = 'ff'.repeat(16);
const hex2 = (n: number): string => n.toString(16).padStart(4, '0');
const hex4 = (n: number): string => n.toString(16).padStart(8, '0');

/** Wraps a body (hex) with marker, length and type. */
export function frame(type: number, bodyHex: string): string {
  return MARKER + hex2(19 + bodyHex.length / 2) + type.toString(16).padStart(2, '0') + bodyHex;
}

/**
 * Hand-written OPEN. Each capability is its own optional parameter (type 2), which RFC 5492 §4
 * allows and which the daemons all accept. Capability codes: 1 MP (RFC 4760), 2 route refresh
 * (RFC 2918), 70 enhanced RR (RFC 7313), 65 4-octet ASN (RFC 6793), 64 graceful restart (RFC 4724),
 * 69 add-path (RFC 7911), 6 extended messages (RFC 8654).
 */
export function rawOpen(o: RawOpenOptions): string {
  const caps: string[] = [];
  if (o.ipv4 !== false) caps.push('0104' + '0001' + '00' + '01');
  if (o.ipv6 !== false) caps.push('0104' + '0002' + '00' + '01');
  if (o.routeRefresh !== false) caps.push('0200');
  if (o.enhancedRouteRefresh) caps.push('4600');
  if (o.fourOctetAsn !== false) caps.push('4104' + hex4(o.asn));
  if (o.gracefulRestart) caps.push('400a' + '0078' + '00010100' + '00020100'); // restart time 120 s, v4+v6, no F bit
  if (o.addPath) caps.push('4508' + '000101' + '03' + '000201' + '03'); // send+receive for v4 and v6 unicast
  if (o.extendedMessages) caps.push('0600');
  const params = caps.map((c) => '02' + (c.length / 2).toString(16).padStart(2, '0') + c).join('');
  const myAs = o.asn > 0xffff ? 23456 : o.asn; // AS_TRANS when the ASN needs 4 octets (RFC 6793 §4.1)
  const id = o.routerId.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');
  const body = '04' + hex2(myAs) + hex2(o.holdTime ?? 90) + id + (params.length / 2).toString(16).padStart(2, '0') + params;
  return frame(1, body);
}

export const KEEPALIVE = frame(4, '');
/** ROUTE-REFRESH (RFC 2918 §3; subtype 0 = normal request, RFC 7313 §3.2). */
export const routeRefresh = (afi: 1 | 2, subtype = 0): string => frame(5, hex2(afi) + subtype.toString(16).padStart(2, '0') + '01');

export interface RawPeer {
  messages: RawMessage[];
  port(): number;
  connected(): boolean;
  closed: Promise<void>;
  send(hex: string): void;
  waitFor(pred: (m: RawMessage) => boolean, timeoutMs?: number, from?: number): Promise<RawMessage>;
  waitQuiet(quietMs: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface RawPeerOptions {
  open: RawOpenOptions;
  /** Listen here for the daemon to dial in... */
  listen?: { host: string; port: number };
  /** ...or dial the daemon. */
  dial?: { host: string; port: number; localAddress?: string };
  /** Reply to OPEN automatically (default true). */
  autoOpen?: boolean;
  keepaliveEveryMs?: number;
}

export async function startRawPeer(opts: RawPeerOptions): Promise<RawPeer> {
  const messages: RawMessage[] = [];
  let sock: Socket | undefined;
  let server: Server | undefined;
  let buf = Buffer.alloc(0);
  let lastAt = Date.now();
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const waiters = new Set<() => void>();
  let ka: NodeJS.Timeout | undefined;
  const dialer = !opts.listen && !!opts.dial;

  const onData = (chunk: Buffer): void => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 19) {
      const len = buf.readUInt16BE(16);
      if (len < 19 || buf.length < len) break;
      const msg = buf.subarray(0, len);
      buf = buf.subarray(len);
      const type = msg[18];
      const at = Date.now();
      if (type !== 4) lastAt = at; // keepalives do not count as activity for waitQuiet
      messages.push({ type, name: MSG_TYPES[type] ?? `type${type}`, hex: msg.toString('hex'), at });
      if (type === 1 && opts.autoOpen !== false) {
        // Listener: answer with OPEN + KEEPALIVE. Dialer: our OPEN went out on connect; confirm theirs.
        sock?.write(Buffer.from((dialer ? '' : rawOpen(opts.open)) + KEEPALIVE, 'hex'));
      }
      for (const w of waiters) w();
    }
  };
  const attach = (s: Socket): void => {
    sock = s;
    s.on('data', onData);
    s.on('error', () => undefined);
    s.on('close', () => {
      if (ka) clearInterval(ka);
      resolveClosed();
      for (const w of waiters) w();
    });
    ka = setInterval(() => s.writable && s.write(Buffer.from(KEEPALIVE, 'hex')), opts.keepaliveEveryMs ?? 10_000);
  };

  if (opts.listen) {
    const srv = createServer((s) => {
      if (sock) {
        s.destroy(); // one session only
        return;
      }
      attach(s);
    });
    server = srv;
    await new Promise<void>((res, rej) => {
      srv.once('error', rej);
      srv.listen(opts.listen!.port, opts.listen!.host, () => res());
    });
  } else if (opts.dial) {
    const s = connect({ host: opts.dial.host, port: opts.dial.port, localAddress: opts.dial.localAddress });
    await new Promise<void>((res, rej) => {
      s.once('connect', () => res());
      s.once('error', rej);
    });
    attach(s);
    // When dialling, send OPEN first (RFC 4271 §8: OpenSent right after the connection completes).
    if (opts.autoOpen !== false) s.write(Buffer.from(rawOpen(opts.open), 'hex'));
  }

  return {
    messages,
    port: () => {
      const a = server?.address();
      return a && typeof a === 'object' ? a.port : 0;
    },
    connected: () => !!sock && !sock.destroyed,
    closed,
    send(hex: string) {
      if (!sock) throw new Error('raw peer: not connected');
      sock.write(Buffer.from(hex, 'hex'));
    },
    waitFor(pred, timeoutMs = 20_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = messages.slice(from).find(pred);
          if (m) {
            waiters.delete(check as () => void);
            clearTimeout(t);
            resolve(m);
            return true;
          }
          return false;
        };
        const t = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`raw peer: no matching message within ${timeoutMs} ms (got ${messages.map((m) => m.name).join(',')})`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    async waitQuiet(quietMs, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (Date.now() - lastAt >= quietMs) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      if (ka) clearInterval(ka);
      sock?.destroy();
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    },
  };
}
