/**
 * A private journal event's audience as stored in its row: `,m1,m2,` — so "may member m see it" is a
 * substring test for `,m,` (instr / strpos), with no side table and no second query on read.
 * `%` and `,` inside an id are percent-encoded (ids from the IdSource never have them).
 */
export const escapeMember = (m: string): string => (m.includes('%') || m.includes(',') ? m.replaceAll('%', '%25').replaceAll(',', '%2C') : m);
export function encodeAudience(members: readonly string[]): string {
  let s = ',';
  for (const m of members) s += escapeMember(m) + ',';
  return s;
}
export function decodeAudience(s: string | null): string[] {
  if (s === null || s.length <= 1) return [];
  return s
    .slice(1, -1)
    .split(',')
    .map((m) => (m.includes('%') ? m.replaceAll('%2C', ',').replaceAll('%25', '%') : m));
}
