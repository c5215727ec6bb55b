/**
 * Field values for the encoders: numbers and bigints are written big-endian in the field's length
 * (reduced-size encoding, RFC 7011 §6.2), byte arrays as they are, address strings as 4 or 16 bytes.
 */
export type FieldValue = number | bigint | Uint8Array | string;

export function addressBytes(text: string): Uint8Array {
  if (text.includes('.') && !text.includes(':')) {
    const parts = text.split('.').map(Number);
    if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new RangeError(`bad IPv4 address ${text}`);
    return Uint8Array.from(parts);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new RangeError(`bad IPv6 address ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/** Writes `v` into `out` at `p` as exactly `len` bytes. */
export function writeValue(out: Buffer, p: number, len: number, v: FieldValue): void {
  if (typeof v === 'string') v = addressBytes(v);
  if (v instanceof Uint8Array) {
    out.fill(0, p, p + len);
    out.set(v.subarray(0, len), p);
    return;
  }
  let b = BigInt(v);
  for (let i = len - 1; i >= 0; i--) {
    out[p + i] = Number(b & 0xffn);
    b >>= 8n;
  }
}

export function valueBytes(v: FieldValue): Uint8Array {
  if (typeof v === 'string') return addressBytes(v);
  if (v instanceof Uint8Array) return v;
  throw new RangeError('a variable-length field needs bytes or an address');
}
