/** The BGP message header (RFC 4271 §4.1): marker, length, type; and framing of whole messages. */
import { BgpDecodeError } from './errors.ts';
import { u16Bytes } from './bytes.ts';
import {
  ERR_HEADER,
  HDR_BAD_LENGTH,
  HDR_BAD_TYPE,
  HDR_NOT_SYNCHRONIZED,
  HEADER_LENGTH,
  MAX_MESSAGE_LENGTH,
  MSG_KEEPALIVE,
  MSG_NOTIFICATION,
  MSG_OPEN,
  MSG_ROUTE_REFRESH,
  MSG_UPDATE,
} from './constants.ts';

/** Smallest legal length per type (RFC 4271 §4.2–4.4, RFC 2918 §3). */
const MIN_LENGTH: Record<number, number> = {
  [MSG_OPEN]: 29,
  [MSG_UPDATE]: 23,
  [MSG_NOTIFICATION]: 21,
  [MSG_KEEPALIVE]: 19,
  [MSG_ROUTE_REFRESH]: 23,
};

/**
 * Checks the header at `off` (at least 19 bytes available) and returns the message length.
 * `maxLength` is 4096, or 65535 once extended messages are negotiated (RFC 8654 §4) — OPEN and
 * KEEPALIVE stay limited to 4096 regardless.
 */
export function checkHeader(b: Uint8Array, off: number, maxLength = MAX_MESSAGE_LENGTH): { length: number; type: number } {
  for (let i = 0; i < 16; i++) {
    if (b[off + i] !== 0xff) throw new BgpDecodeError('message header marker is not all ones', ERR_HEADER, HDR_NOT_SYNCHRONIZED);
  }
  const length = (b[off + 16] << 8) | b[off + 17];
  const type = b[off + 18];
  const badLength = () =>
    new BgpDecodeError(`message length ${length} is not allowed for type ${type}`, ERR_HEADER, HDR_BAD_LENGTH, u16Bytes(length));
  if (length < HEADER_LENGTH || length > maxLength) throw badLength();
  const min = MIN_LENGTH[type];
  if (min === undefined) throw new BgpDecodeError(`message type ${type} is not known`, ERR_HEADER, HDR_BAD_TYPE, new Uint8Array([type]));
  if (length < min) throw badLength();
  if (type === MSG_KEEPALIVE && length !== HEADER_LENGTH) throw badLength();
  if ((type === MSG_OPEN || type === MSG_KEEPALIVE) && length > MAX_MESSAGE_LENGTH) throw badLength();
  return { length, type };
}

/** Wraps a body into a full message. */
export function frame(type: number, body: Uint8Array): Uint8Array {
  const len = HEADER_LENGTH + body.length;
  const out = new Uint8Array(len);
  out.fill(0xff, 0, 16);
  out[16] = len >>> 8;
  out[17] = len & 255;
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}

export function writeHeader(out: Uint8Array, off: number, len: number, type: number): void {
  out.fill(0xff, off, off + 16);
  out[off + 16] = len >>> 8;
  out[off + 17] = len & 255;
  out[off + 18] = type;
}

export const KEEPALIVE_MESSAGE: Uint8Array = frame(MSG_KEEPALIVE, new Uint8Array(0));

/**
 * Incremental TCP stream framer: feed chunks, get whole messages as views into the chunk when a
 * message lies inside one chunk (no copy), or into a joined buffer when it spans chunks.
 */
export class MessageFramer {
  private pending: Uint8Array | undefined;
  maxLength = MAX_MESSAGE_LENGTH;

  /** Calls `onMessage(msg, type)` for each complete message; throws BgpDecodeError on a bad header. */
  push(chunk: Uint8Array, onMessage: (msg: Uint8Array, type: number) => boolean | void): void {
    let off = 0;
    if (this.pending) {
      // Complete the straddling message by copying only its missing bytes, not the whole chunk.
      let p = this.pending;
      if (p.length < HEADER_LENGTH) {
        const take = Math.min(HEADER_LENGTH - p.length, chunk.length);
        p = concat(p, chunk.subarray(0, take));
        off = take;
        if (p.length < HEADER_LENGTH) {
          this.pending = p;
          return;
        }
      }
      const { length, type } = checkHeader(p, 0, this.maxLength);
      const need = length - p.length;
      if (chunk.length - off < need) {
        this.pending = concat(p, chunk.subarray(off));
        return;
      }
      const msg = concat(p, chunk.subarray(off, off + need));
      off += need;
      this.pending = undefined;
      if (onMessage(msg, type) === false) return;
    }
    while (chunk.length - off >= HEADER_LENGTH) {
      const { length, type } = checkHeader(chunk, off, this.maxLength);
      if (chunk.length - off < length) break;
      const stop = onMessage(chunk.subarray(off, off + length), type);
      off += length;
      if (stop === false) return;
    }
    if (off < chunk.length) this.pending = chunk.slice(off);
  }

  /** Bytes waiting for the rest of their message. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  reset(): void {
    this.pending = undefined;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
