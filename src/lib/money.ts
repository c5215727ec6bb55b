/**
 * Money is an integer count of micro-units (1e-6) of the currency, held as bigint: no floating
 * point anywhere money is computed. Over JSON it is a decimal string ("12.50"). Every rounding is
 * explicit and names its mode; the default for charges is half-even ("banker's") at the unit asked.
 */

export type Micros = bigint;

export const MICROS_PER_UNIT = 1_000_000n;

const DECIMAL = /^(-)?(0|[1-9]\d{0,17})(?:\.(\d{1,6}))?$/;

/** Parses "12.5", "-0.000001", "100" into micros; undefined when not a decimal with ≤ 6 places. */
export function parseMoney(s: string): Micros | undefined {
  const m = DECIMAL.exec(s);
  if (!m) return undefined;
  const units = BigInt(m[2]) * MICROS_PER_UNIT;
  const frac = m[3] ? BigInt(m[3].padEnd(6, '0')) : 0n;
  const v = units + frac;
  return m[1] ? -v : v;
}

/** Formats micros as a decimal string with at least `minDecimals` places (default 2), trimming zeros beyond. */
export function formatMoney(v: Micros, minDecimals = 2): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const units = a / MICROS_PER_UNIT;
  let frac = (a % MICROS_PER_UNIT).toString().padStart(6, '0');
  while (frac.length > minDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
  return `${neg ? '-' : ''}${units}${frac.length ? '.' + frac : ''}`;
}

export type Rounding = 'half-even' | 'half-up' | 'down' | 'up';

/** Integer division n/d with an explicit rounding mode (d > 0). */
export function divRound(n: bigint, d: bigint, mode: Rounding = 'half-even'): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const r = a % d;
  if (r !== 0n) {
    switch (mode) {
      case 'down':
        break;
      case 'up':
        q += 1n;
        break;
      case 'half-up':
        if (2n * r >= d) q += 1n;
        break;
      case 'half-even':
        if (2n * r > d || (2n * r === d && (q & 1n) === 1n)) q += 1n;
        break;
    }
  }
  return neg ? -q : q;
}

/** Rounds micros to a multiple of `step` micros (10_000n = cents) with the given mode. */
export function roundTo(v: Micros, step: Micros, mode: Rounding = 'half-even'): Micros {
  return divRound(v, step, mode) * step;
}

export const CENT: Micros = 10_000n;
