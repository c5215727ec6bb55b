/**
 * Big-endian reads by byte arithmetic: on Node 20 these inline into the decoders and run several
 * times faster than Buffer#readUInt32BE in the hot loops. Callers bounds-check first.
 */
export function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

export function u32(b: Uint8Array, p: number): number {
  return b[p] * 16777216 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
}

export function u64(b: Uint8Array, p: number): number {
  return u32(b, p) * 4294967296 + u32(b, p + 4);
}
