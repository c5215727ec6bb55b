// Property tests: arbitrary bytes, and captured datagrams with bytes flipped, truncated or
// extended, only ever produce records or a FlowDecodeError — never another exception.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowDecoder, FlowDecodeError } from '../../src/flow/index.ts';
import { FIXTURES, loadFixture } from './helpers/fixtures.ts';

const samples = FIXTURES.flatMap((f) => loadFixture(f));

function decodeOnly(d: FlowDecoder, b: Buffer): void {
  try {
    d.decode(b, '192.0.2.1', { flow: (r) => { if (!Number.isFinite(r.bytes)) throw new Error('non-finite bytes'); } });
  } catch (e) {
    if (!(e instanceof FlowDecodeError)) throw e;
  }
}

describe('decoder robustness', () => {
  it('arbitrary bytes with a valid version prefix never throw anything but FlowDecodeError', () => {
    const prefix = fc.constantFrom('0005', '0009', '000a', '00000005', '');
    fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 600 }), (p, body) => {
      decodeOnly(new FlowDecoder(), Buffer.concat([Buffer.from(p, 'hex'), body]));
    }), { numRuns: 4000 });
  });

  it('mutated captured datagrams never throw anything but FlowDecodeError, with state carried across', () => {
    const d = new FlowDecoder();
    for (const s of samples) decodeOnly(d, s); // learn templates so mutations reach the data readers
    const mutation = fc.record({
      index: fc.nat(samples.length - 1),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
      tail: fc.uint8Array({ maxLength: 8 }),
    });
    fc.assert(fc.property(mutation, (m) => {
      const b = Buffer.from(samples[m.index]);
      for (const [at, v] of m.flips) b[at % b.length] = v;
      const cut = m.cut === null ? b.length : m.cut % (b.length + 1);
      decodeOnly(d, Buffer.concat([b.subarray(0, cut), m.tail]));
    }), { numRuns: 8000 });
    expect(d.exporters().length).toBeGreaterThan(0);
  });
});
