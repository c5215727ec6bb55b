/** NLRI prefix encoding (RFC 4271 §4.3, RFC 4760 §5) with optional path identifiers (RFC 7911 §3). */
import { BgpDecodeError } from './errors.ts';
import type { ByteWriter } from './bytes.ts';
import { ERR_UPDATE, UPD_INVALID_NETWORK } from './constants.ts';
import { formatPrefix, parsePrefixOrThrow, type Family } from './ip.ts';
import type { Nlri } from './types.ts';

/**
 * Visits each prefix of [start, end). `addr` receives the prefix bytes padded to full width in a
 * scratch array (valid only during the callback). RFC 7606 §5.3: a malformed NLRI field resets the session.
 */
export function forEachPrefix(
  b: Uint8Array,
  start: number,
  end: number,
  family: Family,
  addPath: boolean,
  cb: (addr: Uint8Array, length: number, pathId: number) => void,
): void {
  const width = family === 'ipv4' ? 4 : 16;
  const max = width * 8;
  const scratch = family === 'ipv4' ? SCRATCH4 : SCRATCH16;
  let p = start;
  while (p < end) {
    let pathId = 0;
    if (addPath) {
      if (p + 4 > end) throw badNlri('path identifier overruns the NLRI field');
      pathId = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      p += 4;
    }
    if (p >= end) throw badNlri('prefix length octet is missing');
    const len = b[p++];
    if (len > max) throw badNlri(`prefix length ${len} exceeds ${max}`);
    const nbytes = (len + 7) >> 3;
    if (p + nbytes > end) throw badNlri('prefix overruns the NLRI field');
    scratch.fill(0);
    for (let i = 0; i < nbytes; i++) scratch[i] = b[p + i];
    // Trailing bits beyond the length are irrelevant (RFC 4271 §4.3): clear them.
    if (len & 7) scratch[nbytes - 1] &= (0xff00 >> (len & 7)) & 0xff;
    p += nbytes;
    cb(scratch, len, pathId);
  }
}

const SCRATCH4 = new Uint8Array(4);
const SCRATCH16 = new Uint8Array(16);

function badNlri(msg: string): BgpDecodeError {
  return new BgpDecodeError(msg, ERR_UPDATE, UPD_INVALID_NETWORK);
}

export function decodePrefixes(b: Uint8Array, start: number, end: number, family: Family, addPath: boolean): Nlri[] {
  const out: Nlri[] = [];
  forEachPrefix(b, start, end, family, addPath, (addr, len, pathId) => {
    const prefix = formatPrefix(family, addr, len);
    out.push(addPath ? { prefix, pathId } : { prefix });
  });
  return out;
}

export function encodePrefix(w: ByteWriter, n: Nlri, addPath: boolean): void {
  const p = parsePrefixOrThrow(n.prefix);
  if (addPath) w.u32(n.pathId ?? 0);
  w.u8(p.length);
  w.bytes(p.bytes.subarray(0, (p.length + 7) >> 3));
}

/** Wire size of one prefix. */
export function prefixWireSize(length: number, addPath: boolean): number {
  return 1 + ((length + 7) >> 3) + (addPath ? 4 : 0);
}
