import type { Member, Port } from './types.ts';

/**
 * The read interface other domains use (market, metering, arbiter). Synchronous: answered from
 * memory, so a flow decoder or the matching loop can look up per record without awaiting.
 */
export interface RegistryReader {
  getMember(id: string): Member | undefined;
  listMembers(): Member[];
  memberByAsn(asn: number): Member | undefined;
  getPort(id: string): Port | undefined;
  /** All ports, or one member's, in creation order. */
  listPorts(memberId?: string): Port[];
  /** By a router address on the exchange LAN (any textual form; canonicalised). */
  findPortByRouterIp(ip: string): Port | undefined;
  /** By MAC address (any case, `:` or `-` separated). */
  findPortByMac(mac: string): Port | undefined;
  /** By flow exporter address and SNMP ifIndex. */
  findPortByFlowSource(exporter: string, ifIndex: number): Port | undefined;
}
