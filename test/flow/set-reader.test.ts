// A compiled template's set loop resets only what its fields leave alone (template.ts
// recordReset): every record of a multi-record set must come out exactly as it does alone in its
// own message, after records of other templates, for arbitrary fixed-length templates and data.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FlowDecoder } from '../../src/flow/index.ts';
import type { FlowRecordJson } from '../../src/flow/index.ts';

/** [element id, length] pairs a template may use: natural and other lengths, and unknown ids. */
const FIELDS: Array<[number, number]> = [
  [1, 8], [1, 4], [2, 8], [2, 4], [4, 1], [5, 1], [6, 1], [6, 2], [7, 2], [7, 4], [11, 2], [8, 4], [12, 4], [15, 4],
  [27, 16], [28, 16], [62, 16], [10, 4], [14, 2], [16, 4], [17, 4], [9, 1], [13, 1], [29, 1], [32, 2], [139, 2],
  [56, 6], [57, 6], [80, 6], [58, 2], [243, 2], [61, 1], [60, 1], [22, 4], [21, 4], [152, 8], [153, 8], [150, 4],
  [151, 4], [158, 4], [159, 4], [160, 8], [34, 4], [48, 1], [305, 4], [306, 4], [999, 3], [12, 3], [56, 5],
];

function ipfix(sets: Buffer[], seq: number): Buffer {
  const body = Buffer.concat(sets);
  const h = Buffer.alloc(16);
  h.writeUInt16BE(10, 0);
  h.writeUInt16BE(16 + body.length, 2);
  h.writeUInt32BE(1_700_000_000, 4);
  h.writeUInt32BE(seq, 8);
  h.writeUInt32BE(7, 12);
  return Buffer.concat([h, body]);
}

function set(id: number, body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

function templateSet(id: number, fields: Array<[number, number]>): Buffer {
  const b = Buffer.alloc(4 + 4 * fields.length);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(fields.length, 2);
  fields.forEach(([e, len], i) => {
    b.writeUInt16BE(e, 4 + 4 * i);
    b.writeUInt16BE(len, 6 + 4 * i);
  });
  return set(2, b);
}

const template = fc.array(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 14 });
/** Records as raw bytes; protocol and IP version bytes steered to the values finishFlow acts on. */
function records(fields: Array<[number, number]>) {
  const len = fields.reduce((a, [, l]) => a + l, 0);
  return fc.array(
    fc.tuple(fc.uint8Array({ minLength: len, maxLength: len }), fc.constantFrom(1, 6, 17, 58, 0), fc.constantFrom(4, 6, 0, 9)),
    { minLength: 1, maxLength: 6 },
  ).map((rs) => rs.map(([bytes, proto, ver]) => {
    const b = Buffer.from(bytes);
    let off = 0;
    for (const [e, l] of fields) {
      if (e === 4 && l === 1) b[off] = proto;
      if (e === 60 && l === 1) b[off] = ver;
      off += l;
    }
    return b;
  }));
}

function decodeAll(msgs: Buffer[]): FlowRecordJson[] {
  const d = new FlowDecoder({ now: () => 1_700_000_000_000 });
  const out: FlowRecordJson[] = [];
  for (const m of msgs) d.decode(m, '192.0.2.1', { flow: (r) => out.push(r.toJSON()) });
  return out;
}

describe('set reader', () => {
  it('records of one set decode as each alone in its message, interleaved with another template', () => {
    const two = fc.tuple(template, template).chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), records(a), records(b)));
    fc.assert(fc.property(two, ([fa, fb, ra, rb]) => {
      const ta = templateSet(256, fa);
      const tb = templateSet(257, fb);
      // together: one set per template, B's set between two of A's
      const together = ipfix([ta, tb, set(256, Buffer.concat(ra)), set(257, Buffer.concat(rb)), set(256, Buffer.concat(ra))], 1);
      // alone: every record in its own message, in the same order
      const alone = [...ra.map((r) => [256, r] as const), ...rb.map((r) => [257, r] as const), ...ra.map((r) => [256, r] as const)]
        .map(([id, r], i) => ipfix([ta, tb, set(id, r)], 100 + i));
      const got = decodeAll([together]);
      const want = decodeAll(alone); // one decoder: address bytes a record leaves alone carry over alike
      expect(got).toEqual(want);
    }), { numRuns: 1500 });
  });
});
