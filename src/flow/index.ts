/**
 * flow: a protocol library for flow telemetry — NetFlow v5, NetFlow v9 (RFC 3954), IPFIX
 * (RFC 7011, RFC 7012 information elements, RFC 5477/5476 sampling parameters) and sFlow v5
 * (sflow.org, 2004) — decoders, encoders and a UDP collector. It imports nothing else of bandex.
 *
 * Design: every decoder fills one reused FlowRecord and calls `sink.flow(rec)`, so a record costs
 * no allocation; v9/IPFIX templates are compiled once into generated readers (template.ts) keyed by
 * layout. State (templates, sampling from options data, sequence numbers, counters) lives per
 * exporter and per observation domain / source id (exporter-state.ts). Sampled counts are scaled by
 * the interval that applies (record, sampler id, domain options, header, configured) and
 * `byteLayer` records whether bytes are layer 3 (NetFlow/IPFIX) or layer 2 + FCS (sFlow), with
 * `l3Bytes` always available for normalised comparisons. Decoders throw only FlowDecodeError.
 */
export { FlowDecodeError, FLOW_ERROR_CODES } from './errors.ts';
export type { FlowErrorCode } from './errors.ts';
export { FlowRecord, formatAddress, formatMac, parseMac } from './record.ts';
export type { FlowProtocol, ByteLayer, FlowRecordJson } from './record.ts';
export { ELEMENTS, ELEMENT_BY_NAME, VARIABLE_LENGTH } from './elements.ts';
export type { ElementDescriptor, ElementCodec } from './elements.ts';
export { compileTemplate, readOpaque } from './template.ts';
export type { CompiledTemplate, TemplateField } from './template.ts';
export type { FlowSink, InterfaceCounters } from './sink.ts';
export type { ExporterSnapshot, ExporterCounters, LostUnit } from './exporter-state.ts';
export { FlowDecoder, detectProtocol } from './decoder.ts';
export type { FlowDecoderOptions } from './decoder.ts';
export { createFlowCollector } from './collector.ts';
export type { FlowCollector, FlowCollectorConfig, FlowCollectorStats, FlowCollectorHooks, FlowListen } from './collector.ts';
export type { WorkerSink, WorkerSinkContext, WorkerSinkModule } from './collector-worker.ts';
export { loadFlowIo, flowIoUnavailable } from './native.ts';
export type { FlowIo } from './native.ts';
export { encodeNetflow5 } from './encoder/netflow5.ts';
export type { V5PacketSpec, V5RecordSpec } from './encoder/netflow5.ts';
export { encodeIpfix, encodeNetflow9 } from './encoder/templated.ts';
export type { FieldSpec, TemplateSpec, SetSpec, IpfixPacketSpec, V9PacketSpec } from './encoder/templated.ts';
export { encodeSflow } from './encoder/sflow.ts';
export type { SflowDatagramSpec, SflowFlowSampleSpec, SflowCounterSampleSpec } from './encoder/sflow.ts';
export type { FieldValue } from './encoder/values.ts';
export { ipfixStructure, netflow9Structure, netflow5Structure } from './structure.ts';
