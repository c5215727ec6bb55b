/**
 * What a route looks like when sent to a peer (RFC 4271 §5.1): towards an external peer our ASN is
 * prepended and the next hop is ours unless the route names one; towards an internal peer LOCAL_PREF
 * defaults to 100. Route-server mode (RFC 7947 §2.2) is transparent: no prepend, next hop and MED unchanged.
 */
import { prependAsn } from './as-path.ts';
import type { Family } from './ip.ts';
import type { PathAttributes } from './types.ts';

export interface ExportContext {
  localAsn: number;
  peerAsn: number;
  transparent: boolean;
  /** Local address of the session, the default next hop ("next hop self"). */
  localAddress: string;
}

export function exportAttributes(a: PathAttributes, family: Family, x: ExportContext): PathAttributes {
  const ibgp = x.localAsn === x.peerAsn;
  const out: PathAttributes = { ...a };
  if (!ibgp && !x.transparent) out.asPath = prependAsn(a.asPath, x.localAsn);
  if (ibgp && out.localPref === undefined) out.localPref = 100;
  if (!ibgp) delete out.localPref;
  if (!out.nextHop || out.nextHop === 'self') {
    const local = x.localAddress;
    const localIsV6 = local.includes(':');
    if (family === 'ipv6') out.nextHop = localIsV6 ? local : `::ffff:${local}`;
    else out.nextHop = localIsV6 ? '0.0.0.0' : local;
  }
  return out;
}
