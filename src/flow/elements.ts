/**
 * The one information-element descriptor table shared by the NetFlow v9 and IPFIX decoders and
 * encoders. Ids and names are IANA's "IPFIX Information Elements" registry (RFC 7012 §4; v9 field
 * types 1–127 are the same numbers, RFC 3954 §8). `codec` says how the bytes are read and `target`
 * where the value goes: a FlowRecord field (`rec.x`) or a per-record scratch slot (`ctx.x`) that the
 * decoder resolves afterwards (times relative to sysUpTime, sampling parameters). Elements not in
 * this table, and enterprise-specific ones (RFC 7011 §3.2), are carried opaquely: skipped by the
 * reader and readable from the record's template with `readOpaque`.
 */
export type ElementCodec =
  /** unsigned integer, reduced-size encoding allowed (RFC 7011 §6.2) */
  | 'u'
  | 'ipv4'
  | 'ipv6'
  | 'mac'
  /** dateTimeSeconds → ms */
  | 'sec'
  /** dateTimeMilliseconds */
  | 'ms'
  /** dateTimeMicroseconds / dateTimeNanoseconds, NTP format (RFC 7011 §6.1.9, §6.1.10) */
  | 'ntp'
  /** named, but not interpreted */
  | 'none';

export interface ElementDescriptor {
  id: number;
  name: string;
  codec: ElementCodec;
  target: string;
  /** Natural length in bytes (encoders use it; 0 = variable). */
  length: number;
}

const T: Array<[number, string, ElementCodec, string, number]> = [
  [1, 'octetDeltaCount', 'u', 'rec.sampledBytes', 8],
  [2, 'packetDeltaCount', 'u', 'rec.sampledPackets', 8],
  [4, 'protocolIdentifier', 'u', 'rec.ipProtocol', 1],
  [5, 'ipClassOfService', 'u', 'rec.tos', 1],
  [6, 'tcpControlBits', 'u', 'rec.tcpFlags', 2],
  [7, 'sourceTransportPort', 'u', 'rec.srcPort', 2],
  [8, 'sourceIPv4Address', 'ipv4', 'rec.srcAddr', 4],
  [9, 'sourceIPv4PrefixLength', 'u', 'rec.srcMask', 1],
  [10, 'ingressInterface', 'u', 'rec.inputIf', 4],
  [11, 'destinationTransportPort', 'u', 'rec.dstPort', 2],
  [12, 'destinationIPv4Address', 'ipv4', 'rec.dstAddr', 4],
  [13, 'destinationIPv4PrefixLength', 'u', 'rec.dstMask', 1],
  [14, 'egressInterface', 'u', 'rec.outputIf', 4],
  [15, 'ipNextHopIPv4Address', 'ipv4', 'rec.nextHop', 4],
  [16, 'bgpSourceAsNumber', 'u', 'rec.srcAs', 4],
  [17, 'bgpDestinationAsNumber', 'u', 'rec.dstAs', 4],
  [18, 'bgpNextHopIPv4Address', 'none', '', 4],
  [21, 'flowEndSysUpTime', 'u', 'ctx.endUp', 4],
  [22, 'flowStartSysUpTime', 'u', 'ctx.startUp', 4],
  [23, 'postOctetDeltaCount', 'none', '', 8],
  [24, 'postPacketDeltaCount', 'none', '', 8],
  [27, 'sourceIPv6Address', 'ipv6', 'rec.srcAddr', 16],
  [28, 'destinationIPv6Address', 'ipv6', 'rec.dstAddr', 16],
  [29, 'sourceIPv6PrefixLength', 'u', 'rec.srcMask', 1],
  [30, 'destinationIPv6PrefixLength', 'u', 'rec.dstMask', 1],
  [31, 'flowLabelIPv6', 'none', '', 4],
  [32, 'icmpTypeCodeIPv4', 'u', 'rec.icmpTypeCode', 2],
  [34, 'samplingInterval', 'u', 'ctx.samplingInterval', 4],
  [35, 'samplingAlgorithm', 'u', 'ctx.samplingAlgorithm', 1],
  [48, 'samplerId', 'u', 'ctx.samplerId', 1],
  [49, 'samplerMode', 'u', 'ctx.samplingAlgorithm', 1],
  [50, 'samplerRandomInterval', 'u', 'ctx.samplingInterval', 4],
  [56, 'sourceMacAddress', 'mac', 'rec.srcMac', 6],
  [57, 'postDestinationMacAddress', 'mac', 'rec.dstMac', 6],
  [58, 'vlanId', 'u', 'rec.vlan', 2],
  [60, 'ipVersion', 'u', 'ctx.ipVersion', 1],
  [61, 'flowDirection', 'u', 'rec.direction', 1],
  [62, 'ipNextHopIPv6Address', 'ipv6', 'rec.nextHop', 16],
  [63, 'bgpNextHopIPv6Address', 'none', '', 16],
  [80, 'destinationMacAddress', 'mac', 'rec.dstMac', 6],
  [81, 'postSourceMacAddress', 'none', '', 6],
  [85, 'octetTotalCount', 'none', '', 8],
  [86, 'packetTotalCount', 'none', '', 8],
  [89, 'forwardingStatus', 'none', '', 1],
  [130, 'exporterIPv4Address', 'none', '', 4],
  [131, 'exporterIPv6Address', 'none', '', 16],
  [136, 'flowEndReason', 'none', '', 1],
  [139, 'icmpTypeCodeIPv6', 'u', 'rec.icmpTypeCode', 2],
  [143, 'meteringProcessId', 'none', '', 4],
  [144, 'exportingProcessId', 'none', '', 4],
  [149, 'observationDomainId', 'none', '', 4],
  [150, 'flowStartSeconds', 'sec', 'ctx.startAbs', 4],
  [151, 'flowEndSeconds', 'sec', 'ctx.endAbs', 4],
  [152, 'flowStartMilliseconds', 'ms', 'ctx.startAbs', 8],
  [153, 'flowEndMilliseconds', 'ms', 'ctx.endAbs', 8],
  [154, 'flowStartMicroseconds', 'ntp', 'ctx.startAbs', 8],
  [155, 'flowEndMicroseconds', 'ntp', 'ctx.endAbs', 8],
  [156, 'flowStartNanoseconds', 'ntp', 'ctx.startAbs', 8],
  [157, 'flowEndNanoseconds', 'ntp', 'ctx.endAbs', 8],
  [158, 'flowStartDeltaMicroseconds', 'u', 'ctx.startDeltaUs', 4],
  [159, 'flowEndDeltaMicroseconds', 'u', 'ctx.endDeltaUs', 4],
  [160, 'systemInitTimeMilliseconds', 'ms', 'ctx.sysInitMs', 8],
  [176, 'icmpTypeIPv4', 'none', '', 1],
  [177, 'icmpCodeIPv4', 'none', '', 1],
  [210, 'paddingOctets', 'none', '', 0],
  [243, 'dot1qVlanId', 'u', 'rec.vlan', 2],
  [302, 'selectorId', 'u', 'ctx.samplerId', 8],
  [305, 'samplingPacketInterval', 'u', 'ctx.pktInterval', 4],
  [306, 'samplingPacketSpace', 'u', 'ctx.pktSpace', 4],
  [309, 'samplingSize', 'u', 'ctx.pktInterval', 4],
  [310, 'samplingPopulation', 'u', 'ctx.population', 4],
];

export const ELEMENTS: ReadonlyMap<number, ElementDescriptor> = new Map(
  T.map(([id, name, codec, target, length]) => [id, { id, name, codec, target, length }]),
);

export const ELEMENT_BY_NAME: ReadonlyMap<string, ElementDescriptor> = new Map(
  [...ELEMENTS.values()].map((e) => [e.name, e]),
);

/** Length 65535 in a template announces a variable-length field (RFC 7011 §7). */
export const VARIABLE_LENGTH = 0xffff;
