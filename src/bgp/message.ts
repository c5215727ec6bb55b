/** Any BGP message: header check and dispatch to the per-type codecs, and back. */
import { checkHeader, KEEPALIVE_MESSAGE } from './header.ts';
import * as C from './constants.ts';
import { decodeOpen, encodeOpen, type OpenMessage } from './open.ts';
import { decodeUpdate, encodeUpdate, type UpdateMessage } from './update.ts';
import { decodeNotification, encodeNotification, type NotificationMessage } from './notification.ts';
import { decodeRouteRefresh, encodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.ts';
import { BgpDecodeError } from './errors.ts';
import type { CodecContext } from './types.ts';

export type BgpMessage =
  | ({ type: 'open' } & OpenMessage)
  | ({ type: 'update' } & UpdateMessage)
  | ({ type: 'notification' } & NotificationMessage)
  | { type: 'keepalive' }
  | ({ type: 'route-refresh' } & RouteRefreshMessage);

const DEFAULT_CTX: CodecContext = { fourOctet: true };

/** Decodes exactly one whole message; trailing bytes are a length error. */
export function decodeMessage(b: Uint8Array, ctx: CodecContext = DEFAULT_CTX, maxLength = C.MAX_MESSAGE_LENGTH): BgpMessage {
  if (b.length < C.HEADER_LENGTH) throw new BgpDecodeError(`message of ${b.length} octets is shorter than a header`, C.ERR_HEADER, C.HDR_BAD_LENGTH);
  const { length, type } = checkHeader(b, 0, maxLength);
  if (length !== b.length) throw new BgpDecodeError(`header length ${length} does not match ${b.length} octets`, C.ERR_HEADER, C.HDR_BAD_LENGTH, new Uint8Array([length >> 8, length & 255]));
  switch (type) {
    case C.MSG_OPEN:
      return { type: 'open', ...decodeOpen(b) };
    case C.MSG_UPDATE:
      return { type: 'update', ...decodeUpdate(b, ctx) };
    case C.MSG_NOTIFICATION:
      return { type: 'notification', ...decodeNotification(b) };
    case C.MSG_ROUTE_REFRESH:
      return { type: 'route-refresh', ...decodeRouteRefresh(b) };
    default:
      return { type: 'keepalive' };
  }
}

export function encodeMessage(m: BgpMessage, ctx: CodecContext = DEFAULT_CTX): Uint8Array {
  switch (m.type) {
    case 'open':
      return encodeOpen(m);
    case 'update':
      return encodeUpdate(m, ctx);
    case 'notification':
      return encodeNotification({ code: m.code, subcode: m.subcode, data: m.data });
    case 'route-refresh':
      return encodeRouteRefresh(m);
    case 'keepalive':
      return KEEPALIVE_MESSAGE.slice();
  }
}
