/**
 * The WAL syncer of SQLite's `pipelined` mode (see create-store.ts and the durability argument in
 * journal.ts): `fdatasync` of the database's `-wal` file on the libuv thread pool, so the event
 * loop never waits for the disk.
 *
 * The fd stays open across syncs. fdatasync flushes every dirty page of the INODE, whichever fd
 * wrote it, so SQLite's own writes (its own fd) are covered. SQLite restarts the WAL by
 * overwriting it from the start, or truncates it (`wal_checkpoint(TRUNCATE)`,
 * `journal_size_limit`): same inode, the fd stays valid. The file is deleted only when the last
 * connection closes, and a new one created on the next open: before each sync the path's inode is
 * compared with the fd's and the file reopened if it was replaced. After (re)opening, the
 * directory is fsynced once too, so the WAL's directory entry survives a power cut (SQLite's
 * unix VFS does the same on the first sync of a new file).
 */
import { type Stats, close, fdatasync, fstat, fsync, open, statSync } from 'node:fs';
import { dirname } from 'node:path';

export interface WalSync {
  /** Resolves after an fdatasync of the WAL that STARTED after this call; rejects if it failed. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

const call = <T>(fn: (cb: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));

export function createWalSync(databaseFile: string): WalSync {
  const path = `${databaseFile}-wal`;
  let fd: number | undefined;
  let ino = 0;
  let dirSynced = false;
  let closed = false;
  /** The sync running, if any: close() waits for it rather than pull the fd from under it. */
  let inflight: Promise<void> | undefined;

  async function reopen(): Promise<number> {
    if (fd !== undefined) {
      const old = fd;
      fd = undefined;
      await call<void>((cb) => close(old, (e) => cb(e, undefined)));
    }
    const f = await call<number>((cb) => open(path, 'r', cb));
    ino = (await call<Stats>((cb) => fstat(f, cb))).ino;
    fd = f;
    dirSynced = false;
    return f;
  }

  async function current(): Promise<number> {
    if (fd === undefined) return reopen();
    let now: number;
    try {
      now = statSync(path).ino; // microseconds, on the loop: the fsync is what goes to the pool
    } catch {
      now = -1; // gone: reopen() says why if it is still gone
    }
    return now === ino ? fd : reopen();
  }

  async function syncOnce(): Promise<void> {
    const f = await current();
    await call<void>((cb) => fdatasync(f, (e) => cb(e, undefined)));
    if (!dirSynced) {
      const d = await call<number>((cb) => open(dirname(path), 'r', cb));
      try {
        await call<void>((cb) => fsync(d, (e) => cb(e, undefined)));
      } finally {
        close(d, () => undefined);
      }
      dirSynced = true;
    }
  }

  return {
    sync() {
      if (closed) return Promise.reject(new Error('the WAL syncer is closed'));
      const p = syncOnce();
      const settled = p.then(
        () => undefined,
        () => undefined,
      );
      inflight = settled;
      void settled.then(() => {
        if (inflight === settled) inflight = undefined;
      });
      return p;
    },
    async close() {
      closed = true;
      await inflight;
      if (fd === undefined) return;
      const f = fd;
      fd = undefined;
      await call<void>((cb) => close(f, (e) => cb(e, undefined)));
    },
  };
}
