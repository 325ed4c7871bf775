/**
 * The Kubernetes protobuf serializer's decoding side: `application/vnd.kubernetes.protobuf`
 * bodies are the 4-byte magic `k8s\0` followed by a `runtime.Unknown` message
 * {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3, contentType=4}, whose `raw` is the
 * object's own message. {@link decodeProtobuf} returns the object as the JSON a JSON client would
 * have sent, with `apiVersion`/`kind` from the envelope, so everything after body decoding (type
 * checks, defaulting, validation) is shared with JSON.
 *
 * upstream: k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go (Serializer.Decode).
 */
import { protoKinds } from '#generated/protobuf/kubernetes.ts';
import { badRequest, unsupportedMediaType } from '../../../errors.ts';
import { decodeMessage, type DecodeContext } from './message-decoder.ts';
import { ProtobufDecodeError, WireReader, WireType } from './wire-reader.ts';

/** PROTOBUF_MEDIA_TYPE is the media type of Kubernetes protobuf bodies. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** PROTOBUF_MAGIC is the prefix of every Kubernetes protobuf body: `k8s\0`. */
export const PROTOBUF_MAGIC: Uint8Array = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Unknown is the decoded `runtime.Unknown` envelope. */
export interface Unknown {
  apiVersion: string;
  kind: string;
  /** raw is the `[start, end)` range of the object's message inside the body. */
  raw: { start: number; end: number };
  contentEncoding: string;
  contentType: string;
}

const utf8 = new TextDecoder('utf-8');

function hasMagic(data: Uint8Array, at = 0): boolean {
  if (data.length - at < PROTOBUF_MAGIC.length) return false;
  for (let i = 0; i < PROTOBUF_MAGIC.length; i++) if (data[at + i] !== PROTOBUF_MAGIC[i]) return false;
  return true;
}

function readString(r: WireReader, wireType: number, field: string): string {
  if (wireType !== WireType.lengthDelimited) throw new ProtobufDecodeError(`wrong wireType = ${wireType} for field ${field}`);
  const { start, end } = r.delimited();
  return utf8.decode(r.buf.subarray(start, end));
}

/**
 * decodeUnknown reads the envelope after the magic. Throws {@link ProtobufDecodeError} when the
 * magic is missing or the envelope is malformed.
 */
export function decodeUnknown(data: Uint8Array, offset = 0): Unknown {
  if (!hasMagic(data, offset)) {
    throw new ProtobufDecodeError(`provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`);
  }
  const out: Unknown = { apiVersion: '', kind: '', raw: { start: 0, end: 0 }, contentEncoding: '', contentType: '' };
  const r = new WireReader(data, offset + PROTOBUF_MAGIC.length);
  while (!r.done()) {
    const { field, wireType } = r.tag();
    switch (field) {
      case 1: {
        if (wireType !== WireType.lengthDelimited) throw new ProtobufDecodeError(`wrong wireType = ${wireType} for field typeMeta`);
        const { start, end } = r.delimited();
        const tm = new WireReader(data, start, end);
        while (!tm.done()) {
          const t = tm.tag();
          if (t.field === 1) out.apiVersion = readString(tm, t.wireType, 'apiVersion');
          else if (t.field === 2) out.kind = readString(tm, t.wireType, 'kind');
          else tm.skip(t.wireType, t.field);
        }
        break;
      }
      case 2:
        if (wireType !== WireType.lengthDelimited) throw new ProtobufDecodeError(`wrong wireType = ${wireType} for field raw`);
        out.raw = r.delimited();
        break;
      case 3:
        out.contentEncoding = readString(r, wireType, 'contentEncoding');
        break;
      case 4:
        out.contentType = readString(r, wireType, 'contentType');
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return out;
}

/** DecodeInto names the type the request URL expects (`apps/v1`, `Deployment`). */
export interface DecodeInto {
  apiVersion: string;
  kind: string;
}

/** supportsProtobuf tells whether the table can decode protobuf bodies of this type. */
export function supportsProtobuf(apiVersion: string, kind: string): boolean {
  return protoKinds[`${apiVersion} ${kind}`] !== undefined;
}

function messageFor(apiVersion: string, kind: string): string | undefined {
  // DeleteOptions is accepted in every group-version; its message lives in meta/v1.
  return protoKinds[`${apiVersion} ${kind}`] ?? (kind === 'DeleteOptions' ? protoKinds['v1 DeleteOptions'] : undefined);
}

function decodeObject(data: Uint8Array, offset: number, into: DecodeInto | undefined, depth: number): Record<string, unknown> {
  const env = decodeUnknown(data, offset);
  if (env.contentEncoding !== '') throw new ProtobufDecodeError(`unsupported content encoding ${JSON.stringify(env.contentEncoding)}`);
  const apiVersion = env.apiVersion || into?.apiVersion || '';
  const kind = env.kind || into?.kind || '';
  if (env.contentType !== '' && env.contentType !== PROTOBUF_MEDIA_TYPE) {
    if (env.contentType !== 'application/json') throw new ProtobufDecodeError(`unsupported content type ${JSON.stringify(env.contentType)} in the envelope`);
    const obj = rawJson(data.subarray(env.raw.start, env.raw.end), depth);
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new ProtobufDecodeError('the embedded JSON is not an object');
    return { apiVersion, kind, ...(obj as Record<string, unknown>) };
  }
  if (kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing in the protobuf envelope");
  const message = messageFor(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const ctx: DecodeContext = { rawJson, depth };
  const obj = decodeMessage(data, env.raw.start, env.raw.end, message, ctx) as Record<string, unknown>;
  return { apiVersion, kind, ...obj };
}

/**
 * rawJson parses the bytes of a RawExtension / FieldsV1: JSON, or (rarely) a nested protobuf
 * envelope when a Go client embedded a typed object.
 */
function rawJson(bytes: Uint8Array, depth: number): unknown {
  if (hasMagic(bytes)) return decodeObject(bytes, 0, undefined, depth + 1);
  const text = utf8.decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ProtobufDecodeError(`embedded raw object is not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * decodeProtobuf decodes a `application/vnd.kubernetes.protobuf` request body into the JSON object
 * a JSON client would have sent (apiVersion and kind from the envelope; the caller compares them
 * with the URL as it does for JSON).
 *
 * - `into` given and the table has no message for it (custom resources, kinds kubectl's schema
 *   lacks): 415 UnsupportedMediaType, as upstream answers for types without protobuf support;
 * - malformed input (bad magic, truncated, wrong wire types, unknown kind): 400 BadRequest.
 */
export function decodeProtobuf(data: Uint8Array, into?: DecodeInto): Record<string, unknown> {
  if (into && !messageFor(into.apiVersion, into.kind)) throw unsupportedMediaType(['application/json', 'application/yaml']);
  try {
    return decodeObject(data, 0, into, 0);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) {
      const what = into ? ` as ${into.kind}` : '';
      throw badRequest(`unable to decode protobuf body${what}: ${err.message}`);
    }
    throw err;
  }
}
