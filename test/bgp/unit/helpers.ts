// Builders for hand-made wire messages in tests.
import { fromHex } from '../../../src/bgp/index.ts';

export const MARKER = 'ffffffffffffffffffffffffffffffff';
const h2 = (n: number): string => n.toString(16).padStart(4, '0');

/** A whole message of `type` with body hex, length filled in. */
export function msgWith(type: number, bodyHex: string): Uint8Array {
  return fromHex(MARKER + h2(19 + bodyHex.length / 2) + type.toString(16).padStart(2, '0') + bodyHex);
}

/** An UPDATE from attribute, NLRI and withdrawn hex, lengths filled in. */
export function updateWith(attrHex: string, nlriHex = '', withdrawnHex = ''): Uint8Array {
  return msgWith(2, h2(withdrawnHex.length / 2) + withdrawnHex + h2(attrHex.length / 2) + attrHex + nlriHex);
}

/** One attribute: flags, type, value hex (extended length when flags has 0x10). */
export function attr(flags: number, type: number, valueHex: string): string {
  const len = valueHex.length / 2;
  const l = flags & 0x10 ? h2(len) : len.toString(16).padStart(2, '0');
  return flags.toString(16).padStart(2, '0') + type.toString(16).padStart(2, '0') + l + valueHex;
}

export const ORIGIN_IGP = attr(0x40, 1, '00');
export const AS_PATH_65002 = attr(0x40, 2, '02010000fdea');
export const NEXT_HOP = attr(0x40, 3, 'cb007101'); // 203.0.113.1
export const BASE = ORIGIN_IGP + AS_PATH_65002 + NEXT_HOP;
/** 10.1.0.0/24 */
export const NLRI_10_1 = '180a0100';

/** OPEN body: version, my AS, hold time, BGP id, then optional parameters hex. */
export function openWith(opts: { version?: number; asn?: number; hold?: number; id?: string; params?: string } = {}): Uint8Array {
  const params = opts.params ?? '';
  return msgWith(
    1,
    (opts.version ?? 4).toString(16).padStart(2, '0') + h2(opts.asn ?? 65002) + h2(opts.hold ?? 90) + (opts.id ?? '0a000002') + (params.length / 2).toString(16).padStart(2, '0') + params,
  );
}
