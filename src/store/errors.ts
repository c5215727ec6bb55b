import { defineErrors } from '../lib/index.ts';

export const storeErrors = defineErrors('store', {
  STORE_UNAVAILABLE: { kind: 'unavailable', description: 'The database could not be reached or refused the write; nothing was acknowledged. Retry later.' },
  STORE_MIGRATION_FAILED: { kind: 'internal', description: 'A schema migration failed at start; the server does not start on a half-migrated schema.' },
  JOURNAL_SYNC_FAILED: {
    kind: 'unavailable',
    description:
      'The fsync of the SQLite WAL failed: the write may or may not be on disk, and the journal refuses every write until the server is restarted (check the disk, then restart).',
  },
  JOURNAL_PAYLOAD_UNKNOWN_SHAPE: {
    kind: 'internal',
    description:
      'A journal row is stored in a compact payload shape this version does not know (written by a newer bandex): it is refused rather than misread. Run the version that wrote it.',
  },
  JOURNAL_CLOSED: { kind: 'unavailable', description: 'The journal is shutting down and accepts no new events.' },
});
