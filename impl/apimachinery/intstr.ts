/**
 * Int-or-string values (`maxSurge: 25%`, `targetPort: http`), in the style of upstream
 * `k8s.io/apimachinery/pkg/util/intstr`. On the wire an IntOrString is a JSON number or string,
 * so here it is simply `number | string`.
 */

/** IntOrString is the JSON form of upstream `intstr.IntOrString`. */
export type IntOrString = number | string;

/** goAtoi parses like Go's strconv.Atoi, throwing Go's message on failure. */
function goAtoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number.parseInt(s, 10);
  if (!Number.isSafeInteger(n)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** parseIntOrString returns a number if `val` is an integer string, else the string (upstream intstr.Parse). */
export function parseIntOrString(val: string): IntOrString {
  try {
    return goAtoi(val);
  } catch {
    return val;
  }
}

/** intValue returns the int, or the string parsed as an int (0 if it is not one), as upstream IntValue. */
export function intValue(v: IntOrString): number {
  if (typeof v === 'number') return v;
  try {
    return goAtoi(v);
  } catch {
    return 0;
  }
}

/** intOrStringToString renders either form as a string (upstream String). */
export function intOrStringToString(v: IntOrString): string {
  return typeof v === 'number' ? String(v) : v;
}

/** isPercent is true for a string ending in `%`. */
export function isPercent(v: IntOrString | undefined): boolean {
  return typeof v === 'string' && v.endsWith('%');
}

/** getIntOrPercentValue returns the int or the percentage number, and whether it was a percentage. */
export function getIntOrPercentValue(v: IntOrString): { value: number; isPercent: boolean } {
  if (typeof v === 'number') return { value: v, isPercent: false };
  if (typeof v !== 'string') throw new Error('invalid type: neither int nor percentage');
  if (!v.endsWith('%')) throw new Error('invalid type: string is not a percentage');
  try {
    return { value: goAtoi(v.slice(0, -1)), isPercent: true };
  } catch (e) {
    throw new Error(`invalid value ${JSON.stringify(v)}: ${(e as Error).message}`);
  }
}

/**
 * getScaledValueFromIntOrPercent returns an int as is, or a percentage of `total`, rounded up or
 * down (upstream GetScaledValueFromIntOrPercent, used by Deployment maxSurge/maxUnavailable).
 * Throws `invalid value for IntOrString: ...` for anything else.
 */
export function getScaledValueFromIntOrPercent(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) throw new Error('nil value for IntOrString');
  let r: { value: number; isPercent: boolean };
  try {
    r = getIntOrPercentValue(v);
  } catch (e) {
    throw new Error(`invalid value for IntOrString: ${(e as Error).message}`);
  }
  if (!r.isPercent) return r.value;
  const scaled = (r.value * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** valueOrDefault returns `v` if set, else `def` (upstream ValueOrDefault). */
export function valueOrDefault(v: IntOrString | undefined | null, def: IntOrString): IntOrString {
  return v ?? def;
}
