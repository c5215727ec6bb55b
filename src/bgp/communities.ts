/** Community helpers: RFC 1997 values to and from "65000:100" and the well-known names (IANA registry). */

export const WELL_KNOWN_COMMUNITIES: Record<string, number> = {
  'graceful-shutdown': 0xffff0000, // RFC 8326
  'accept-own': 0xffff0001, // RFC 7611
  'llgr-stale': 0xffff0006, // RFC 9494
  'no-llgr': 0xffff0007, // RFC 9494
  blackhole: 0xffff029a, // RFC 7999
  'no-export': 0xffffff01, // RFC 1997
  'no-advertise': 0xffffff02, // RFC 1997
  'no-export-subconfed': 0xffffff03, // RFC 1997
  'no-peer': 0xffffff04, // RFC 3765
};

const NAME_BY_VALUE = new Map<number, string>(Object.entries(WELL_KNOWN_COMMUNITIES).map(([k, v]) => [v, k]));

/** "65000:100" or a well-known name (either case, '_' or '-') → 32-bit value; undefined if invalid. */
export function parseCommunity(s: string): number | undefined {
  const named = WELL_KNOWN_COMMUNITIES[s.toLowerCase().replace(/_/g, '-')];
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 65535 || lo > 65535) return undefined;
  return hi * 65536 + lo;
}

/** Well-known values print as their name unless `numeric`. */
export function formatCommunity(v: number, numeric = false): string {
  if (!numeric) {
    const n = NAME_BY_VALUE.get(v);
    if (n) return n;
  }
  return `${Math.floor(v / 65536)}:${v & 0xffff}`;
}

export function parseLargeCommunity(s: string): [number, number, number] | undefined {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (parts.some((x) => x > 0xffffffff)) return undefined;
  return parts as [number, number, number];
}

export function formatLargeCommunity(c: [number, number, number]): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

/** RFC 4360 §3.1/3.2 route target / origin for two-octet-AS specific values, e.g. "rt:65000:100". */
export function formatExtCommunity(b: Uint8Array): string {
  const type = b[0];
  const sub = b[1];
  const kind = sub === 2 ? 'rt' : sub === 3 ? 'soo' : `0x${type.toString(16)}${sub.toString(16).padStart(2, '0')}`;
  if (type === 0x00 || type === 0x40) {
    return `${kind}:${(b[2] << 8) | b[3]}:${((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0}`;
  }
  if (type === 0x02 || type === 0x42) {
    return `${kind}:${((b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5]) >>> 0}:${(b[6] << 8) | b[7]}`;
  }
  if (type === 0x01 || type === 0x41) {
    return `${kind}:${b[2]}.${b[3]}.${b[4]}.${b[5]}:${(b[6] << 8) | b[7]}`;
  }
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** "rt:ASN:N" / "soo:ASN:N" → 8 octets (2-octet AS form when the ASN fits, else 4-octet AS form). */
export function parseExtCommunity(s: string): Uint8Array | undefined {
  const m = /^(rt|soo):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (!m) return undefined;
  const sub = m[1] === 'rt' ? 2 : 3;
  const a = Number(m[2]);
  const n = Number(m[3]);
  if (a <= 0xffff && n <= 0xffffffff) {
    return new Uint8Array([0x00, sub, a >> 8, a & 255, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }
  if (a <= 0xffffffff && n <= 0xffff) {
    return new Uint8Array([0x02, sub, a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255, n >> 8, n & 255]);
  }
  return undefined;
}
