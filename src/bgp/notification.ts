/** NOTIFICATION message (RFC 4271 §4.5) with the shutdown communication of RFC 9003. */
import { BgpDecodeError } from './errors.ts';
import { CEASE_ADMIN_RESET, CEASE_ADMIN_SHUTDOWN, ERR_CEASE, HEADER_LENGTH, MSG_NOTIFICATION } from './constants.ts';
import { frame } from './header.ts';
import { notificationName } from './notification-names.ts';

export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Uint8Array;
  /** RFC 9003 text carried by Cease / Administrative Shutdown or Reset. */
  shutdownMessage?: string;
  name?: string;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

export function decodeNotification(msg: Uint8Array): NotificationMessage {
  if (msg.length < HEADER_LENGTH + 2) throw new BgpDecodeError('NOTIFICATION is too short', 1, 2);
  const code = msg[HEADER_LENGTH];
  const subcode = msg[HEADER_LENGTH + 1];
  const data = msg.slice(HEADER_LENGTH + 2);
  const out: NotificationMessage = { code, subcode, data, name: notificationName(code, subcode) };
  if (code === ERR_CEASE && (subcode === CEASE_ADMIN_SHUTDOWN || subcode === CEASE_ADMIN_RESET) && data.length >= 1) {
    // RFC 9003 §2: length octet then UTF-8; a bad length or encoding is logged, never fatal.
    const len = data[0];
    if (len <= data.length - 1) {
      try {
        out.shutdownMessage = textDecoder.decode(data.subarray(1, 1 + len));
      } catch {
        // not UTF-8: leave the raw data only
      }
    }
  }
  return out;
}

/** Shutdown text is cut at 255 octets on a character boundary (RFC 9003 §2). */
export function shutdownData(text: string): Uint8Array {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > 255) {
    let cut = 255;
    while (cut > 0 && (bytes[cut] & 0xc0) === 0x80) cut--;
    bytes = bytes.subarray(0, cut);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function encodeNotification(n: { code: number; subcode: number; data?: Uint8Array; shutdownMessage?: string }): Uint8Array {
  const data = n.shutdownMessage !== undefined ? shutdownData(n.shutdownMessage) : (n.data ?? new Uint8Array(0));
  const body = new Uint8Array(2 + data.length);
  body[0] = n.code;
  body[1] = n.subcode;
  body.set(data, 2);
  return frame(MSG_NOTIFICATION, body);
}
