/**
 * The market as a service: the engine behind a journal. A command runs on the engine at once
 * (synchronously, so matching sees every earlier command), its events and changed rows join the
 * batch of the current event-loop turn, and the caller's promise resolves only when that batch
 * has committed — events are journaled before the answer, one transaction per turn (group
 * commit). At start the engine is rebuilt by replaying the journal's market events. If a batch
 * fails to commit, the in-memory state is ahead of the journal: the market refuses commands,
 * rebuilds from the journal, and resumes.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, type IdSource, type NewEvent, type Reporter, commonErrors } from '../lib/index.ts';
import type { QualitySource } from '../quality/quality-source.ts';
import { destKey } from './book.ts';
import type { MarketConfig } from './config.ts';
import { MarketEngine } from './engine.ts';
import { MARKET_EVENT_TYPES, decodeEvent, encodeEvent, money } from './event-codec.ts';
import { marketErrors } from './errors.ts';
import type { ListQuery, MarketRepository, OrderRow, TradeRow } from './market-repo.ts';
import type { Order } from './order.ts';
import { presentOrder, presentPublicTrade, presentTrade } from './present.ts';
import type { MarketEvent, PortDirectory, Protocol } from './types.ts';
import { type OrderInput, validateAmend, validateOrder } from './validate-order.ts';

export interface MarketDeps {
  clock: Clock;
  ids: IdSource;
  reporter: Reporter;
  repo: MarketRepository;
  quality: QualitySource;
  ports: PortDirectory;
}

export type Json = Record<string, unknown>;

export interface MarketService {
  submit(memberId: string, input: OrderInput): Promise<{ order: Json; trades: Json[]; duplicate: boolean }>;
  cancel(memberId: string, orderId: string): Promise<Json>;
  amend(memberId: string, orderId: string, input: Record<string, unknown>): Promise<{ order: Json; trades: Json[] }>;
  cancelTrade(tradeId: string, reason: string): Promise<void>;
  /** An order of `memberId` (any order when memberId is null: admin); undefined when not visible. */
  getOrder(memberId: string | null, id: string): Promise<Json | undefined>;
  listOrders(memberId: string, q: ListQuery & { open?: boolean }): Promise<{ items: Json[]; next: string | null }>;
  listTrades(memberId: string, q: ListQuery): Promise<{ items: Json[]; next: string | null }>;
  book(destination: string, protocol?: Protocol): Json;
  /** Runs the clock-driven work now (the service also does it every tickMs). */
  tick(): Promise<void>;
  /** The engine, for tests and benchmarks. */
  readonly engine: MarketEngine;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Price levels a batch touched, by book key, then side and price (no string key per order: a
 * batch touches the same few levels with thousands of orders).
 */
type BookTouches = Map<string, { protocol: Protocol; buy: Set<number>; sell: Set<number> }>;

function touchLevel(t: BookTouches, destination: string, protocol: Protocol, side: 'buy' | 'sell', price: number): void {
  const key = destKey(destination, protocol);
  let e = t.get(key);
  if (!e) {
    e = { protocol, buy: new Set(), sell: new Set() };
    t.set(key, e);
  }
  e[side].add(price);
}

interface Batch {
  events: NewEvent[];
  /** Orders the batch changed (rows are taken at flush: their state after the batch). */
  orders: Set<Order>;
  /**
   * Rows of the trades the batch changed, by id, taken after each command (the last one wins):
   * handles, unlike orders, are reused once a trade has ended, so they are not kept to the flush.
   */
  trades: Map<string, TradeRow>;
  /** Ids of the orders accepted and trades matched in this batch (new rows). */
  fresh: Map<string, number>;
  /** Price levels whose aggregate changed (besides those of the orders changed): amendments. */
  book: BookTouches;
  printed: Json[];
  counts: Record<string, number>;
  buys: number;
  sells: number;
  mbps: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createMarket(deps: MarketDeps, config: MarketConfig): MarketService {
  const { reporter, repo } = deps;
  const log = reporter.log.child({ component: 'market' });
  const ids = orderedIds(deps.clock);
  let engine = newEngine();
  let batch: Batch | null = null;
  let inflight: Promise<void> | null = null;
  let broken: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const metric = {
    orders: reporter.counter('bandex_market_orders_total', 'Orders accepted by the market', ['side']),
    rejected: reporter.counter('bandex_market_orders_rejected_total', 'Orders refused, by code', ['code']),
    trades: reporter.counter('bandex_market_trades_total', 'Trades matched'),
    mbps: reporter.counter('bandex_market_traded_mbps_total', 'Mbps matched in trades'),
    events: reporter.counter('bandex_market_events_total', 'Market events journaled', ['type']),
    batches: reporter.counter('bandex_market_batches_total', 'Market batches committed'),
    failures: reporter.counter('bandex_market_batch_failures_total', 'Market batches that failed to commit (the market rebuilt itself)'),
    open: reporter.gauge('bandex_market_open_orders', 'Orders resting in the books'),
  };

  function newEngine(): MarketEngine {
    const e = new MarketEngine({ clock: deps.clock, ids, quality: deps.quality, ports: deps.ports }, { startSkewMs: config.startSkewMs });
    e.state.trackTouched();
    return e;
  }

  function rowOf(o: Order): OrderRow {
    return {
      id: o.id,
      spec: o.spec,
      seq: o.seq,
      price: o.price,
      capacityMbps: o.capacityMbps,
      filledMbps: o.filledMbps,
      status: o.status,
      closeReason: o.closeReason ?? null,
      createdAt: o.acceptedAt,
      updatedAt: o.updatedAt,
    };
  }

  /** Trade `h`'s row as it is now, into the batch (the record, immutable, is kept if there). */
  function takeTradeRow(b: Batch, h: number): void {
    const tr = engine.state.trades;
    const id = tr.idOf(h);
    let row = b.trades.get(id);
    if (row === undefined) {
      row = { record: tr.record(h), status: 'scheduled', closedAt: null, closeReason: null };
      b.trades.set(id, row);
    }
    row.status = tr.statusNameOf(h);
    row.closedAt = tr.closedAtOf(h) ?? null;
    row.closeReason = tr.closeReasonOf(h) ?? null;
  }

  /** Adds a command's events and changed rows to this turn's batch; resolves when it is durable. */
  function enqueue(events: MarketEvent[], extraLevels: Array<{ o: Order; price: number }> = []): Promise<void> {
    const st = engine.state;
    if (!batch) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      batch = { events: [], orders: new Set(), trades: new Map(), fresh: new Map(), book: new Map(), printed: [], counts: {}, buys: 0, sells: 0, mbps: 0, promise, resolve, reject };
      setImmediate(flush);
    }
    const b = batch;
    for (const e of events) {
      b.events.push(encodeEvent(e));
      // Counted per batch (prom-client label look-ups are too dear per event).
      b.counts[e.type] = (b.counts[e.type] ?? 0) + 1;
      if (e.type === 'TradeMatched') {
        // Its row starts from the event's record (takeTradeRow below sets the status).
        b.trades.set(e.trade.id, { record: e.trade, status: 'scheduled', closedAt: null, closeReason: null });
        b.printed.push(presentPublicTrade(e.trade));
        b.mbps += e.trade.capacityMbps;
        b.fresh.set(e.trade.id, b.events.length - 1);
      } else if (e.type === 'OrderAccepted') {
        b.fresh.set(e.orderId, b.events.length - 1);
        if (e.spec.side === 'buy') b.buys++;
        else b.sells++;
      }
    }
    const touched = st.touchedOrders!;
    for (let i = 0; i < touched.length; i++) b.orders.add(touched[i]);
    for (const x of extraLevels) {
      touchLevel(b.book, x.o.spec.destination, x.o.spec.protocol, x.o.spec.side, x.price);
    }
    const tt = st.touchedTrades!;
    for (let i = 0; i < tt.length; i++) takeTradeRow(b, tt[i]);
    st.drainTouched();
    if (b.events.length >= config.batchEvents && repo.offloaded) flush();
    return b.promise;
  }

  /** Public book deltas of a batch: the new aggregate of every level it touched. */
  function bookDelta(b: Batch): Json[] {
    const out: Json[] = [];
    for (const [key, t] of b.book) {
      const book = engine.state.books.byKey.get(key);
      for (const side of ['buy', 'sell'] as const) {
        const levels = side === 'buy' ? book?.bids : book?.asks;
        for (const price of t[side]) {
          const lv = levels?.level(price);
          out.push({ destination: key.startsWith('any') ? 'any' : key, protocol: t.protocol, side, price: money(price), mbps: lv?.mbps ?? 0, orders: lv?.count ?? 0 });
        }
      }
    }
    return out;
  }

  function flush(): void {
    const b = batch;
    batch = null;
    if (!b) return;
    const events = b.events;
    const orders: OrderRow[] = [];
    for (const o of b.orders) {
      const row = rowOf(o);
      const ev = b.fresh.get(o.id);
      if (ev !== undefined) {
        row.fresh = true;
        row.event = ev;
      }
      orders.push(row);
      touchLevel(b.book, o.spec.destination, o.spec.protocol, o.spec.side, o.price);
    }
    const trades: TradeRow[] = [];
    for (const [id, row] of b.trades) {
      const ev = b.fresh.get(id);
      if (ev !== undefined) {
        row.fresh = true;
        row.event = ev;
      }
      trades.push(row);
    }
    if (b.book.size) events.push({ type: 'BookChanged', actor: 'market', topic: 'market.book', payload: { levels: bookDelta(b) } });
    if (b.printed.length) events.push({ type: 'TradesPrinted', actor: 'market', topic: 'market.trades', payload: { trades: b.printed } });
    const p = repo.record(events, orders, trades).then(
      () => {
        metric.batches.inc();
        metric.open.set(engine.state.orders.size);
        for (const [type, n] of Object.entries(b.counts)) metric.events.inc({ type }, n);
        if (b.buys) metric.orders.inc({ side: 'buy' }, b.buys);
        if (b.sells) metric.orders.inc({ side: 'sell' }, b.sells);
        if (b.counts.TradeMatched) metric.trades.inc(b.counts.TradeMatched);
        if (b.mbps) metric.mbps.inc(b.mbps);
        b.resolve();
      },
      (err) => {
        metric.failures.inc();
        reporter.error('market', 'BATCH_FAILED', err);
        b.reject(err);
        rebuild();
      },
    );
    inflight = p.finally(() => {
      if (inflight === q) inflight = null;
    });
    const q = inflight;
  }

  /** After a failed commit: refuse commands until the engine is rebuilt from the journal. */
  function rebuild(): void {
    if (broken) return;
    // A batch still open was built on the lost state too: it goes now, on the repo's broken
    // chain, which refuses it, and not after repo.restart() below, which would let it commit.
    if (batch) flush();
    broken = (async () => {
      for (;;) {
        try {
          await inflight;
          const e = newEngine();
          // Batches recorded from here on build on the journal's state, not the lost one's.
          repo.restart();
          await replayInto(e);
          engine = e;
          log.warn('market rebuilt from the journal after a failed commit');
          return;
        } catch (err) {
          reporter.error('market', 'REBUILD_FAILED', err);
          await new Promise((r) => setTimeout(r, 1000));
          if (stopped) return;
        }
      }
    })().finally(() => {
      broken = null;
    });
  }

  async function replayInto(e: MarketEngine): Promise<number> {
    const n = await repo.replay(MARKET_EVENT_TYPES, config.replayPageSize, (type, payload) => {
      const ev = decodeEvent(type, payload as Json);
      if (ev) e.state.apply(ev);
      // Nothing to write back while replaying; draining also lets ended trades' handles go.
      e.state.drainTouched();
    });
    e.refreshPorts();
    return n;
  }

  function guard(): void {
    if (stopped) throw commonErrors.make('SHUTTING_DOWN', 'the market is stopping');
    if (broken) throw commonErrors.make('SHUTTING_DOWN', 'the market is rebuilding after a storage failure; retry shortly');
  }

  function counted<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (marketErrors.is(e)) metric.rejected.inc({ code: e.code });
      throw e;
    }
  }

  /** Waits until everything accepted so far is durable (for idempotent retries). */
  async function durable(): Promise<void> {
    if (batch) await batch.promise;
    if (inflight) await inflight;
  }

  async function runTick(): Promise<void> {
    if (broken || stopped) return;
    if (engine.nextTimerAt > deps.clock.now()) return;
    const ev = engine.tick();
    if (ev.length || engine.state.touchedOrders!.length) await enqueue(ev);
  }

  const service: MarketService = {
    get engine() {
      return engine;
    },

    async submit(memberId, input) {
      guard();
      const spec = counted(() => validateOrder(memberId, input));
      const r = counted(() => engine.submit(spec));
      if (r.duplicate) {
        await durable();
        const o = await repo.getOrder(r.order.id);
        return { order: o ? presentOrder(o) : presentOrder(rowOf(r.order as Order)), trades: [], duplicate: true };
      }
      const row = rowOf(r.order as Order);
      const trades = r.events.filter((e) => e.type === 'TradeMatched').map((e) => (e as { trade: TradeRow['record'] }).trade);
      const tradeRows = trades.map((t) => ({ record: t, status: 'scheduled' as const, closedAt: null, closeReason: null }));
      await enqueue(r.events);
      return { order: presentOrder(row), trades: tradeRows.map(presentTrade), duplicate: false };
    },

    async cancel(memberId, orderId) {
      guard();
      const o = engine.state.orders.get(orderId);
      if (!o) {
        // Closed orders live only in the store: answer "closed" to the owner, "not found" to others.
        const row = await repo.getOrder(orderId);
        if (row && row.spec.memberId === memberId) {
          throw marketErrors.make('MARKET_ORDER_CLOSED', `order ${orderId} is ${row.status}`, { field: 'orderId', details: { status: row.status } });
        }
      }
      const events = counted(() => engine.cancel(memberId, orderId));
      const row = rowOf(o!);
      await enqueue(events);
      return presentOrder(row);
    },

    async amend(memberId, orderId, input) {
      guard();
      const ch = counted(() => validateAmend(input));
      const before = engine.state.orders.get(orderId);
      const oldPrice = before?.price;
      if (!before) {
        const row = await repo.getOrder(orderId);
        if (row && row.spec.memberId === memberId) {
          throw marketErrors.make('MARKET_ORDER_CLOSED', `order ${orderId} is ${row.status}`, { field: 'orderId', details: { status: row.status } });
        }
      }
      const r = counted(() => engine.amend(memberId, orderId, ch));
      const row = rowOf(r.order as Order);
      const trades = r.events.filter((e) => e.type === 'TradeMatched').map((e) => (e as { trade: TradeRow['record'] }).trade);
      await enqueue(r.events, oldPrice !== undefined && oldPrice !== row.price ? [{ o: before!, price: oldPrice }] : []);
      return { order: presentOrder(row), trades: trades.map((t) => presentTrade({ record: t, status: 'scheduled', closedAt: null, closeReason: null })) };
    },

    async cancelTrade(tradeId, reason) {
      guard();
      const events = counted(() => engine.cancelTrade(tradeId, reason));
      await enqueue(events);
    },

    async getOrder(memberId, id) {
      const live = engine.state.orders.get(id);
      if (live) {
        if (memberId !== null && live.spec.memberId !== memberId) return undefined;
        return presentOrder(rowOf(live));
      }
      await durable();
      const row = await repo.getOrder(id);
      if (!row || (memberId !== null && row.spec.memberId !== memberId)) return undefined;
      return presentOrder(row);
    },

    async listOrders(memberId, q) {
      await durable();
      const rows = await repo.listOrders(memberId, { ...q, limit: q.limit + 1 });
      const items = rows.slice(0, q.limit);
      return { items: items.map(presentOrder), next: rows.length > q.limit ? items[items.length - 1].id : null };
    },

    async listTrades(memberId, q) {
      await durable();
      const rows = await repo.listTrades(memberId, { ...q, limit: q.limit + 1 });
      const items = rows.slice(0, q.limit);
      return { items: items.map(presentTrade), next: rows.length > q.limit ? items[items.length - 1].record.id : null };
    },

    book(destination, protocol) {
      let proto: Protocol;
      let dest: string;
      if (destination === 'any' || destination === 'any4' || destination === 'any6') {
        proto = destination === 'any6' ? 'ipv6' : destination === 'any4' ? 'ipv4' : (protocol ?? 'ipv4');
        dest = 'any';
      } else {
        const spec = validateOrderDestination(destination);
        proto = spec.protocol;
        dest = spec.destination;
      }
      const d = engine.depth(dest, proto, config.bookDepthLevels);
      const side = (ls: typeof d.bids) => ls.map((l) => ({ price: money(l.price), mbps: l.mbps, orders: l.orders }));
      return { destination: dest, protocol: proto, bids: side(d.bids), asks: side(d.asks) };
    },

    tick: runTick,

    async start() {
      const t0 = Date.now();
      const n = await replayInto(engine);
      log.info({ events: n, openOrders: engine.state.orders.size, ms: Date.now() - t0 }, 'market: books rebuilt from the journal');
      metric.open.set(engine.state.orders.size);
      timer = setInterval(() => {
        runTick().catch((e) => reporter.error('market', 'TICK_FAILED', e));
      }, config.tickMs);
      timer.unref();
    },

    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (batch) flush();
      await durable().catch(() => undefined);
      stopped = true;
    },
  };
  return service;
}

/**
 * Order and trade ids: `ord_<ms, base32, 9><process random, 8 hex><counter, base32, 6>`. Sorted by
 * creation like the project's random ids (lists page by id), but without a crypto call per id,
 * which costed a tenth of an acknowledged order. Unique: the random part changes per process.
 */
export function orderedIds(clock: Clock): IdSource {
  const rnd = randomBytes(4).toString('hex');
  let n = 0;
  let lastT = -1;
  let t32 = '';
  return {
    next(prefix) {
      const t = clock.now();
      if (t !== lastT) {
        lastT = t;
        t32 = t.toString(32).padStart(9, '0');
      }
      return `${prefix}_${t32}${rnd}${(n++ & 0x3fffffff).toString(32).padStart(6, '0')}`;
    },
  };
}

/** Canonical destination for the book query, with the same rules as an order's. */
function validateOrderDestination(destination: string): { destination: string; protocol: Protocol } {
  try {
    const s = validateOrder('-', {
      side: 'buy', destination, prefixType: 'transit', capacityMbps: 1, price: '1', start: '2000-01-01T00:00:00Z', end: '2000-02-01T00:00:00Z', portId: 'x',
    });
    return { destination: s.destination, protocol: s.protocol };
  } catch (e) {
    if (marketErrors.is(e) && e.field === 'destination') {
      throw marketErrors.make('MARKET_INVALID_ORDER', e.message.split('; ')[0], { field: 'destination' });
    }
    throw e;
  }
}
