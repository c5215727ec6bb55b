/**
 * TCP connect-time prober: no privileges needed. Each attempt opens a connection (from
 * `sourceAddress` when given) and measures until the handshake completes — one round trip
 * (SYN → SYN-ACK). A refused connection (RST) also took one round trip, so by default it counts
 * as a reply; a timeout or an unreachable error counts as a lost attempt. Attempts run one after
 * another, `intervalMs` apart, so they do not queue behind each other.
 */
import { connect } from 'node:net';
import { type ProbeOptions, type ProbeRun, monoMs, sleep } from './probe-result.ts';

export async function tcpConnectProbe(o: ProbeOptions & { port: number; refusedIsReply?: boolean }, now: () => number = Date.now): Promise<ProbeRun> {
  const at = now();
  const rtts: number[] = [];
  for (let i = 0; i < o.count; i++) {
    if (i > 0) await sleep(o.intervalMs);
    const r = await attempt(o);
    if (r !== undefined) rtts.push(r);
  }
  return { sent: o.count, rtts, at };
}

function attempt(o: ProbeOptions & { port: number; refusedIsReply?: boolean }): Promise<number | undefined> {
  return new Promise((resolve) => {
    const t0 = monoMs();
    const s = connect({ host: o.target, port: o.port, ...(o.sourceAddress ? { localAddress: o.sourceAddress } : {}) });
    const timer = setTimeout(() => finish(undefined), o.timeoutMs);
    let over = false;
    function finish(v: number | undefined): void {
      if (over) return;
      over = true;
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    }
    s.once('connect', () => finish(monoMs() - t0));
    s.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' && o.refusedIsReply !== false ? monoMs() - t0 : undefined));
  });
}
