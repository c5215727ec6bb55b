/** What every prober returns: one run, RTTs of the replies in send order. */
export interface ProbeRun {
  sent: number;
  rtts: number[];
  /** When the run started (epoch ms). */
  at: number;
}

export interface ProbeOptions {
  target: string;
  /** Packets or connection attempts. */
  count: number;
  /** Time between sends (ms). */
  intervalMs: number;
  /** How long to wait for a reply after the last send (ms). */
  timeoutMs: number;
  /** Local address to bind, so packets leave through the provider chosen by policy routing. */
  sourceAddress?: string;
  port?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Monotonic milliseconds (hrtime): RTTs must not jump with wall-clock corrections. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
