/**
 * OPEN message (RFC 4271 §4.2) with capabilities as optional parameters (RFC 5492) and the
 * extended optional parameters length (RFC 9072).
 */
import { BgpDecodeError } from './errors.ts';
import { ByteWriter, u16, u32 } from './bytes.ts';
import { decodeCapability, encodeCapability, type Capability } from './capabilities.ts';
import { ERR_OPEN, HEADER_LENGTH, MSG_OPEN, OPEN_BAD_BGP_ID, OPEN_UNSUPPORTED_OPT_PARAM, OPEN_UNSUPPORTED_VERSION } from './constants.ts';
import { formatIPv4, parseIPv4 } from './ip.ts';
import { frame } from './header.ts';

export interface OpenMessage {
  version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN needs 4 octets). */
  asn: number;
  holdTime: number;
  routerId: string;
  capabilities: Capability[];
  /** How many capabilities each optional parameter carried, in order (wire grouping, for byte-exact re-encoding). */
  paramGroups?: number[];
  /** RFC 9072 extended optional parameters length was used. */
  extendedParams?: boolean;
}

export function decodeOpen(msg: Uint8Array): OpenMessage {
  const end = msg.length;
  let p = HEADER_LENGTH;
  const version = msg[p];
  if (version !== 4) throw new BgpDecodeError(`BGP version ${version} is not supported`, ERR_OPEN, OPEN_UNSUPPORTED_VERSION, new Uint8Array([0, 4]));
  const asn = u16(msg, p + 1);
  const holdTime = u16(msg, p + 3);
  const id = u32(msg, p + 5);
  if (id === 0) throw new BgpDecodeError('BGP identifier 0.0.0.0 is not valid', ERR_OPEN, OPEN_BAD_BGP_ID);
  let optLen = msg[p + 9];
  p += 10;
  let extendedParams = false;
  // RFC 9072 §2: length 255 followed by parameter type 255 announces the extended form.
  if (optLen === 255 && p < end && msg[p] === 255) {
    if (p + 3 > end) throw malformed('extended optional parameters length is truncated');
    optLen = u16(msg, p + 1);
    p += 3;
    extendedParams = true;
  }
  if (p + optLen !== end) throw malformed(`optional parameters length ${optLen} does not match the message length`);
  const capabilities: Capability[] = [];
  const paramGroups: number[] = [];
  while (p < end) {
    const hdr = extendedParams ? 3 : 2;
    if (p + hdr > end) throw malformed('optional parameter header is truncated');
    const type = msg[p];
    const len = extendedParams ? u16(msg, p + 1) : msg[p + 1];
    p += hdr;
    if (p + len > end) throw malformed('optional parameter overruns the message');
    if (type !== 2) {
      throw new BgpDecodeError(`optional parameter type ${type} is not supported`, ERR_OPEN, OPEN_UNSUPPORTED_OPT_PARAM);
    }
    let q = p;
    let n = 0;
    while (q < p + len) {
      if (q + 2 > p + len) throw malformed('capability header is truncated');
      const code = msg[q];
      const clen = msg[q + 1];
      if (q + 2 + clen > p + len) throw malformed(`capability ${code} overruns its parameter`);
      capabilities.push(decodeCapability(code, msg, q + 2, clen));
      q += 2 + clen;
      n++;
    }
    paramGroups.push(n);
    p += len;
  }
  const out: OpenMessage = { version, asn, holdTime, routerId: formatIPv4(id), capabilities, paramGroups };
  if (extendedParams) out.extendedParams = true;
  return out;
}

function malformed(msg: string): BgpDecodeError {
  return new BgpDecodeError(msg, ERR_OPEN, 0);
}

export function encodeOpen(o: OpenMessage): Uint8Array {
  const groups = validGroups(o.paramGroups, o.capabilities.length) ?? (o.capabilities.length ? [o.capabilities.length] : []);
  const params = new ByteWriter(128);
  let i = 0;
  for (const n of groups) {
    const caps = new ByteWriter(64);
    for (let k = 0; k < n; k++) encodeCapability(o.capabilities[i++], caps);
    params.u8(2);
    if (o.extendedParams) params.u16(caps.len);
    else params.u8(caps.len);
    params.bytes(caps.buf.subarray(0, caps.len));
  }
  const w = new ByteWriter(64 + params.len);
  const id = parseIPv4(o.routerId) ?? 0;
  w.u8(o.version).u16(o.asn).u16(o.holdTime).u32(id);
  if (o.extendedParams) w.u8(255).u8(255).u16(params.len);
  else w.u8(params.len);
  w.bytes(params.buf.subarray(0, params.len));
  return frame(MSG_OPEN, w.result());
}

function validGroups(g: number[] | undefined, total: number): number[] | undefined {
  if (!g) return undefined;
  let sum = 0;
  for (const n of g) sum += n;
  return sum === total ? g : undefined;
}
