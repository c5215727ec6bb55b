/**
 * The journal's event vocabulary, shared by every domain. The journal itself lives in src/store;
 * domains only need these types to describe what they append and to react to what others append
 * (an arbiter subscribing to `TradeMatched`), without importing the store.
 */

/** Who may see an event: everyone (`'public'`) or only the listed member ids. Admins see all. */
export type Visibility = 'public' | readonly string[];

/** An event as a domain hands it to `journal.append()`. */
export interface NewEvent<P = unknown> {
  /** PascalCase fact in the past tense: `MemberCreated`, `TradeMatched`. */
  type: string;
  /** Who caused it: `admin`, `member:<id>`, `system`, or a component name. Defaults to `system`. */
  actor?: string;
  /** WebSocket topic it is streamed on (`market.trades`, `orders`); none means not streamed. */
  topic?: string;
  /** Defaults to `'public'`. */
  visibility?: Visibility;
  /** JSON-serialisable facts (money as decimal strings, times as epoch ms or ISO strings). */
  payload: P;
}

/** An event as stored: numbered, timed, durable. */
export interface JournalEvent<P = unknown> {
  /** Gap-free, strictly increasing position in the journal, starting at 1. */
  seq: number;
  /** Epoch ms from the injected clock when the event was accepted. */
  time: number;
  type: string;
  actor: string;
  topic: string | null;
  /** `null` for public events, else the member ids that may see it. */
  visibleTo: string[] | null;
  payload: P;
}

export interface EventQuery {
  /** Only events with seq > afterSeq (default 0). */
  afterSeq?: number;
  /** At most this many (default 100, max 10 000). */
  limit?: number;
  types?: readonly string[];
  topics?: readonly string[];
  /** Only events this member may see (public + its own); omit for all (admin). */
  visibleTo?: string;
}

/** The read-and-react half of the journal, for domains that must not import src/store. */
export interface EventSource {
  /** Called after commit, in seq order, once per event. Returns an unsubscribe function. */
  subscribe(fn: (event: JournalEvent) => void): () => void;
  read(query: EventQuery): Promise<JournalEvent[]>;
  /** Seq of the newest committed event (0 when empty). */
  lastSeq(): number;
}

/** True when `memberId` (or an admin, when memberId is null) may see the event. */
export function canSee(event: Pick<JournalEvent, 'visibleTo'>, memberId: string | null): boolean {
  return memberId === null || event.visibleTo === null || event.visibleTo.includes(memberId);
}
