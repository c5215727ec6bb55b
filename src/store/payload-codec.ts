/**
 * How a journal event's payload is stored (column `payload`, text): plain JSON, or for the event
 * types that register a shape here, a compact positional form. The journal writes every event
 * through `encodePayload` and reads every row through `decodePayload`, so what subscribers,
 * `read()` and replays see is the payload object either way; only the stored text changes.
 *
 * Why: a market order journals ~1.8 events whose JSON repeats every key name (`"capacityMbps":`,
 * `"minBlockMbps":` …): ~400 bytes each, and JSON.stringify/JSON.parse spend their time on the
 * keys. The compact form stores the values only, in the order of a fixed key list (a shape),
 * about half the bytes, and stringifies and parses faster (bench/market.ts (c); replay at start).
 *
 * The compact form, still JSON (a top-level array, so `json_extract` and the sqlite3 shell keep
 * working): `["<tag>", <mask>, v…, {extras}?]`.
 *  - `tag` names the shape and its version (`oa1`: OrderAccepted, version 1). A shape is never
 *    changed once rows use it: a new key list gets a new tag, and the old tags stay decodable.
 *  - `mask`: bit i set when key i of the shape is present (absent keys store nothing, so optional
 *    fields cost nothing and `undefined` stays absent, as with JSON).
 *  - the present values in shape order; a key whose shape entry is itself a shape (`spec` of
 *    OrderAccepted) holds a nested `[<mask>, v…, {extras}?]` of that object, a list entry
 *    (`trades` of TradesPrinted) an array of those.
 *  - keys outside the shape (a field added later to the event) go in a trailing object, so
 *    encoding never loses data: decodePayload(type, encodePayload(type, p)) equals
 *    JSON.parse(JSON.stringify(p)) (tested), key order aside.
 * A payload that does not fit (not a plain object where the shape expects one) is stored as
 * plain JSON, except an array, stored as `["", array]`; a compact row whose tag this version does
 * not know (a newer writer's) is refused with JOURNAL_PAYLOAD_UNKNOWN_SHAPE. Rows written before the compact form existed are JSON objects: a text starting with
 * `{` is plain JSON for every type, so old journals replay unchanged. Only types whose payloads
 * are objects register shapes (their compact text, an array, can then never be mistaken).
 */
import { MARKET_PAYLOAD_SHAPES } from '../market/event-codec.ts';
import { storeErrors } from './errors.ts';

/**
 * A shape: the payload's keys in storage order; `[key, shape]` for a nested object, `[key, shape,
 * 'list']` for an array of such objects (stored as an array of their packed forms).
 */
export type Shape = ReadonlyArray<string | readonly [string, Shape] | readonly [string, Shape, 'list']>;

/** One event type's stored shapes: `current` is written, every one listed is read. */
export interface TypeShapes {
  current: string;
  shapes: Readonly<Record<string, Shape>>;
}

interface Compiled {
  /** Appends `[mask, v…, extras?]` of `obj` to `out`; false when a nested value does not fit. */
  pack(obj: Record<string, unknown>, out: unknown[]): boolean;
  /** The object of `[mask, v…, extras?]` starting at `a[from]`. */
  unpack(a: readonly unknown[], from: number): Record<string, unknown>;
}

/** An own property, as JSON.parse makes it (an assignment would take `__proto__` as the prototype). */
const own = (o: Record<string, unknown>, k: string, v: unknown): void => void Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
const addExtras = (o: Record<string, unknown>, x: Record<string, unknown>): void => {
  for (const k of Object.keys(x)) own(o, k, x[k]);
};

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Compiles a shape into straight-line functions, one property access per key (what makes the
 * compact form cheaper to write than JSON.stringify of the object; a loop over the key list with
 * dynamic property names was not). The generated code only ever names keys from the shape,
 * quoted with JSON.stringify.
 */
function compile(shape: Shape): Compiled {
  if (shape.length > 30) throw new Error('a payload shape has at most 30 keys (one mask bit each)');
  const nested: Compiled[] = [];
  const known = new Set<string>();
  let pack = 'const at = out.length; out.push(0); let mask = 0, present = 0, v;\n';
  let unpack = 'const mask = a[from]; const o = {}; let j = from + 1;\n';
  shape.forEach((k, i) => {
    const key = typeof k === 'string' ? k : k[0];
    if (key === '__proto__') throw new Error('a payload shape cannot name __proto__');
    known.add(key);
    const q = JSON.stringify(key);
    if (typeof k === 'string') {
      pack += `v = obj[${q}]; if (v !== undefined) { mask |= ${1 << i}; present++; out.push(v); }\n`;
      unpack += `if (mask & ${1 << i}) o[${q}] = a[j++];\n`;
    } else if (k.length === 3) {
      const n = nested.push(compile(k[1])) - 1;
      pack += `v = obj[${q}]; if (v !== undefined) { mask |= ${1 << i}; present++; if (!Array.isArray(v)) return false; const list = []; for (const x of v) { if (!isPlain(x)) return false; const inner = []; if (!nested[${n}].pack(x, inner)) return false; list.push(inner); } out.push(list); }\n`;
      unpack += `if (mask & ${1 << i}) o[${q}] = a[j++].map((x) => nested[${n}].unpack(x, 0));\n`;
    } else {
      const n = nested.push(compile(k[1])) - 1;
      pack += `v = obj[${q}]; if (v !== undefined) { mask |= ${1 << i}; present++; if (!isPlain(v)) return false; const inner = []; if (!nested[${n}].pack(v, inner)) return false; out.push(inner); }\n`;
      unpack += `if (mask & ${1 << i}) o[${q}] = nested[${n}].unpack(a[j++], 0);\n`;
    }
  });
  // Keys counted with for-in, not Object.keys(obj).length: no array per payload. obj is plain (its
  // prototype is Object.prototype), so for-in sees its own enumerable keys; an enumerable key
  // added to Object.prototype would only send it to extras, which reads own keys and adds nothing.
  pack += 'out[at] = mask; let keys = 0; for (const k in obj) keys++; if (keys !== present) extras(obj, out); return true;';
  unpack += 'if (j < a.length) addExtras(o, a[j]); return o;';
  /** Keys outside the shape (with a value) go in a trailing object; none: nothing is added. */
  const extras = (obj: Record<string, unknown>, out: unknown[]): void => {
    const x: Record<string, unknown> = {};
    let any = false;
    for (const k of Object.keys(obj)) {
      if (known.has(k) || obj[k] === undefined) continue;
      own(x, k, obj[k]);
      any = true;
    }
    if (any) out.push(x);
  };
  return {
    pack: new Function('isPlain', 'nested', 'extras', `return function pack(obj, out) {\n${pack}\n}`)(isPlain, nested, extras) as Compiled['pack'],
    unpack: new Function('nested', 'addExtras', `return function unpack(a, from) {\n${unpack}\n}`)(nested, addExtras) as Compiled['unpack'],
  };
}

interface TypeCodec {
  tag: string;
  write: Compiled;
  read: Map<string, Compiled>;
}

const codecs = new Map<string, TypeCodec>();
export function registerPayloadShapes(all: Readonly<Record<string, TypeShapes>>): void {
  for (const [type, s] of Object.entries(all)) {
    const read = new Map(Object.entries(s.shapes).map(([tag, shape]) => [tag, compile(shape)] as const));
    const write = read.get(s.current);
    if (!write) throw new Error(`payload shapes of ${type}: current tag ${s.current} is not listed`);
    codecs.set(type, { tag: s.current, write, read });
  }
}
registerPayloadShapes(MARKET_PAYLOAD_SHAPES);

/** The stored text of an event's payload (see the module comment). */
export function encodePayload(type: string, payload: unknown): string {
  const c = codecs.get(type);
  if (c !== undefined) {
    if (isPlain(payload)) {
      const out: unknown[] = [c.tag];
      if (c.write.pack(payload, out)) return JSON.stringify(out);
    }
    // An array would read as a compact form: it is stored under the empty tag (never written by
    // the market, whose payloads are objects; kept so that any payload round-trips).
    if (Array.isArray(payload)) return JSON.stringify(['', payload]);
  }
  return JSON.stringify(payload);
}

/** An event's payload from its stored text, whichever form it was written in. */
export function decodePayload(type: string, text: string): unknown {
  const v = JSON.parse(text) as unknown;
  if (!Array.isArray(v)) return v;
  const c = codecs.get(type);
  if (c === undefined) return v;
  // The type's payloads are objects, so an array is its compact form: a tag this version does not
  // know (a newer writer's) must not come back as a bare array for replay to misread.
  if (v[0] === '' && v.length === 2) return v[1];
  const shape = typeof v[0] === 'string' ? c.read.get(v[0]) : undefined;
  if (shape === undefined) {
    throw storeErrors.make('JOURNAL_PAYLOAD_UNKNOWN_SHAPE', `a ${type} payload is stored in shape ${JSON.stringify(v[0])}, which this version does not know`, { field: 'payload' });
  }
  return shape.unpack(v, 1);
}
