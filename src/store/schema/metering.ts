/** Metering tables: additive traffic bins per port and destination prefixes per port. */
export interface MeteringBinsTable {
  port_id: string;
  bin_ms: number;
  bin_start: number;
  /** 'total' | 'provider' | 'class' */
  dimension: string;
  /** '' for total, the counterpart port id for provider, the class name for class. */
  key: string;
  in_bytes: number;
  out_bytes: number;
  in_packets: number;
  out_packets: number;
}

export interface MeteringDestinationsTable {
  port_id: string;
  bin_ms: number;
  bin_start: number;
  prefix: string;
  bytes: number;
}

export interface MeteringTables {
  metering_bins: MeteringBinsTable;
  metering_destinations: MeteringDestinationsTable;
}
