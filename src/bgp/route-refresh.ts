/** ROUTE-REFRESH message (RFC 2918 §3) with the BoRR/EoRR subtypes of enhanced route refresh (RFC 7313 §3.2). */
import { BgpDecodeError } from './errors.ts';
import { ERR_ROUTE_REFRESH, HEADER_LENGTH, MSG_ROUTE_REFRESH } from './constants.ts';
import { frame } from './header.ts';
import { u16 } from './bytes.ts';

export type RefreshSubtype = 'request' | 'borr' | 'eorr';
const SUBTYPES: RefreshSubtype[] = ['request', 'borr', 'eorr'];

export interface RouteRefreshMessage {
  afi: number;
  safi: number;
  subtype: RefreshSubtype;
  /** Subtype numbers beyond 2 are reserved: kept so they can be ignored (RFC 7313 §5). */
  rawSubtype: number;
}

export function decodeRouteRefresh(msg: Uint8Array): RouteRefreshMessage {
  // RFC 7313 §5: a length other than 23 (without ORF) is a ROUTE-REFRESH error carrying the whole message.
  if (msg.length !== HEADER_LENGTH + 4) throw new BgpDecodeError(`ROUTE-REFRESH length ${msg.length} is not 23`, ERR_ROUTE_REFRESH, 1, msg.slice());
  const raw = msg[HEADER_LENGTH + 2];
  return { afi: u16(msg, HEADER_LENGTH), safi: msg[HEADER_LENGTH + 3], subtype: SUBTYPES[raw] ?? 'request', rawSubtype: raw };
}

export function encodeRouteRefresh(r: { afi: number; safi: number; subtype?: RefreshSubtype }): Uint8Array {
  const st = SUBTYPES.indexOf(r.subtype ?? 'request');
  return frame(MSG_ROUTE_REFRESH, new Uint8Array([r.afi >>> 8, r.afi & 255, st, r.safi]));
}
