/**
 * One TCP connection to a peer: framing of the byte stream into messages (header checks of RFC 4271
 * §6.1), writes that report back-pressure, and an orderly close that lets a NOTIFICATION leave first.
 */
import type { Socket } from 'node:net';
import { BgpDecodeError } from './errors.ts';
import { MessageFramer } from './header.ts';

export interface ConnectionHandlers {
  /** Return false to stop delivering further messages of the current chunk. */
  onMessage(msg: Uint8Array, type: number): boolean | void;
  /** After a batch of messages from one read (cheap liveness tracking for the hold timer). */
  onBatch(): void;
  onHeaderError(e: BgpDecodeError): void;
  /** A fault of ours while handling a message: the session is reset, the process survives. */
  onInternalError(e: unknown): void;
  onClose(reason: string): void;
}

export class Connection {
  readonly framer = new MessageFramer();
  private closed = false;
  private handlers: ConnectionHandlers;

  constructor(
    readonly sock: Socket,
    readonly direction: 'in' | 'out',
    handlers: ConnectionHandlers,
  ) {
    this.handlers = handlers;
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e) => this.finish(`socket error: ${e.message}`));
    sock.on('close', () => this.finish('connection closed by peer'));
    sock.on('end', () => this.finish('connection closed by peer'));
  }

  setHandlers(h: ConnectionHandlers): void {
    this.handlers = h;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get remoteAddress(): string {
    return normalizeAddress(this.sock.remoteAddress ?? '');
  }

  get localAddress(): string {
    return normalizeAddress(this.sock.localAddress ?? '');
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let delivered = false;
    try {
      this.framer.push(chunk, (msg, type) => {
        delivered = true;
        if (this.closed) return false;
        return this.handlers.onMessage(msg, type);
      });
    } catch (e) {
      if (e instanceof BgpDecodeError) this.handlers.onHeaderError(e);
      else this.handlers.onInternalError(e);
      return;
    }
    if (delivered && !this.closed) this.handlers.onBatch();
  }

  /** False when the socket buffer is full: wait for `onDrain`. */
  write(msg: Uint8Array): boolean {
    if (this.closed || this.sock.destroyed) return false;
    return this.sock.write(msg);
  }

  get needsDrain(): boolean {
    return this.sock.writableNeedDrain;
  }

  onDrain(cb: () => void): void {
    this.sock.once('drain', cb);
  }

  cork(): void {
    this.sock.cork();
  }

  uncork(): void {
    this.sock.uncork();
  }

  /** Closes after pending writes (a NOTIFICATION) are flushed; forced after 2 s. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.removeAllListeners('data');
    this.sock.on('error', () => {});
    this.sock.end();
    const t = setTimeout(() => this.sock.destroy(), 2000);
    t.unref();
    this.sock.once('close', () => clearTimeout(t));
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.destroy();
    this.handlers.onClose(reason);
  }
}

/** "::ffff:127.0.0.1" → "127.0.0.1" so IPv4 peers match their configured address. */
export function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
