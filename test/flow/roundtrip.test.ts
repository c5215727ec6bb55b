// Byte-exact round trips on datagrams captured from softflowd and pmacct: structure → encoder
// gives back the captured bytes (headers, template and options template sets, unaligned
// options data, padding), so the encoders used by tests and the benchmark write what real
// exporters write.
import { describe, expect, it } from 'vitest';
import { encodeIpfix, encodeNetflow5, encodeNetflow9, ipfixStructure, netflow5Structure, netflow9Structure } from '../../src/flow/index.ts';
import type { TemplateSpec } from '../../src/flow/index.ts';
import { loadFixture } from './helpers/fixtures.ts';

describe('byte-exact round trips on captured datagrams', () => {
  for (const name of ['softflowd-ipfix', 'pmacct-ipfix']) {
    it(name, () => {
      const known = new Map<number, TemplateSpec>();
      for (const d of loadFixture(name)) expect(encodeIpfix(ipfixStructure(d, known)).equals(d)).toBe(true);
    });
  }
  for (const name of ['softflowd-v9', 'softflowd-v9-sampled10', 'pmacct-v9']) {
    it(name, () => {
      const known = new Map<number, TemplateSpec>();
      for (const d of loadFixture(name)) expect(encodeNetflow9(netflow9Structure(d, known)).toString('hex')).toBe(d.toString('hex'));
    });
  }
  for (const name of ['softflowd-v5', 'pmacct-v5']) {
    it(name, () => {
      for (const d of loadFixture(name)) expect(encodeNetflow5(netflow5Structure(d)).toString('hex')).toBe(d.toString('hex'));
    });
  }
});
