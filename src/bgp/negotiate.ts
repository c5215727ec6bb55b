/**
 * Building our OPEN and checking the peer's (RFC 4271 §6.2): version, peer AS (RFC 6793 §4.1 with the
 * 4-octet capability), hold time (min of both; 1–2 s rejected), BGP identifier (RFC 6286), and the
 * capabilities both sides share (families RFC 4760, add-path RFC 7911 §4, extended messages RFC 8654).
 */
import { BgpDecodeError } from './errors.ts';
import * as C from './constants.ts';
import { summarizeCapabilities, type AddPathMode, type Capability, type CapabilitySummary } from './capabilities.ts';
import type { OpenMessage } from './open.ts';
import type { Family } from './ip.ts';
import { afiFamily, familyAfi } from './update.ts';

export interface LocalOpenConfig {
  asn: number;
  routerId: string;
  holdTime: number;
  families: Family[];
  fourOctetAsn: boolean;
  gracefulRestart?: { restartTime: number };
  addPath?: 'receive' | 'send' | 'both';
  extendedMessages: boolean;
  /** Advertise RFC 7313 (default true). */
  enhancedRouteRefresh?: boolean;
}

const ADD_PATH_MODE: Record<'receive' | 'send' | 'both', AddPathMode> = { receive: 1, send: 2, both: 3 };

export function buildOpen(l: LocalOpenConfig): OpenMessage {
  const caps: Capability[] = [];
  for (const f of l.families) caps.push({ type: 'multiprotocol', afi: familyAfi(f), safi: C.SAFI_UNICAST });
  caps.push({ type: 'route-refresh' });
  if (l.enhancedRouteRefresh !== false) caps.push({ type: 'enhanced-route-refresh' });
  if (l.fourOctetAsn) caps.push({ type: 'four-octet-asn', asn: l.asn });
  if (l.gracefulRestart) {
    // F bit set: the speaker is a control-plane element (route server), so the peers' forwarding
    // through the routes it passed on is not interrupted by its restart (RFC 4724 §3).
    caps.push({
      type: 'graceful-restart',
      restartState: false,
      notification: false,
      restartTime: l.gracefulRestart.restartTime,
      families: l.families.map((f) => ({ afi: familyAfi(f), safi: C.SAFI_UNICAST, forwardingState: true })),
    });
  }
  if (l.addPath) caps.push({ type: 'add-path', families: l.families.map((f) => ({ afi: familyAfi(f), safi: C.SAFI_UNICAST, mode: ADD_PATH_MODE[l.addPath!] })) });
  if (l.extendedMessages) caps.push({ type: 'extended-message' });
  return {
    version: 4,
    asn: l.asn > 0xffff ? C.AS_TRANS : l.asn,
    holdTime: l.holdTime,
    routerId: l.routerId,
    capabilities: caps,
  };
}

export interface Negotiated {
  holdTime: number;
  keepaliveTime: number;
  peerAsn: number;
  peerRouterId: string;
  fourOctetAsn: boolean;
  families: Family[];
  addPathReceive: Family[];
  addPathSend: Family[];
  extendedMessages: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  /** The peer's graceful restart capability (RFC 4724 §3). */
  gracefulRestart?: { restartTime: number; restartState: boolean; preserved: Family[] };
  peerCapabilities: CapabilitySummary;
}

/** Throws BgpDecodeError with the OPEN Message Error subcode to send. */
export function negotiate(open: OpenMessage, local: LocalOpenConfig, expectedAsn: number, ibgp: boolean): Negotiated {
  const peer = summarizeCapabilities(open.capabilities);
  const fourOctet = local.fourOctetAsn && peer.fourOctetAsn !== undefined;
  const peerAsn = fourOctet ? peer.fourOctetAsn! : open.asn;
  if (peerAsn !== expectedAsn) {
    throw new BgpDecodeError(`peer AS ${peerAsn} is not the configured ${expectedAsn}`, C.ERR_OPEN, C.OPEN_BAD_PEER_AS);
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    // RFC 4271 §6.2: hold time must be 0 or at least 3 seconds.
    throw new BgpDecodeError(`hold time ${open.holdTime} s is not 0 or ≥ 3`, C.ERR_OPEN, C.OPEN_UNACCEPTABLE_HOLD_TIME);
  }
  if (ibgp && open.routerId === local.routerId) {
    // RFC 6286 §2.1: unique within the AS.
    throw new BgpDecodeError(`BGP identifier ${open.routerId} equals ours`, C.ERR_OPEN, C.OPEN_BAD_BGP_ID);
  }
  const holdTime = Math.min(open.holdTime, local.holdTime);
  const peerFamilies: Family[] = [];
  for (const f of peer.families) {
    const fam = afiFamily(f.afi, f.safi);
    if (fam && !peerFamilies.includes(fam)) peerFamilies.push(fam);
  }
  // RFC 4760 §8: a speaker without multiprotocol capabilities speaks IPv4 unicast only.
  const offered = open.capabilities.some((c) => c.type === 'multiprotocol') ? peerFamilies : (['ipv4'] as Family[]);
  const families = local.families.filter((f) => offered.includes(f));
  const addPathReceive: Family[] = [];
  const addPathSend: Family[] = [];
  const ourMode = local.addPath ? ADD_PATH_MODE[local.addPath] : 0;
  for (const a of peer.addPath) {
    const fam = afiFamily(a.afi, a.safi);
    if (!fam || !families.includes(fam)) continue;
    if (ourMode & 1 && a.mode & 2) addPathReceive.push(fam);
    if (ourMode & 2 && a.mode & 1) addPathSend.push(fam);
  }
  const n: Negotiated = {
    holdTime,
    keepaliveTime: holdTime === 0 ? 0 : Math.max(1, Math.floor(holdTime / 3)),
    peerAsn,
    peerRouterId: open.routerId,
    fourOctetAsn: fourOctet,
    families,
    addPathReceive,
    addPathSend,
    extendedMessages: local.extendedMessages && peer.extendedMessage,
    routeRefresh: peer.routeRefresh || peer.enhancedRouteRefresh,
    enhancedRouteRefresh: local.enhancedRouteRefresh !== false && peer.enhancedRouteRefresh,
    peerCapabilities: peer,
  };
  if (peer.gracefulRestart) {
    const preserved: Family[] = [];
    for (const f of peer.gracefulRestart.families) {
      const fam = afiFamily(f.afi, f.safi);
      if (fam && f.forwardingState) preserved.push(fam);
    }
    n.gracefulRestart = { restartTime: peer.gracefulRestart.restartTime, restartState: peer.gracefulRestart.restartState, preserved };
  }
  return n;
}
