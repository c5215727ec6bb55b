/**
 * The UDP echo probe's header (bandex's own, 24 bytes, big-endian), padded to the probe size:
 *
 *   0  magic "BXQ1"          4  kind (1 request, 2 reply)   5  flags (0)   6  reserved (0)
 *   8  session id (u32)     12  sequence (u32)             16  send time, µs of the prober's
 *                                                              monotonic clock (u64)
 *
 * The responder returns the datagram unchanged but for the kind, so the prober computes the RTT
 * from its own clock (no clock sync needed) and tells loss exactly by sequence number; the
 * session id keeps late replies of an earlier run out of the next one.
 */
export const PROBE_MAGIC = 0x42585131; // "BXQ1"
export const HEADER_LEN = 24;
export const KIND_REQUEST = 1;
export const KIND_REPLY = 2;

export interface ProbeHeader {
  kind: number;
  session: number;
  seq: number;
  sentMicros: bigint;
}

export function encodeProbe(h: ProbeHeader, size = HEADER_LEN): Buffer {
  const b = Buffer.alloc(Math.max(HEADER_LEN, size));
  b.writeUInt32BE(PROBE_MAGIC, 0);
  b.writeUInt8(h.kind, 4);
  b.writeUInt32BE(h.session >>> 0, 8);
  b.writeUInt32BE(h.seq >>> 0, 12);
  b.writeBigUInt64BE(h.sentMicros, 16);
  return b;
}

/** The header, or undefined when the datagram is not a bandex probe. */
export function decodeProbe(b: Buffer): ProbeHeader | undefined {
  if (b.length < HEADER_LEN || b.readUInt32BE(0) !== PROBE_MAGIC) return undefined;
  const kind = b.readUInt8(4);
  if (kind !== KIND_REQUEST && kind !== KIND_REPLY) return undefined;
  return { kind, session: b.readUInt32BE(8), seq: b.readUInt32BE(12), sentMicros: b.readBigUInt64BE(16) };
}
