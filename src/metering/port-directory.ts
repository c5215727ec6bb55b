/**
 * The part of the registry metering reads (RegistryReader satisfies it): which member port a
 * flow entered or left the fabric by. Ports configure their mapping (docs: registry ports):
 * `flowSources` (exporter + SNMP ifIndex, for switch-exported flows), `macAddresses` (sFlow
 * headers, IPFIX MAC elements) and `routerIps` (router-exported flows; next hops on the LAN).
 */
export interface PortRef {
  id: string;
  memberId: string;
}

export interface PortDirectory {
  findPortByRouterIp(ip: string): PortRef | undefined;
  findPortByMac(mac: string): PortRef | undefined;
  findPortByFlowSource(exporter: string, ifIndex: number): PortRef | undefined;
}
