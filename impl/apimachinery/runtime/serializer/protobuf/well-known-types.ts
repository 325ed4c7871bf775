/**
 * The Kubernetes types whose protobuf form differs from their JSON form, and the conversions
 * between them. Each Go type has a hand-written `MarshalJSON`; these functions produce what it
 * would write.
 *
 * upstream: k8s.io/apimachinery/pkg/apis/meta/v1/{time,micro_time,duration}.go (+ *_proto.go),
 * pkg/api/resource/quantity_proto.go, pkg/util/intstr/intstr.go, pkg/runtime/types_proto.go,
 * pkg/apis/meta/v1/types.go (FieldsV1, Verbs).
 */

/** TIME is `meta/v1.Time` {seconds=1, nanos=2}; JSON: RFC3339 in UTC, seconds precision. */
export const TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.Time';
/** MICRO_TIME is `meta/v1.MicroTime` {seconds=1, nanos=2}; JSON: RFC3339 with 6 fractional digits. */
export const MICRO_TIME = 'k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime';
/** DURATION is `meta/v1.Duration` {duration=1 (int64 ns)}; JSON: Go's `time.Duration.String()`. */
export const DURATION = 'k8s.io.apimachinery.pkg.apis.meta.v1.Duration';
/** FIELDS_V1 is `meta/v1.FieldsV1` {Raw=1}; JSON: the raw JSON document itself. */
export const FIELDS_V1 = 'k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1';
/** QUANTITY is `resource.Quantity` {string=1}; JSON: the string. */
export const QUANTITY = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
/** INT_OR_STRING is `intstr.IntOrString` {type=1, intVal=2, strVal=3}; JSON: a number or a string. */
export const INT_OR_STRING = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString';
/** RAW_EXTENSION is `runtime.RawExtension` {raw=1}; JSON: the embedded object. */
export const RAW_EXTENSION = 'k8s.io.apimachinery.pkg.runtime.RawExtension';

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * formatTime renders a Time as Go's `time.RFC3339` in UTC (`2024-05-01T10:00:00Z`), or undefined
 * for the zero time (a non-pointer Time that was never set; JSON writes it as null and we omit it).
 */
export function formatTime(seconds: number, nanos: number, micro: boolean): string | undefined {
  if (seconds === 0 && nanos === 0) return undefined;
  const d = new Date(seconds * 1000);
  if (Number.isNaN(d.getTime())) return undefined;
  const base = d.toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z`;
}

/** fmtFrac renders `v / 10^prec` digits after the point, trailing zeros dropped (Go's fmtFrac). */
function fmtFrac(v: number, prec: number): { rest: number; frac: string } {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const d = v % 10;
    print = print || d !== 0;
    if (print) digits = String(d) + digits;
    v = Math.floor(v / 10);
  }
  return { rest: v, frac: digits ? `.${digits}` : '' };
}

/**
 * formatDuration renders nanoseconds like Go's `time.Duration.String()`: `0s`, `1.5s`, `2m0s`,
 * `1h0m0s`, `300ms`, `1.5µs`, `-5s`.
 */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(ns);
  let out: string;
  if (u < 1e9) {
    if (u < 1e3) out = `${u}ns`;
    else if (u < 1e6) {
      const { rest, frac } = fmtFrac(u, 3);
      out = `${rest}${frac}µs`;
    } else {
      const { rest, frac } = fmtFrac(u, 6);
      out = `${rest}${frac}ms`;
    }
  } else {
    const { rest, frac } = fmtFrac(u, 9);
    u = rest;
    out = `${u % 60}${frac}s`;
    u = Math.floor(u / 60);
    if (u > 0) {
      out = `${u % 60}m${out}`;
      u = Math.floor(u / 60);
      if (u > 0) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/**
 * wellKnownToJson converts the generic decoding of a special message (its fields by JSON name,
 * bytes still raw) into its JSON value. `undefined` means "omit the field". Returns the
 * object unchanged for any other message.
 */
export function wellKnownToJson(message: string, fields: Record<string, unknown>, rawJson: (bytes: Uint8Array) => unknown): unknown {
  switch (message) {
    case TIME:
      return formatTime(num(fields.seconds), num(fields.nanos), false);
    case MICRO_TIME:
      return formatTime(num(fields.seconds), num(fields.nanos), true);
    case DURATION:
      return formatDuration(num(fields.duration));
    case QUANTITY:
      // A Quantity message without its string is Go's zero Quantity, which marshals as "0".
      return typeof fields.string === 'string' && fields.string !== '' ? fields.string : '0';
    case INT_OR_STRING:
      return num(fields.type) === 1 ? (typeof fields.strVal === 'string' ? fields.strVal : '') : num(fields.intVal);
    case RAW_EXTENSION:
    case FIELDS_V1: {
      const raw = fields.raw ?? fields.Raw;
      return raw instanceof Uint8Array && raw.length > 0 ? rawJson(raw) : undefined;
    }
    default:
      return fields;
  }
}

/** RAW_BYTES_MESSAGES are the special messages whose bytes field stays raw for {@link wellKnownToJson}. */
export const RAW_BYTES_MESSAGES: ReadonlySet<string> = new Set([RAW_EXTENSION, FIELDS_V1]);

/** SPECIAL_MESSAGES are all messages {@link wellKnownToJson} converts. */
export const SPECIAL_MESSAGES: ReadonlySet<string> = new Set([TIME, MICRO_TIME, DURATION, QUANTITY, INT_OR_STRING, RAW_EXTENSION, FIELDS_V1]);
