/**
 * UDP echo prober against `bandex probe-responder`: sends `count` probes `intervalMs` apart from
 * one socket (bound to `sourceAddress` when given), matches replies by session and sequence,
 * and waits `timeoutMs` after the last send for stragglers. RTT = own monotonic clock at
 * receipt − send time echoed in the header.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type ProbeOptions, type ProbeRun, sleep } from './probe-result.ts';
import { KIND_REPLY, KIND_REQUEST, decodeProbe, encodeProbe } from './udp-wire.ts';

export async function udpProbe(o: ProbeOptions & { port: number; size?: number }, now: () => number = Date.now): Promise<ProbeRun> {
  const sock = createSocket({ type: isIPv6(o.target) ? 'udp6' : 'udp4' });
  const session = randomInt(0, 2 ** 32);
  const rttBySeq = new Map<number, number>();
  const at = now();
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, o.sourceAddress, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    // ICMP port-unreachable surfaces as an async socket error on connected and unconnected
    // sockets alike; it means the packet is lost for our purposes.
    sock.on('error', () => undefined);
    let done: (() => void) | undefined;
    const all = new Promise<void>((r) => (done = r));
    sock.on('message', (msg) => {
      const nowUs = process.hrtime.bigint() / 1000n;
      const h = decodeProbe(msg);
      if (!h || h.kind !== KIND_REPLY || h.session !== session || h.seq >= o.count || rttBySeq.has(h.seq)) return;
      rttBySeq.set(h.seq, Number(nowUs - h.sentMicros) / 1000);
      if (rttBySeq.size === o.count) done?.();
    });
    for (let seq = 0; seq < o.count; seq++) {
      if (seq > 0) await sleep(o.intervalMs);
      const b = encodeProbe({ kind: KIND_REQUEST, session, seq, sentMicros: process.hrtime.bigint() / 1000n }, o.size);
      await new Promise<void>((r) => sock.send(b, o.port, o.target, () => r()));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, o.timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    sock.close();
  }
  const rtts = [...rttBySeq.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  return { sent: o.count, rtts, at };
}
