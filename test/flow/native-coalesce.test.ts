// The native receive path's coalescing (flow.receiveCoalesceMicros): a receive that empties the
// socket with a small batch waits once and takes what arrives meanwhile, so a paced exporter costs
// one wake-up per batch. A second datagram sent 50 ms after the first is in the same receive with
// a 1 s coalescing wait; without coalescing, one sent 500 ms later is not. (Delays are wide so
// that a loaded machine's scheduling cannot decide the outcome.)
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { loadFlowIo } from '../../src/flow/native.ts';

const io = loadFlowIo();

/** Sends one datagram to `port` from another thread after `delayMs` (the receive blocks this one). */
function sendLater(port: number, delayMs: number): Worker {
  return new Worker(
    `const { workerData: w } = require('node:worker_threads');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, w.delayMs);
     const s = require('node:dgram').createSocket('udp4');
     s.send(Buffer.from('second'), w.port, '127.0.0.1', () => s.close());`,
    { eval: true, workerData: { port, delayMs } },
  );
}

async function firstReceive(coalesceUs: number, secondAfterMs: number): Promise<number> {
  const [fd, port] = io!.open('127.0.0.1', 0, 1 << 20, false);
  const dgram = await import('node:dgram');
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => s.send(Buffer.from('first'), port, '127.0.0.1', () => r()));
    const w = sendLater(port, secondAfterMs);
    await new Promise((r) => w.once('online', r));
    const rx = io!.receiver([fd]);
    const buf = Buffer.alloc(1 << 20);
    const [n] = io!.recv(rx, buf, 1000, coalesceUs);
    // the second datagram arrives in any case: take it so the worker's send is not left behind
    await new Promise((r) => w.once('exit', r));
    if (n < 2) expect(io!.recv(rx, buf, 1000, 0)[0]).toBe(1);
    return n;
  } finally {
    s.close();
    io!.close(fd);
  }
}

describe.runIf(io)('native receive coalescing', () => {
  it('a datagram arriving within the coalescing wait joins the batch', async () => {
    expect(await firstReceive(1_000_000, 50)).toBe(2);
  });
  it('without coalescing the first receive returns what was queued', async () => {
    expect(await firstReceive(0, 500)).toBe(1);
  });
});
