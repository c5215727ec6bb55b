import { defineErrors } from '../lib/index.ts';

/** Error codes of the quality domain (probes, statistics, classes, scheduler, imports). */
export const qualityErrors = defineErrors('quality', {
  QUALITY_BAD_MEASUREMENT: {
    kind: 'invalid',
    description: 'A measurement breaks a rule (provider, destination prefix, sent/received counts, RTT values, time); `field` names it.',
  },
  QUALITY_BAD_IMPORT: {
    kind: 'invalid',
    description: 'A third-party file (RIPE Atlas JSON or CSV) cannot be read; `field` names the record and column at fault.',
  },
  QUALITY_BAD_CONFIG: {
    kind: 'invalid',
    description: 'The `quality` configuration section breaks a rule (class boundaries not increasing, rates not positive, …).',
  },
  QUALITY_BAD_TARGET: {
    kind: 'invalid',
    description: 'A probe target is malformed (address, port, method or destination prefix); `field` names it.',
  },
  QUALITY_JOB_NOT_FOUND: {
    kind: 'not_found',
    description: 'The probe job reported on is unknown, already reported, or leased to another agent.',
  },
  QUALITY_PROBE_FAILED: {
    kind: 'unavailable',
    description: 'A prober could not run at all (fping/ping missing, socket error); the probe was counted as failed, not as loss.',
  },
  QUALITY_NOT_ALLOWED: {
    kind: 'forbidden',
    description: 'The caller may not post measurements for this provider, or may not post verified measurements.',
  },
});
