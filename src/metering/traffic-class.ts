/**
 * Traffic classes (SPEC A1: classify by protocol, port, application class): IANA protocol
 * numbers and well-known service ports (RFC 6335 registry) mapped to an application class.
 */
const TCP: Record<number, string> = {
  80: 'web', 443: 'web', 8080: 'web', 8443: 'web',
  53: 'dns', 853: 'dns',
  25: 'mail', 465: 'mail', 587: 'mail', 110: 'mail', 143: 'mail', 993: 'mail', 995: 'mail',
  22: 'remote-access', 23: 'remote-access', 3389: 'remote-access',
  179: 'routing',
  1935: 'streaming', 554: 'streaming',
  5060: 'voip', 5061: 'voip',
  1194: 'vpn',
  20: 'file-transfer', 21: 'file-transfer', 873: 'file-transfer', 445: 'file-transfer',
};
const UDP: Record<number, string> = {
  443: 'web', 80: 'web',
  53: 'dns',
  123: 'ntp',
  500: 'vpn', 4500: 'vpn', 1194: 'vpn', 51820: 'vpn',
  5060: 'voip', 3478: 'voip',
  161: 'management', 162: 'management', 514: 'management',
};

export const TRAFFIC_CLASSES = [
  'web', 'dns', 'mail', 'remote-access', 'routing', 'streaming', 'voip', 'vpn', 'file-transfer', 'ntp',
  'management', 'icmp', 'other-tcp', 'other-udp', 'other',
] as const;
export type TrafficClass = (typeof TRAFFIC_CLASSES)[number];

/** Per protocol, class index + 1 for every port (0: none): two array reads per flow record instead
 * of property look-ups on a sparse object (most ports are ephemeral and miss). */
function portIndex(table: Record<number, string>): Uint8Array {
  const idx = new Uint8Array(65_536);
  for (const [port, cls] of Object.entries(table)) idx[Number(port)] = TRAFFIC_CLASSES.indexOf(cls as TrafficClass) + 1;
  return idx;
}
const TCP_INDEX = portIndex(TCP);
const UDP_INDEX = portIndex(UDP);

/** Index into TRAFFIC_CLASSES of a flow's class (the aggregator keeps per-class counters by index). */
export function classIndex(protocol: number, srcPort: number, dstPort: number): number {
  if (protocol === 1 || protocol === 58) return ICMP;
  const idx = protocol === 6 ? TCP_INDEX : protocol === 17 ? UDP_INDEX : null;
  if (!idx) return OTHER;
  const lo = srcPort < dstPort ? srcPort : dstPort;
  const hi = srcPort < dstPort ? dstPort : srcPort;
  const c = idx[lo & 0xffff] || idx[hi & 0xffff];
  if (c) return c - 1;
  return protocol === 6 ? OTHER_TCP : OTHER_UDP;
}
const ICMP = TRAFFIC_CLASSES.indexOf('icmp');
const OTHER = TRAFFIC_CLASSES.indexOf('other');
const OTHER_TCP = TRAFFIC_CLASSES.indexOf('other-tcp');
const OTHER_UDP = TRAFFIC_CLASSES.indexOf('other-udp');

/** The service port wins whichever side it is on; the lower port is tried first. */
export function classify(protocol: number, srcPort: number, dstPort: number): TrafficClass {
  return TRAFFIC_CLASSES[classIndex(protocol, srcPort, dstPort)];
}
