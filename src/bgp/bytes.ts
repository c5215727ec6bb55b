/** Small byte helpers shared by the codec: a growable writer and big-endian readers. */

export class ByteWriter {
  buf: Uint8Array;
  len = 0;
  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v & 255;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.len++] = (v >>> 8) & 255;
    this.buf[this.len++] = v & 255;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf[this.len++] = (v >>> 24) & 255;
    this.buf[this.len++] = (v >>> 16) & 255;
    this.buf[this.len++] = (v >>> 8) & 255;
    this.buf[this.len++] = v & 255;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }
  /** Writes a u16 at an earlier position (length back-patching). */
  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 255;
    this.buf[at + 1] = v & 255;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function u16Bytes(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 255, v & 255]);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
