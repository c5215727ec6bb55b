/**
 * The library's own metrics sink, so that src/bgp needs no metrics package. The application connects
 * it to prom-client. Names (labels): bgp_messages_received_total / bgp_messages_sent_total (peer, type),
 * bgp_updates_received_total (peer), bgp_prefixes_received_total, bgp_prefixes_withdrawn_total,
 * bgp_prefixes_sent_total (peer, family), bgp_prefixes_accepted (gauge; peer, family),
 * bgp_errors_total (peer, code, subcode, direction), bgp_session_established (gauge; peer).
 */
export interface BgpMetrics {
  inc(name: string, labels: Record<string, string>, n?: number): void;
  set(name: string, labels: Record<string, string>, value: number): void;
}

export const noMetrics: BgpMetrics = {
  inc() {},
  set() {},
};
