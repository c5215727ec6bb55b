/**
 * Installing and withdrawing templates in a domain. A template resent with the same layout keeps
 * its compiled reader and only refreshes its timestamp.
 */
import { compileTemplate, sameLayout } from '../template.ts';
import type { TemplateField } from '../template.ts';
import type { DomainState } from '../exporter-state.ts';
import type { DecodeContext } from '../sink.ts';

/**
 * Fast path for the common case, a template resent unchanged: its wire bytes [start, end) equal
 * the stored copy, so only the timestamp is refreshed, without parsing or allocating.
 */
export function refreshIfSame(d: DomainState, id: number, options: boolean, buf: Buffer, start: number, end: number, c: DecodeContext): boolean {
  const e = d.templates.get(id);
  if (!e || e.template.options !== options || e.raw.length !== end - start) return false;
  if (buf.compare(e.raw, 0, e.raw.length, start, end) !== 0) return false;
  e.seenMs = c.now;
  return true;
}

export function installTemplate(
  d: DomainState,
  id: number,
  fields: TemplateField[],
  scopeCount: number,
  options: boolean,
  c: DecodeContext,
  raw: Buffer,
): void {
  const e = d.templates.get(id);
  if (e && e.template.options === options && sameLayout(e.template, fields, scopeCount)) {
    e.seenMs = c.now;
    e.raw = Buffer.from(raw);
    return;
  }
  d.templates.set(id, { template: compileTemplate(id, fields, scopeCount, options), seenMs: c.now, raw: Buffer.from(raw) });
  c.state.counters.templates++;
}

/** RFC 7011 §8.1: template id 2 (set 2) or 3 (set 3) with no fields withdraws all of that kind. */
export function withdrawTemplate(d: DomainState, id: number, setId: number, c: DecodeContext): void {
  c.state.counters.templateWithdrawals++;
  if (id === setId) {
    const options = setId === 3;
    for (const [tid, e] of d.templates) if (e.template.options === options) d.templates.delete(tid);
    return;
  }
  d.templates.delete(id);
}
