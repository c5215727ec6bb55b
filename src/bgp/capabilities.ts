/**
 * BGP capabilities (RFC 5492), one descriptor per capability code with its decoder and encoder side
 * by side. A decoded OPEN keeps the capabilities as an ordered list so that encode(decode(x)) is
 * byte-exact; `summarizeCapabilities` folds the list into the facts negotiation needs.
 */
import { BgpDecodeError } from './errors.ts';
import { ByteWriter, u16, u32 } from './bytes.ts';
import { ERR_OPEN } from './constants.ts';

export interface AfiSafi {
  afi: number;
  safi: number;
}

/** RFC 7911 §4 Send/Receive field. */
export type AddPathMode = 1 | 2 | 3; // 1 receive, 2 send, 3 both

export type Capability =
  | ({ type: 'multiprotocol' } & AfiSafi)
  | { type: 'route-refresh' }
  | { type: 'enhanced-route-refresh' }
  | { type: 'four-octet-asn'; asn: number }
  | {
      type: 'graceful-restart';
      restartState: boolean;
      notification: boolean;
      restartTime: number;
      families: Array<AfiSafi & { forwardingState: boolean }>;
    }
  | { type: 'add-path'; families: Array<AfiSafi & { mode: AddPathMode }> }
  | { type: 'extended-message' }
  | { type: 'unknown'; code: number; value: Uint8Array };

interface CapabilityDescriptor {
  code: number;
  name: Capability['type'];
  decode(b: Uint8Array, off: number, len: number): Capability;
  encode(c: Capability, w: ByteWriter): void;
}

function capError(msg: string, code: number, b: Uint8Array, off: number, len: number): BgpDecodeError {
  // RFC 5492 §3: a malformed capability is an OPEN error; data carries the offending capability.
  const data = new Uint8Array(len + 2);
  data[0] = code;
  data[1] = len;
  data.set(b.subarray(off, off + len), 2);
  return new BgpDecodeError(msg, ERR_OPEN, 0, data);
}

function fixedLength(code: number, want: number, b: Uint8Array, off: number, len: number, name: string): void {
  if (len !== want) throw capError(`${name} capability must be ${want} octets long, got ${len}`, code, b, off, len);
}

const DESCRIPTORS: CapabilityDescriptor[] = [
  {
    code: 1,
    name: 'multiprotocol', // RFC 4760 §8
    decode(b, off, len) {
      fixedLength(1, 4, b, off, len, 'multiprotocol');
      return { type: 'multiprotocol', afi: u16(b, off), safi: b[off + 3] };
    },
    encode(c, w) {
      if (c.type !== 'multiprotocol') return;
      w.u16(c.afi).u8(0).u8(c.safi);
    },
  },
  {
    code: 2,
    name: 'route-refresh', // RFC 2918 §3
    decode(b, off, len) {
      fixedLength(2, 0, b, off, len, 'route-refresh');
      return { type: 'route-refresh' };
    },
    encode() {},
  },
  {
    code: 70,
    name: 'enhanced-route-refresh', // RFC 7313 §3
    decode(b, off, len) {
      fixedLength(70, 0, b, off, len, 'enhanced-route-refresh');
      return { type: 'enhanced-route-refresh' };
    },
    encode() {},
  },
  {
    code: 65,
    name: 'four-octet-asn', // RFC 6793 §3
    decode(b, off, len) {
      fixedLength(65, 4, b, off, len, 'four-octet-asn');
      return { type: 'four-octet-asn', asn: u32(b, off) };
    },
    encode(c, w) {
      if (c.type === 'four-octet-asn') w.u32(c.asn);
    },
  },
  {
    code: 64,
    name: 'graceful-restart', // RFC 4724 §3
    decode(b, off, len) {
      if (len < 2 || (len - 2) % 4 !== 0) throw capError(`graceful-restart capability length ${len} is not 2 + 4n`, 64, b, off, len);
      const word = u16(b, off);
      const families: Array<AfiSafi & { forwardingState: boolean }> = [];
      for (let p = off + 2; p < off + len; p += 4) {
        families.push({ afi: u16(b, p), safi: b[p + 2], forwardingState: (b[p + 3] & 0x80) !== 0 });
      }
      return {
        type: 'graceful-restart',
        restartState: (word & 0x8000) !== 0,
        notification: (word & 0x4000) !== 0, // RFC 8538 N bit
        restartTime: word & 0x0fff,
        families,
      };
    },
    encode(c, w) {
      if (c.type !== 'graceful-restart') return;
      w.u16((c.restartState ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | (c.restartTime & 0x0fff));
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.forwardingState ? 0x80 : 0);
    },
  },
  {
    code: 69,
    name: 'add-path', // RFC 7911 §4
    decode(b, off, len) {
      if (len === 0 || len % 4 !== 0) throw capError(`add-path capability length ${len} is not a multiple of 4`, 69, b, off, len);
      const families: Array<AfiSafi & { mode: AddPathMode }> = [];
      for (let p = off; p < off + len; p += 4) {
        const mode = b[p + 3];
        if (mode < 1 || mode > 3) throw capError(`add-path send/receive value ${mode} is not 1, 2 or 3`, 69, b, off, len);
        families.push({ afi: u16(b, p), safi: b[p + 2], mode: mode as AddPathMode });
      }
      return { type: 'add-path', families };
    },
    encode(c, w) {
      if (c.type !== 'add-path') return;
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.mode);
    },
  },
  {
    code: 6,
    name: 'extended-message', // RFC 8654 §3
    decode(b, off, len) {
      fixedLength(6, 0, b, off, len, 'extended-message');
      return { type: 'extended-message' };
    },
    encode() {},
  },
];

const BY_CODE = new Map<number, CapabilityDescriptor>(DESCRIPTORS.map((d) => [d.code, d]));
const BY_NAME = new Map<string, CapabilityDescriptor>(DESCRIPTORS.map((d) => [d.name, d]));

export function decodeCapability(code: number, b: Uint8Array, off: number, len: number): Capability {
  const d = BY_CODE.get(code);
  if (!d) return { type: 'unknown', code, value: b.slice(off, off + len) };
  return d.decode(b, off, len);
}

/** Writes code, length and value. */
export function encodeCapability(c: Capability, w: ByteWriter): void {
  if (c.type === 'unknown') {
    w.u8(c.code).u8(c.value.length).bytes(c.value);
    return;
  }
  const d = BY_NAME.get(c.type)!;
  const inner = new ByteWriter(32);
  d.encode(c, inner);
  w.u8(d.code).u8(inner.len).bytes(inner.buf.subarray(0, inner.len));
}

export interface CapabilitySummary {
  families: AfiSafi[];
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  fourOctetAsn?: number;
  gracefulRestart?: Extract<Capability, { type: 'graceful-restart' }>;
  addPath: Array<AfiSafi & { mode: AddPathMode }>;
  extendedMessage: boolean;
  unknown: number[];
}

export function summarizeCapabilities(caps: Capability[]): CapabilitySummary {
  const s: CapabilitySummary = { families: [], routeRefresh: false, enhancedRouteRefresh: false, addPath: [], extendedMessage: false, unknown: [] };
  for (const c of caps) {
    switch (c.type) {
      case 'multiprotocol':
        s.families.push({ afi: c.afi, safi: c.safi });
        break;
      case 'route-refresh':
        s.routeRefresh = true;
        break;
      case 'enhanced-route-refresh':
        s.enhancedRouteRefresh = true;
        break;
      case 'four-octet-asn':
        s.fourOctetAsn = c.asn;
        break;
      case 'graceful-restart':
        s.gracefulRestart = c;
        break;
      case 'add-path':
        s.addPath.push(...c.families);
        break;
      case 'extended-message':
        s.extendedMessage = true;
        break;
      case 'unknown':
        s.unknown.push(c.code);
        break;
    }
  }
  return s;
}
