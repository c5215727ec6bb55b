// fast-check properties: decoders only ever return or throw BgpDecodeError; encode(decode(x)) is stable.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BgpDecodeError, decodeMessage, encodeMessage, encodeUpdate, decodeUpdate, type CodecContext, type PathAttributes, type UpdateMessage } from '../../../src/bgp/index.ts';
import { AdjRibIn } from '../../../src/bgp/adj-rib-in.ts';
import { AttrIntern, ingestUpdate } from '../../../src/bgp/update-ingest.ts';
import { MessageFramer } from '../../../src/bgp/header.ts';
import { BASE, NLRI_10_1, attr, msgWith, openWith, updateWith } from './helpers.ts';

const contexts: CodecContext[] = [
  { fourOctet: true },
  { fourOctet: false },
  { fourOctet: false, as4Aware: false },
  { fourOctet: true, ibgp: true, addPathIpv4: true, addPathIpv6: true },
];

function onlyDecodeErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BgpDecodeError)) throw e;
  }
}

const seeds: Uint8Array[] = [
  updateWith(BASE + attr(0xc0, 8, 'fde90064') + attr(0xc0, 32, '0000fde90000000100000002') + attr(0xc0, 16, '0002fde900000007') + attr(0xe0, 99, 'abcd'), NLRI_10_1, '180a0200'),
  updateWith(BASE.slice(0, 8) + attr(0x40, 2, '02015ba0') + attr(0xc0, 17, '0201fa56ea01') + attr(0xc0, 7, '5ba00a000001') + attr(0xc0, 18, 'fa56ea010a000001') + attr(0x90, 14, '000201' + '10' + '20010db8'.padEnd(32, '0') + '00' + '30' + '20010db80001'), '', ''),
  updateWith(attr(0x90, 15, '000201' + '30' + '20010db80002')),
  openWith({ params: '0206010400010001020641040000fdea' }),
  msgWith(3, '0602' + '05' + '68656c6c6f'),
  msgWith(5, '00010001'),
];

/** A valid message with a few bytes changed (keeping the header intact more often than not). */
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([seed, edits, keepHeader]) => {
    const b = seed.slice();
    for (const [pos, v] of edits) {
      const start = keepHeader ? 19 : 0;
      if (b.length > start) b[start + (pos % (b.length - start))] = v;
    }
    return b;
  });

const arbitraryMessage = fc.uint8Array({ minLength: 0, maxLength: 200 }).map((body) => {
  const b = new Uint8Array(19 + body.length);
  b.fill(0xff, 0, 16);
  b[16] = b.length >> 8;
  b[17] = b.length & 255;
  b[18] = 1 + (body[0] ?? 0) % 5;
  b.set(body, 19);
  return b;
});

describe('decoders under arbitrary input', () => {
  it('decodeMessage returns a message or throws BgpDecodeError (random bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...contexts), (b, ctx) => onlyDecodeErrors(() => decodeMessage(b, ctx))),
      { numRuns: 2000 },
    );
  });

  it('decodeMessage returns or throws BgpDecodeError (well-framed random bodies, mutated real messages)', () => {
    fc.assert(fc.property(fc.oneof(arbitraryMessage, mutated), fc.constantFrom(...contexts), (b, ctx) => onlyDecodeErrors(() => decodeMessage(b, ctx))), { numRuns: 4000 });
  });

  it('the speaker fast path (ingestUpdate) behaves the same and keeps its reference counts consistent', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutated, arbitraryMessage), { maxLength: 8 }), fc.constantFrom(...contexts), (msgs, ctx) => {
        const intern = new AttrIntern();
        const rib = new AdjRibIn(intern);
        for (const m of msgs) {
          if (m[18] !== 2 || m.length < 23) continue;
          onlyDecodeErrors(() => ingestUpdate(m, { ...ctx, families: ['ipv4', 'ipv6'] }, intern, rib, true));
        }
        rib.clear();
        expect(intern.size).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('the stream framer splits any chunking of valid messages identically', () => {
    const stream = Buffer.concat(seeds);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const f = new MessageFramer();
        const got: number[] = [];
        let prev = 0;
        for (const p of [...points, stream.length]) {
          f.push(stream.subarray(prev, p), (m) => void got.push(m.length));
          prev = p;
        }
        expect(got).toEqual(seeds.map((s) => s.length));
      }),
    );
  });
});

function merged(path: PathAttributes['asPath']): PathAttributes['asPath'] {
  const out: PathAttributes['asPath'] = [];
  for (const s of path) {
    const last = out[out.length - 1];
    if (last && last.type === 'sequence' && s.type === 'sequence') last.asns = [...last.asns, ...s.asns];
    else out.push({ type: s.type, asns: [...s.asns] });
  }
  return out;
}

describe('encode(decode(x)) is stable', () => {
  it('for mutated real messages that still decode', () => {
    fc.assert(
      fc.property(mutated, fc.constantFrom(...contexts), (b, ctx) => {
        let m;
        try {
          m = decodeMessage(b, ctx);
        } catch (e) {
          if (e instanceof BgpDecodeError) return;
          throw e;
        }
        if (m.type === 'update' && (m.treatAsWithdraw || m.discarded)) return; // lossy by design (RFC 7606)
        const once = encodeMessage(m, ctx);
        const twice = encodeMessage(decodeMessage(once, ctx), ctx);
        expect(Buffer.from(twice).toString('hex')).toBe(Buffer.from(once).toString('hex'));
      }),
      { numRuns: 3000 },
    );
  });

  const asn = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 65536, max: 0xffffffff }));
  const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((p) => p.join('.'));
  const attrsArb: fc.Arbitrary<PathAttributes> = fc.record(
    {
      origin: fc.constantFrom('igp' as const, 'egp' as const, 'incomplete' as const),
      asPath: fc.array(fc.record({ type: fc.constantFrom('sequence' as const, 'set' as const), asns: fc.array(asn, { minLength: 1, maxLength: 5 }) }), { maxLength: 3 }),
      nextHop: ipv4,
      med: fc.nat(),
      communities: fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 4 }),
      largeCommunities: fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ['origin', 'asPath', 'nextHop'] },
  );
  const prefix = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.integer({ min: 8, max: 24 })).map(([a, b, len]) => {
    const n = ((a << 24) | (b << 16)) >>> 0;
    const masked = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
  });

  it('for generated attribute sets in 4-octet and 2-octet sessions (AS4_PATH reconciles back)', () => {
    fc.assert(
      fc.property(attrsArb, fc.uniqueArray(prefix, { minLength: 1, maxLength: 20 }), fc.boolean(), (attrs, prefixes, four) => {
        const ctx = { fourOctet: four };
        const u: UpdateMessage = { withdrawn: [], attrs, nlri: prefixes.map((p) => ({ prefix: p })) };
        const back = decodeUpdate(encodeUpdate(u, ctx), ctx);
        expect(back.nlri).toEqual(u.nlri);
        if (four) expect(back.attrs).toEqual(attrs);
        // Through AS4_PATH the path comes back equal up to merging adjacent AS_SEQUENCE segments.
        else expect({ ...back.attrs, asPath: merged(back.attrs!.asPath) }).toEqual({ ...attrs, asPath: merged(attrs.asPath) });
      }),
      { numRuns: 500 },
    );
  });
});
