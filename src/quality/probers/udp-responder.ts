/**
 * The probe responder (`bandex probe-responder`): echoes bandex UDP probes. For tests and for
 * emulating a path (the kernel's netem qdisc is not available everywhere) it can hold each reply
 * back by `delayMs` (± `jitterMs`) and drop a share `dropRate` of the requests — `spread` drops
 * evenly (exactly ⌊n·rate⌋ of n, error-diffusion), `random` drops independently with a seeded
 * generator. Anything that is not a bandex probe request is ignored and counted.
 */
import { createSocket, type Socket } from 'node:dgram';
import { KIND_REPLY, KIND_REQUEST, decodeProbe } from './udp-wire.ts';

export interface ResponderConfig {
  host: string;
  port: number;
  delayMs: number;
  jitterMs: number;
  dropRate: number;
  dropMode: 'spread' | 'random';
  seed: number;
}

export const defaultResponderConfig: ResponderConfig = { host: '0.0.0.0', port: 7362, delayMs: 0, jitterMs: 0, dropRate: 0, dropMode: 'spread', seed: 1 };

export interface ResponderCounters {
  received: number;
  echoed: number;
  dropped: number;
  ignored: number;
}

export interface UdpResponder {
  start(): Promise<{ address: string; port: number }>;
  stop(): Promise<void>;
  readonly counters: ResponderCounters;
}

/** mulberry32: a tiny seeded PRNG, so a `random` drop pattern is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createUdpResponder(config: Partial<ResponderConfig> = {}): UdpResponder {
  const c = { ...defaultResponderConfig, ...config };
  if (!(c.dropRate >= 0 && c.dropRate <= 1)) throw new RangeError('dropRate must be in [0, 1]');
  if (!(c.delayMs >= 0) || !(c.jitterMs >= 0) || c.jitterMs > c.delayMs) throw new RangeError('delayMs ≥ jitterMs ≥ 0');
  const counters: ResponderCounters = { received: 0, echoed: 0, dropped: 0, ignored: 0 };
  const rand = prng(c.seed);
  let acc = 0;
  let sock: Socket | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const drop = (): boolean => {
    if (c.dropRate === 0) return false;
    if (c.dropMode === 'random') return rand() < c.dropRate;
    acc += c.dropRate;
    if (acc >= 1 - 1e-9) {
      acc -= 1;
      return true;
    }
    return false;
  };

  return {
    counters,
    start() {
      const family = c.host.includes(':') ? 'udp6' : 'udp4';
      const s = createSocket({ type: family });
      sock = s;
      s.on('message', (msg, rinfo) => {
        const h = decodeProbe(msg);
        if (!h || h.kind !== KIND_REQUEST) {
          counters.ignored++;
          return;
        }
        counters.received++;
        if (drop()) {
          counters.dropped++;
          return;
        }
        msg.writeUInt8(KIND_REPLY, 4);
        const send = (): void => {
          counters.echoed++;
          s.send(msg, rinfo.port, rinfo.address);
        };
        const d = c.delayMs + (c.jitterMs ? (rand() * 2 - 1) * c.jitterMs : 0);
        if (d <= 0) send();
        else {
          const t = setTimeout(() => {
            timers.delete(t);
            send();
          }, d);
          timers.add(t);
        }
      });
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.bind(c.port, c.host, () => {
          s.off('error', reject);
          s.on('error', () => counters.ignored++);
          const a = s.address();
          resolve({ address: a.address, port: a.port });
        });
      });
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const s = sock;
      sock = undefined;
      return new Promise((resolve) => (s ? s.close(() => resolve()) : resolve()));
    },
  };
}
