// Loopback helpers for session tests: pairs of our own speakers and a scripted raw peer.
import net from 'node:net';
import { createSpeaker, encodeOpen, decodeMessage, type Speaker, type SpeakerConfig, type SpeakerDeps, type PeerConfig, type BgpMessage, type OpenMessage } from '../../../src/bgp/index.ts';
import { MessageFramer } from '../../../src/bgp/header.ts';

export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface Pair {
  a: Speaker;
  b: Speaker;
  stop(): Promise<void>;
}

/** A listens (passive peer), B dials A; both see each other as 127.0.0.1. */
export async function pair(
  aCfg: Partial<SpeakerConfig> = {},
  bCfg: Partial<SpeakerConfig> = {},
  aPeer: Partial<PeerConfig> = {},
  bPeer: Partial<PeerConfig> = {},
  bDeps: SpeakerDeps = {},
  aDeps: SpeakerDeps = {},
): Promise<Pair> {
  const a = createSpeaker(aDeps, { asn: 65001, routerId: '10.0.0.1', listen: { host: '127.0.0.1', port: 0 }, ...aCfg });
  const b = createSpeaker(bDeps, { asn: 65002, routerId: '10.0.0.2', listen: false, ...bCfg });
  await a.start();
  a.addPeer({ address: '127.0.0.1', asn: bCfg.asn ?? 65002, passive: true, holdTime: 30, ...aPeer });
  b.addPeer({ address: '127.0.0.1', port: a.address()!.port, asn: aCfg.asn ?? 65001, holdTime: 30, connectRetrySec: 1, ...bPeer });
  await b.start();
  return {
    a,
    b,
    async stop() {
      await b.stop();
      await a.stop();
    },
  };
}

export async function established(p: Pair, timeoutMs = 5000): Promise<void> {
  await waitFor(() => p.a.peer('127.0.0.1')?.state === 'Established' && p.b.peer('127.0.0.1')?.state === 'Established', timeoutMs, 'Established');
}

/** A hand-driven TCP peer: sends what the test says, records what arrives. */
export class RawPeer {
  readonly received: BgpMessage[] = [];
  private sock!: net.Socket;
  closed = false;

  static async connect(port: number): Promise<RawPeer> {
    const p = new RawPeer();
    p.sock = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((res, rej) => {
      p.sock.once('connect', () => res());
      p.sock.once('error', rej);
    });
    const framer = new MessageFramer();
    framer.maxLength = 65535;
    p.sock.on('data', (c) => framer.push(c, (m) => void p.received.push(decodeMessage(m, { fourOctet: true }, 65535))));
    p.sock.on('close', () => (p.closed = true));
    p.sock.on('error', () => {});
    return p;
  }

  send(b: Uint8Array): void {
    this.sock.write(b);
  }

  open(o: Partial<OpenMessage> = {}): void {
    this.send(
      encodeOpen({
        version: 4,
        asn: 65002,
        holdTime: 30,
        routerId: '10.0.0.2',
        capabilities: [
          { type: 'multiprotocol', afi: 1, safi: 1 },
          { type: 'four-octet-asn', asn: 65002 },
        ],
        ...o,
      }),
    );
  }

  of(type: BgpMessage['type']): BgpMessage[] {
    return this.received.filter((m) => m.type === type);
  }

  close(): void {
    this.sock.destroy();
  }
}
