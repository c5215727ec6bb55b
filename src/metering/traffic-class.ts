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

/** The service port wins whichever side it is on; the lower port is tried first. */
export function classify(protocol: number, srcPort: number, dstPort: number): TrafficClass {
  if (protocol === 1 || protocol === 58) return 'icmp';
  const table = protocol === 6 ? TCP : protocol === 17 ? UDP : null;
  if (!table) return 'other';
  const lo = srcPort < dstPort ? srcPort : dstPort;
  const hi = srcPort < dstPort ? dstPort : srcPort;
  const c = table[lo] ?? table[hi];
  if (c) return c as TrafficClass;
  return protocol === 6 ? 'other-tcp' : 'other-udp';
}
