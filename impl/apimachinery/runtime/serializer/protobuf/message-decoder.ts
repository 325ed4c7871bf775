/**
 * decodeMessage turns one protobuf message of a Kubernetes type into the JSON object a JSON client
 * would have sent, walking the generated message table (`generated/protobuf/kubernetes.ts`).
 *
 * Mapping rules (what Go's `MarshalJSON` would have written for the decoded Go struct):
 * - fields take their JSON names; embedded Go structs (`'i'` fields) are flattened into the parent;
 * - the special messages of well-known-types.ts become strings, numbers or embedded JSON;
 * - messages that stand for a Go slice (`ExtraValue`, `Verbs`) become plain arrays;
 * - maps become objects, repeated fields arrays, bytes base64 strings, 64-bit integers numbers;
 * - gogo's marshaller writes every non-pointer field, even at its zero value, where JSON's
 *   `omitempty` drops it. Fields the generator labels `'z'` (non-pointer, not required) are
 *   dropped at their zero value (`''`, `0`, `false`, empty bytes, the zero IntOrString), and so is
 *   the zero Time everywhere. Pointer fields are only on the wire when set, so `replicas: 0` or
 *   `storageClassName: ""` survive. (Dropping the zero IntOrString matters: a Go client's unset
 *   `ServicePort.targetPort` must reach the Service defaulting as absent, not as port 0.)
 *
 * upstream: k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go hands the bytes to
 * the typed object's generated `Unmarshal`; there is no typed object here, so the table stands in.
 */
import { protoArrayWrappers, protoMessages, type ProtoField, type ProtoScalar } from '#generated/protobuf/kubernetes.ts';
import { ProtobufDecodeError, WireReader, WireType } from './wire-reader.ts';
import { RAW_BYTES_MESSAGES, SPECIAL_MESSAGES, wellKnownToJson } from './well-known-types.ts';

/** MAX_DEPTH bounds nesting (RawExtension may embed another envelope) so hostile input cannot overflow the stack. */
const MAX_DEPTH = 100;

const fieldIndex = new Map<string, ReadonlyMap<number, ProtoField>>();

/** fieldsOf returns a message's fields by number, or undefined for a message the table lacks. */
export function fieldsOf(message: string): ReadonlyMap<number, ProtoField> | undefined {
  let idx = fieldIndex.get(message);
  if (idx) return idx;
  const fields = protoMessages[message];
  if (!fields) return undefined;
  idx = new Map(fields.map((f) => [f[0], f]));
  fieldIndex.set(message, idx);
  return idx;
}

/** DecodeContext carries what nested decoding needs: the JSON parser for raw fields and the depth. */
export interface DecodeContext {
  /** rawJson parses the bytes of a RawExtension/FieldsV1 (JSON, or a nested protobuf envelope). */
  rawJson: (bytes: Uint8Array, depth: number) => unknown;
  depth: number;
}

const utf8 = new TextDecoder('utf-8');

const VARINT_KINDS = new Set<string>(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool', 'enum']);
const FIXED64_KINDS = new Set<string>(['fixed64', 'sfixed64', 'double']);
const FIXED32_KINDS = new Set<string>(['fixed32', 'sfixed32', 'float']);

function expectedWireType(type: string): number {
  if (VARINT_KINDS.has(type)) return WireType.varint;
  if (FIXED64_KINDS.has(type)) return WireType.fixed64;
  if (FIXED32_KINDS.has(type)) return WireType.fixed32;
  return WireType.lengthDelimited; // string, bytes, messages
}

/** readVarintScalar reads one varint-encoded value of the given kind. */
function readVarintScalar(r: WireReader, kind: string): number | boolean {
  const n = r.varintNumber();
  if (n !== undefined) {
    switch (kind) {
      case 'bool':
        return n !== 0;
      case 'sint32':
      case 'sint64':
        return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
      case 'int32':
      case 'enum':
        return n > 0x7fffffff ? Number(BigInt.asIntN(32, BigInt(n))) : n;
      case 'uint32':
        return n > 0xffffffff ? Number(BigInt.asUintN(32, BigInt(n))) : n;
      default:
        return n; // int64, uint64: a 7-byte varint is below 2^49, exact
    }
  }
  const v = r.varint64();
  switch (kind) {
    case 'bool':
      return v !== 0n;
    case 'sint32':
    case 'sint64': {
      const z = (v >> 1n) ^ -(v & 1n);
      return Number(BigInt.asIntN(64, z));
    }
    case 'int32':
    case 'enum':
      return Number(BigInt.asIntN(32, v));
    case 'uint32':
      return Number(BigInt.asUintN(32, v));
    case 'uint64':
      return Number(v);
    default:
      return Number(BigInt.asIntN(64, v)); // int64
  }
}

function readFixedScalar(r: WireReader, kind: string): number {
  switch (kind) {
    case 'fixed64':
      return Number(r.fixed64());
    case 'sfixed64':
      return Number(BigInt.asIntN(64, r.fixed64()));
    case 'double':
      return r.float64();
    case 'fixed32':
      return r.fixed32();
    case 'sfixed32':
      return r.fixed32() | 0;
    default:
      return r.float32();
  }
}

function isScalar(type: string): type is ProtoScalar {
  return !type.includes('.');
}

/**
 * readValue reads one value of `type` whose tag was just read with `wireType`. Bytes stay raw
 * (Uint8Array) when `rawBytes`; otherwise they become base64.
 */
function readValue(r: WireReader, type: string, wireType: number, field: string, ctx: DecodeContext, rawBytes: boolean): unknown {
  const want = expectedWireType(type);
  if (wireType !== want) throw new ProtobufDecodeError(`wrong wireType = ${wireType} for field ${field}`);
  if (want === WireType.varint) return readVarintScalar(r, type);
  if (want !== WireType.lengthDelimited) return readFixedScalar(r, type);
  const { start, end } = r.delimited();
  if (type === 'string') return utf8.decode(r.buf.subarray(start, end));
  if (type === 'bytes') {
    const bytes = r.buf.subarray(start, end);
    return rawBytes ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }
  return decodeMessage(r.buf, start, end, type, { ...ctx, depth: ctx.depth + 1 });
}

/** readRepeatedScalar reads a repeated scalar: a packed (length-delimited) run or one unpacked value. */
function readRepeatedScalar(r: WireReader, type: string, wireType: number, field: string, ctx: DecodeContext, out: unknown[]): void {
  const want = expectedWireType(type);
  if (wireType === WireType.lengthDelimited && want !== WireType.lengthDelimited) {
    const { start, end } = r.delimited();
    const packed = new WireReader(r.buf, start, end);
    while (!packed.done()) out.push(readValue(packed, type, want, field, ctx, false));
    return;
  }
  out.push(readValue(r, type, wireType, field, ctx, false));
}

/** readMapEntry reads one `{key = 1, value = 2}` entry of a map field. */
function readMapEntry(r: WireReader, keyType: string, valueType: string, field: string, ctx: DecodeContext): [string, unknown] {
  const { start, end } = r.delimited();
  const entry = new WireReader(r.buf, start, end);
  let key: unknown;
  let value: unknown;
  while (!entry.done()) {
    const { field: n, wireType } = entry.tag();
    if (n === 1) key = readValue(entry, keyType, wireType, `${field}.key`, ctx, false);
    else if (n === 2) value = readValue(entry, valueType, wireType, `${field}.value`, ctx, false);
    else entry.skip(wireType, n);
  }
  if (value === undefined) {
    // A missing value is the type's zero value.
    if (valueType === 'string' || valueType === 'bytes') value = '';
    else if (valueType === 'bool') value = false;
    else if (isScalar(valueType)) value = 0;
    else value = decodeMessage(r.buf, start, start, valueType, { ...ctx, depth: ctx.depth + 1 });
  }
  return [key === undefined ? '' : String(key), value];
}

/**
 * decodeMessage decodes the message `type` in `buf[start, end)` into its JSON value (an object for
 * ordinary messages; a string, number, array or embedded JSON for the special ones, `undefined`
 * for the zero Time). Unknown field numbers are skipped, as gogo's Unmarshal does.
 */
export function decodeMessage(buf: Uint8Array, start: number, end: number, type: string, ctx: DecodeContext): unknown {
  if (ctx.depth > MAX_DEPTH) throw new ProtobufDecodeError(`message nesting deeper than ${MAX_DEPTH}`);
  const fields = fieldsOf(type);
  if (!fields) throw new ProtobufDecodeError(`no protobuf schema for ${type}`);
  const rawBytes = RAW_BYTES_MESSAGES.has(type);
  const out: Record<string, unknown> = {};
  const r = new WireReader(buf, start, end);
  while (!r.done()) {
    const { field: number, wireType } = r.tag();
    const f = fields.get(number);
    if (!f) {
      r.skip(wireType, number);
      continue;
    }
    const json = f[1];
    const label = f[3];
    if (f.length === 5) {
      const [key, value] = readMapEntry(r, f[2], f[4], json, ctx);
      const map = (out[json] ??= {}) as Record<string, unknown>;
      map[key] = value;
    } else if (label === 'r') {
      const list = (out[json] ??= []) as unknown[];
      if (isScalar(f[2])) readRepeatedScalar(r, f[2], wireType, json, ctx, list);
      else list.push(readValue(r, f[2], wireType, json, ctx, false));
    } else if (label === 'i') {
      // An embedded Go struct: JSON flattens its fields into this object.
      const inner = readValue(r, f[2], wireType, json, ctx, false);
      if (inner && typeof inner === 'object') Object.assign(out, inner);
    } else {
      const value = readValue(r, f[2], wireType, json, ctx, rawBytes);
      if (value === undefined || (label === 'z' && (value === '' || value === 0 || value === false))) delete out[json];
      else out[json] = value;
    }
  }
  if (SPECIAL_MESSAGES.has(type)) return wellKnownToJson(type, out, (bytes) => ctx.rawJson(bytes, ctx.depth + 1));
  if (protoArrayWrappers.has(type)) return (out.items as unknown[] | undefined) ?? [];
  return out;
}
