/**
 * The part of the registry metering reads (RegistryReader satisfies it): which member port a
 * flow entered or left the fabric by. Ports configure their mapping (docs: registry ports):
 * `flowSources` (exporter + SNMP ifIndex, for switch-exported flows), `macAddresses` (sFlow
 * headers, IPFIX MAC elements) and `routerIps` (router-exported flows; next hops on the LAN).
 * `listPorts` (optional) lets the collector's decode worker map flows itself from a copy of the
 * table (port-table.ts); without it metering aggregates on the main thread.
 */
export interface PortRef {
  id: string;
  memberId: string;
}

export interface PortMapping extends PortRef {
  routerIps: readonly string[];
  macAddresses: readonly string[];
  flowSources: ReadonlyArray<{ exporter: string; ifIndex: number }>;
}

export interface PortDirectory {
  findPortByRouterIp(ip: string): PortRef | undefined;
  findPortByMac(mac: string): PortRef | undefined;
  findPortByFlowSource(exporter: string, ifIndex: number): PortRef | undefined;
  listPorts?(): readonly PortMapping[];
}
