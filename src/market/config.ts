/** The `market` config section; the defaults are the schema (docs/extending.md §5). */
export const marketConfigDefaults = {
  /** How often the clock-driven work runs (order expiry, trade start and end), ms. */
  tickMs: 1000,
  /** How far in the past a delivery period may start (client clocks, network delay), ms. */
  startSkewMs: 300_000,
  /** Price levels per side in GET /v1/book. */
  bookDepthLevels: 50,
  /** Events read per page when the book is rebuilt from the journal at start. */
  replayPageSize: 10_000,
  /**
   * When the store commits on its own thread (MarketRepository.offloaded): a batch holding this
   * many events is recorded at once, mid-turn, so that its commit runs while the rest of the
   * turn's orders are matched, instead of every order of a long turn waiting for one commit.
   */
  batchEvents: 512,
};
export type MarketConfig = typeof marketConfigDefaults;
