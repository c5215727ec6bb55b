// A corpus of malformed datagrams, each with the reaction a user of the collector would see:
// a FlowDecodeError with a stable code (the datagram is counted and dropped), or — where the
// protocol says so — a tolerated oddity that still decodes.
import { describe, expect, it } from 'vitest';
import { FlowDecoder, FlowDecodeError, encodeIpfix, encodeNetflow5, encodeNetflow9, encodeSflow } from '../../src/flow/index.ts';
import type { FlowErrorCode, TemplateSpec } from '../../src/flow/index.ts';
import { loadFixture } from './helpers/fixtures.ts';

const T: TemplateSpec = { id: 256, fields: [{ id: 8, length: 4 }, { id: 1, length: 4 }] };
const ipfix = (sets: Parameters<typeof encodeIpfix>[0]['sets']) => encodeIpfix({ exportTime: 0, sequence: 0, domainId: 0, sets });
const v9 = (sets: Parameters<typeof encodeNetflow9>[0]['sets']) => encodeNetflow9({ sysUptime: 0, unixSecs: 0, sequence: 0, sourceId: 0, sets });
const patch = (b: Buffer, at: number, v: number, size = 2) => { const c = Buffer.from(b); if (size === 2) c.writeUInt16BE(v, at); else c.writeUInt32BE(v, at); return c; };
const v5 = encodeNetflow5({ sysUptime: 0, unixSecs: 0, sequence: 0, records: [{ src: '10.0.0.1', dst: '10.0.0.2', packets: 1, bytes: 1, first: 0, last: 0, protocol: 6 }] });
const sflowOk = loadFixture('pmacct-sflow')[0];
const ipfixOk = loadFixture('softflowd-ipfix')[0];

type Case = { name: string; bytes: Buffer; expect: FlowErrorCode | { records: number } };
const corpus: Case[] = [
  { name: 'empty datagram', bytes: Buffer.alloc(0), expect: 'FLOW_BAD_VERSION' },
  { name: 'unknown version 7', bytes: Buffer.from('0007000000000000', 'hex'), expect: 'FLOW_BAD_VERSION' },
  { name: 'v5 header only', bytes: v5.subarray(0, 20), expect: 'FLOW_TRUNCATED' },
  { name: 'v5 count larger than the datagram', bytes: patch(v5, 2, 2), expect: 'FLOW_BAD_LENGTH' },
  { name: 'v5 count 0', bytes: patch(v5, 2, 0), expect: 'FLOW_BAD_LENGTH' },
  { name: 'v9 header truncated', bytes: v9([]).subarray(0, 12), expect: 'FLOW_TRUNCATED' },
  { name: 'v9 flowset length 2', bytes: Buffer.concat([v9([]), Buffer.from('01000002', 'hex')]), expect: 'FLOW_BAD_LENGTH' },
  { name: 'v9 flowset past the end', bytes: Buffer.concat([v9([]), Buffer.from('01000040', 'hex')]), expect: 'FLOW_TRUNCATED' },
  { name: 'v9 template id below 256', bytes: v9([{ kind: 'templates', templates: [{ ...T, id: 12 }] }]), expect: 'FLOW_BAD_TEMPLATE' },
  { name: 'v9 options template with odd scope length', bytes: Buffer.concat([v9([]), Buffer.from('0001000c010000030004', 'hex'), Buffer.from('0000', 'hex')]), expect: 'FLOW_BAD_TEMPLATE' },
  { name: 'v9 zero-length template fields', bytes: v9([{ kind: 'templates', templates: [{ id: 256, fields: [{ id: 1, length: 0 }] }] }]), expect: 'FLOW_BAD_TEMPLATE' },
  { name: 'v9 reserved flowset id 7 is skipped', bytes: v9([{ kind: 'raw', setId: 7, body: new Uint8Array(8) }]), expect: { records: 0 } },
  { name: 'v9 data set with trailing padding', bytes: v9([{ kind: 'templates', templates: [T] }, { kind: 'data', template: T, records: [['10.0.0.1', 5]], pad: 3 }]), expect: { records: 1 } },
  { name: 'IPFIX length beyond the datagram', bytes: patch(ipfixOk, 2, ipfixOk.length + 1), expect: 'FLOW_BAD_LENGTH' },
  { name: 'IPFIX length below the header', bytes: patch(ipfixOk, 2, 8), expect: 'FLOW_BAD_LENGTH' },
  { name: 'IPFIX reserved set id 4', bytes: ipfix([{ kind: 'raw', setId: 4, body: new Uint8Array(4) }]), expect: 'FLOW_BAD_SET_ID' },
  { name: 'IPFIX set length 3', bytes: patch(ipfix([{ kind: 'raw', setId: 300, body: new Uint8Array(4) }]), 18, 3), expect: 'FLOW_BAD_LENGTH' },
  { name: 'IPFIX options template with scope count 0', bytes: patch(ipfix([{ kind: 'templates', options: true, templates: [{ ...T, scopeCount: 1 }] }]), 24, 0), expect: 'FLOW_BAD_TEMPLATE' },
  { name: 'IPFIX template field list cut short', bytes: patch(ipfix([{ kind: 'templates', templates: [T] }]), 22, 5), expect: 'FLOW_TRUNCATED' },
  { name: 'IPFIX variable-length field past its set', bytes: (() => {
    const t: TemplateSpec = { id: 256, fields: [{ id: 82, length: 0xffff }] };
    const b = ipfix([{ kind: 'templates', templates: [t] }, { kind: 'data', template: t, records: [[new Uint8Array(10)]] }]);
    return patch(b, b.length - 11, 200 << 8 | 0, 2); // announce 200 bytes in the length prefix
  })(), expect: 'FLOW_TRUNCATED' },
  { name: 'IPFIX withdrawal of a reserved id', bytes: ipfix([{ kind: 'withdraw', ids: [17] }]), expect: 'FLOW_BAD_TEMPLATE' },
  { name: 'IPFIX data for an unknown template is a miss, not an error', bytes: ipfix([{ kind: 'data', template: { ...T, id: 999 }, records: [['10.0.0.1', 1]] }]), expect: { records: 0 } },
  { name: 'sFlow bad agent address type', bytes: patch(sflowOk, 4, 7, 4), expect: 'FLOW_BAD_ADDRESS' },
  { name: 'sFlow sample length past the end', bytes: patch(sflowOk, 32, 0xffff, 4), expect: 'FLOW_TRUNCATED' },
  { name: 'sFlow cut mid-sample', bytes: sflowOk.subarray(0, 100), expect: 'FLOW_TRUNCATED' },
  { name: 'sFlow raw header longer than its record', bytes: (() => {
    const b = encodeSflow({ agent: '10.0.0.9', subAgentId: 0, sequence: 1, uptime: 0, samples: [{ kind: 'flow', sequence: 1, sourceIndex: 1, rate: 1, input: 1, output: 2, header: new Uint8Array(40), frameLength: 64 }] });
    return patch(b, 28 + 8 + 32 + 8 + 12, 400, 4);
  })(), expect: 'FLOW_TRUNCATED' },
  { name: 'sFlow header of an unknown link type decodes without addresses', bytes: encodeSflow({ agent: '10.0.0.9', subAgentId: 0, sequence: 1, uptime: 0, samples: [{ kind: 'flow', sequence: 1, sourceIndex: 1, rate: 1, input: 1, output: 2, header: new Uint8Array(20), frameLength: 64, headerProtocol: 99 }] }), expect: { records: 1 } },
];

describe('malformed corpus', () => {
  for (const c of corpus) {
    it(c.name, () => {
      const d = new FlowDecoder();
      if (typeof c.expect === 'string') {
        let err: unknown;
        try { d.decode(c.bytes, '192.0.2.1', { flow: () => {} }); } catch (e) { err = e; }
        expect(err).toBeInstanceOf(FlowDecodeError);
        expect((err as FlowDecodeError).code).toBe(c.expect);
        const ex = d.exporters()[0];
        if (ex) expect(ex.decodeErrors).toBe(1);
      } else {
        expect(d.decode(c.bytes, '192.0.2.1', { flow: () => {} })).toBe(c.expect.records);
      }
    });
  }
});
