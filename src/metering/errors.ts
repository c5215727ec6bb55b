import { defineErrors } from '../lib/index.ts';

export const meteringErrors = defineErrors('metering', {
  METERING_BAD_RANGE: { kind: 'invalid', description: 'The time range is empty, reversed or longer than the limit; `field` names the bound at fault.' },
  METERING_BAD_STEP: { kind: 'invalid', description: 'The step is not a positive multiple of the configured bin length, or yields too many points.' },
  METERING_BAD_CONFIG: { kind: 'invalid', description: 'A metering or flow setting is out of range (bin length, listen address); `field` names it.' },
});
