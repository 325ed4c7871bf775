/**
 * Kubernetes resource quantities, in the style of upstream
 * `k8s.io/apimachinery/pkg/api/resource/quantity.go`: parsing of `128Mi`, `500m`, `1.5`, `2e3`,
 * exact arithmetic (a `bigint` scaled by a power of ten, rounded up to nano units like upstream),
 * the canonical string form upstream serializes (`1.5` -> `1500m`, `1024Mi` -> `1Gi`), comparison
 * and `value()`/`milliValue()`.
 */

/** QUANTITY_REGEXP_STRING is upstream's `splitREString`, quoted in the parse error. */
export const QUANTITY_REGEXP_STRING = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Upstream parse error messages. */
export const QUANTITY_ERRORS = {
  formatWrong: `quantities must match the regular expression '${QUANTITY_REGEXP_STRING}'`,
  numeric: 'unable to parse numeric part of quantity',
  suffix: "unable to parse quantity's suffix",
} as const;

/** QuantityFormat is how a quantity is rendered: decimal SI (`1k`), binary SI (`1Ki`) or decimal exponent (`1e3`). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** QuantityParseError is thrown for strings that are not quantities; the message is upstream's. */
export class QuantityParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityParseError';
  }
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_BY_EXP = new Map(Object.entries(DECIMAL_SUFFIXES).map(([k, v]) => [v, k]));
const BINARY_SUFFIX_BY_EXP = new Map(Object.entries(BINARY_SUFFIXES).map(([k, v]) => [v, k]));

const NANO_SCALE = -9;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** Divide rounding away from zero (upstream rounds quantities "up"). */
function divAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b;
  if (q * b === a) return q;
  return a < 0n !== b < 0n ? q - 1n : q + 1n;
}

interface Interpreted {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(s: string): Interpreted | undefined {
  if (Object.hasOwn(DECIMAL_SUFFIXES, s)) return { base: 10, exponent: DECIMAL_SUFFIXES[s]!, format: 'DecimalSI' };
  if (Object.hasOwn(BINARY_SUFFIXES, s)) return { base: 2, exponent: BINARY_SUFFIXES[s]!, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    if (!/^[eE][+-]?[0-9]+$/.test(s)) return undefined;
    const n = Number.parseInt(s.slice(1), 10);
    if (!Number.isFinite(n) || Math.abs(n) > 2 ** 31) return undefined;
    return { base: 10, exponent: n, format: 'DecimalExponent' };
  }
  return undefined;
}

const DIGIT = /[0-9]/;

/** Split like upstream parseQuantityString. */
function splitQuantity(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && DIGIT.test(str[i]!)) i++;
  let num = str.slice(pos, i);
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && DIGIT.test(str[i]!)) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  while (pos < end && 'eEinumkKMGTP'.includes(str[pos]!)) pos++;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && DIGIT.test(str[pos]!)) pos++;
  if (pos < end) throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/**
 * Quantity is an exact fixed-point number `unscaled * 10^scale` (scale >= -9) with a preferred
 * format (upstream `resource.Quantity`). Instances are immutable.
 */
export class Quantity {
  /** The value is `unscaled * 10^scale`. */
  readonly unscaled: bigint;
  readonly scale: number;
  /** The preferred rendering. */
  readonly format: QuantityFormat;
  /** The original string, kept when upstream would keep it (already canonical). */
  private readonly cached: string | undefined;

  constructor(unscaled: bigint, scale: number, format: QuantityFormat, cached?: string) {
    if (scale < NANO_SCALE) {
      unscaled = divAwayFromZero(unscaled, pow10(NANO_SCALE - scale));
      scale = NANO_SCALE;
    }
    this.unscaled = unscaled;
    this.scale = scale;
    this.format = format;
    this.cached = cached;
  }

  /** isZero is true for any zero value. */
  isZero(): boolean {
    return this.unscaled === 0n;
  }

  /** sign is -1, 0 or 1. */
  sign(): -1 | 0 | 1 {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** scaledValue returns ceil-away-from-zero of value / 10^scale (upstream ScaledValue). */
  scaledValue(scale: number): bigint {
    const shift = this.scale - scale;
    return shift >= 0 ? this.unscaled * pow10(shift) : divAwayFromZero(this.unscaled, pow10(-shift));
  }

  /** value returns the integer value rounded away from zero, as a number (upstream Value). */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** milliValue returns value*1000 rounded away from zero, as a number (upstream MilliValue). */
  milliValue(): number {
    return Number(this.scaledValue(-3));
  }

  /** asApproximateFloat64 returns the value as a float. */
  asApproximateFloat64(): number {
    return Number(this.unscaled) * 10 ** this.scale;
  }

  /** cmp returns -1, 0 or 1 comparing this with `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    const s = Math.min(this.scale, other.scale);
    const a = this.unscaled * pow10(this.scale - s);
    const b = other.unscaled * pow10(other.scale - s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** equal compares values (not formats). */
  equal(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** add returns this + other, in this quantity's format (or other's if this is zero), like upstream Add. */
  add(other: Quantity): Quantity {
    const s = Math.min(this.scale, other.scale);
    const v = this.unscaled * pow10(this.scale - s) + other.unscaled * pow10(other.scale - s);
    return new Quantity(v, s, this.isZero() ? other.format : this.format);
  }

  /** sub returns this - other (format as {@link add}). */
  sub(other: Quantity): Quantity {
    return this.add(other.neg());
  }

  /** neg returns -this. */
  neg(): Quantity {
    return new Quantity(-this.unscaled, this.scale, this.format);
  }

  /** toString returns upstream's canonical form (`1500m`, `1Gi`, `2k`, `1e3`, `0`). */
  toString(): string {
    return this.cached ?? canonicalize(this);
  }

  /** toJSON serializes as the canonical string, as upstream MarshalJSON does. */
  toJSON(): string {
    return this.toString();
  }
}

function removeFactors(v: bigint, f: bigint): { v: bigint; times: number } {
  let times = 0;
  if (v === 0n) return { v, times };
  while (v % f === 0n) {
    v /= f;
    times++;
  }
  return { v, times };
}

function canonicalize(q: Quantity): string {
  if (q.isZero()) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const int = q.scale >= 0 ? q.unscaled * pow10(q.scale) : undefined;
    const exact = q.scale >= 0 || q.unscaled % pow10(-q.scale) === 0n;
    const intValue = int ?? (exact ? q.unscaled / pow10(-q.scale) : undefined);
    if (intValue === undefined || (intValue > -1024n && intValue < 1024n)) {
      format = 'DecimalSI';
    } else {
      const { v, times } = removeFactors(intValue, 1024n);
      const suffix = BINARY_SUFFIX_BY_EXP.get(times * 10);
      if (suffix !== undefined) return `${v}${suffix}`;
      format = 'DecimalSI';
    }
  }
  let { v: mantissa, times } = removeFactors(q.unscaled, 10n);
  let exponent = q.scale + times;
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  const suffix = DECIMAL_SUFFIX_BY_EXP.get(exponent);
  return suffix !== undefined ? `${mantissa}${suffix}` : `${mantissa}e${exponent}`;
}

/**
 * parseQuantity parses a quantity string (upstream ParseQuantity). Values are rounded up to
 * nano units, binary values capped at 2^63-1. Throws {@link QuantityParseError} with upstream's
 * message (`quantities must match the regular expression '...'`).
 */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
  const { positive, num, denom, suffix } = splitQuantity(str);
  const it = interpretSuffix(suffix);
  if (!it) throw new QuantityParseError(QUANTITY_ERRORS.suffix);
  let format = it.format;
  const digits = BigInt(num + denom);
  let unscaled: bigint;
  let scale: number;
  if (it.base === 10) {
    unscaled = digits;
    scale = it.exponent - denom.length;
  } else {
    unscaled = digits * (1n << BigInt(it.exponent));
    scale = -denom.length;
  }
  if (!positive) unscaled = -unscaled;
  // Upstream keeps the original string when it is already canonical (fast path).
  let cached: string | undefined;
  const shifted = num + denom;
  if (format === 'BinarySI') {
    const precision = 15 - num.length - Math.trunc((it.exponent * 3) / 10) - 1;
    if (precision >= 0 && denom.length === 0 && (BigInt(num) & 7n) !== 0n && abs(unscaled) <= MAX_INT64) cached = str;
  } else {
    const precision = 18 - (num.length + denom.length);
    if (precision >= 0 && scale >= NANO_SCALE && scale % 3 === 0 && !shifted.endsWith('000') && shifted[0] !== '0' && unscaled <= MAX_INT64 && unscaled >= MIN_INT64) {
      cached = str;
    }
  }
  let q = new Quantity(unscaled, scale, format);
  if (format === 'BinarySI') {
    if (abs(q.scaledValue(0)) > MAX_INT64 && q.cmp(new Quantity(MAX_INT64, 0, format)) !== 0) {
      q = new Quantity(q.sign() < 0 ? -MAX_INT64 : MAX_INT64, 0, format);
      cached = undefined;
    }
    if (!q.isZero() && abs(q.unscaled) < pow10(Math.max(0, -q.scale))) format = 'DecimalSI';
  }
  return new Quantity(q.unscaled, q.scale, format, cached);
}

/** mustParse is {@link parseQuantity} for constants known to be valid. */
export function mustParse(str: string): Quantity {
  return parseQuantity(str);
}

/** quantityFromJSON accepts a JSON quantity: a string, or a number as upstream UnmarshalJSON does. */
export function quantityFromJSON(value: unknown): Quantity {
  if (typeof value === 'number') return parseQuantity(String(value));
  if (typeof value === 'string') return parseQuantity(value.trim());
  throw new QuantityParseError(QUANTITY_ERRORS.formatWrong);
}

/** isValidQuantity is true when {@link parseQuantity} accepts the string. */
export function isValidQuantity(str: string): boolean {
  try {
    parseQuantity(str);
    return true;
  } catch {
    return false;
  }
}

/** newQuantity returns an integer quantity (upstream NewQuantity). */
export function newQuantity(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return new Quantity(BigInt(value), 0, format);
}

/** newMilliQuantity returns value/1000 (upstream NewMilliQuantity). */
export function newMilliQuantity(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return new Quantity(BigInt(milli), -3, format);
}

/** newScaledQuantity returns value * 10^scale (upstream NewScaledQuantity), DecimalSI. */
export function newScaledQuantity(value: number | bigint, scale: number): Quantity {
  return new Quantity(BigInt(value), scale, 'DecimalSI');
}
