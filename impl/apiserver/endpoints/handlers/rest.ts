/**
 * Shared pieces of the REST handlers: the request bundle, body reading and decoding, query
 * parameters (dryRun, fieldValidation, fieldManager), type-meta and unknown-field checks.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go and the strict decoding
 * of handlers/create.go.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseYaml } from '#impl/apimachinery/util/yaml/index.ts';
import { badRequest, methodNotSupported, requestEntityTooLarge, StatusError } from '#impl/apimachinery/index.ts';
import type { ServedResource } from '../../api-registry.ts';
import type { RequestInfo } from '../../request-info.ts';
import type { KubeObject, RequestContext } from '../../registry/rest/strategy.ts';
import type { Store } from '../../registry/generic/store.ts';
import { contentTypeOf, negotiateInput } from '../../negotiation.ts';
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE, type DecodeInto } from '#impl/apimachinery/runtime/serializer/protobuf/index.ts';
import { applyDefaults, findDecodeProblems, type DecodeTypeError } from '../../schema/structural.ts';
import { findDuplicateFields } from '../duplicate-fields.ts';

/** MAX_REQUEST_BODY_BYTES is upstream's 3 MiB request limit. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** readBody reads a request body, 413 RequestEntityTooLarge past the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const len = Number(req.headers['content-length'] ?? '0');
  if (len > limit) {
    req.resume();
    throw requestEntityTooLarge(`limit is ${limit}`);
  }
  // Plain 'data'/'end' listeners: an async iterator costs a promise per chunk on every write request.
  if (req.readableEnded) return Buffer.alloc(0);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(requestEntityTooLarge(`limit is ${limit}`));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      reject(new Error('request body: connection closed before the body ended'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** RestRequest bundles what every verb handler needs. */
export interface RestRequest {
  req: IncomingMessage;
  res: ServerResponse;
  info: RequestInfo;
  query: URLSearchParams;
  served: ServedResource;
  ctx: RequestContext;
  now: () => Date;
}

export function dryRunOf(q: URLSearchParams): boolean {
  const vals = q.getAll('dryRun');
  for (const v of vals) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`);
  return vals.includes('All');
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v === '' ) return 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') throw badRequest(`fieldValidation parameter unsupported: ${v}`);
  return v;
}

/** defaultFieldManager derives the manager from the User-Agent like upstream (`kubectl-client-side-apply`, `kubectl`). */
export function fieldManagerOf(r: RestRequest): string {
  const fm = r.query.get('fieldManager');
  if (fm) {
    if (fm.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return fm;
  }
  const ua = String(r.req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0]!.slice(0, 128);
}

/**
 * decodeBody parses a JSON/YAML/Kubernetes-protobuf body, 400 on malformed input. Protobuf bodies
 * decode to the JSON object a JSON client would have sent; `into` is the type the URL expects
 * (415 when there is no protobuf schema for it).
 */
export function decodeBody(buf: Buffer, kind: 'json' | 'yaml' | 'protobuf', into?: DecodeInto): unknown {
  if (kind === 'protobuf') return decodeProtobuf(buf, into);
  const text = buf.toString('utf8');
  if (kind === 'yaml') {
    try {
      return parseYaml(text, { uniqueKeys: false });
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(describeJsonError(text, err));
  }
}

export function describeJsonError(text: string, err: unknown): string {
  if (text.trim() === '') return 'Object \'Kind\' is missing in \'\'';
  const msg = err instanceof Error ? err.message : String(err);
  return `couldn't get version/kind; json parse error: ${msg}`;
}

/** bodyKindOf is the decoder for a body whose type is not negotiated (DeleteOptions): protobuf or JSON. */
export function bodyKindOf(header: string | undefined): 'json' | 'protobuf' {
  return contentTypeOf(header) === PROTOBUF_MEDIA_TYPE ? 'protobuf' : 'json';
}

/** checkTypeMeta enforces that apiVersion/kind match the URL (upstream: the decoder defaults them from the URL and rejects others). */
export function checkTypeMeta(obj: unknown, apiVersion: string, kind: string): KubeObject {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badRequest(`the object provided is unrecognized (must be of type ${kind})`);
  const o = obj as KubeObject;
  if (o.kind !== undefined && o.kind !== '' && o.kind !== kind) {
    throw badRequest(`the object provided is unrecognized (must be of type ${kind}): ${o.kind} in version "${apiVersion}" cannot be handled as a ${kind}`);
  }
  if (o.apiVersion !== undefined && o.apiVersion !== '' && o.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${o.apiVersion}) does not match the expected API version (${apiVersion})`);
  }
  o.apiVersion = apiVersion;
  o.kind = kind;
  if (o.metadata === undefined || o.metadata === null) o.metadata = {};
  if (typeof o.metadata !== 'object' || Array.isArray(o.metadata)) throw badRequest('metadata: must be an object');
  return o;
}

/**
 * checkUnknownFields applies fieldValidation: Strict -> 400, Warn -> Warning headers, Ignore -> nothing.
 * With `onTypeError` (built-in kinds) the same walk also checks value types against the schema
 * and throws what `onTypeError` makes of the first mismatch, whatever the fieldValidation mode
 * (a type error is a decoding error, not a strict-decoding one).
 */
export function checkUnknownFields(
  r: RestRequest,
  obj: unknown,
  schema = r.served.schema,
  mode = fieldValidationOf(r.query),
  prune = false,
  duplicates: string[] = [],
  onTypeError?: (e: DecodeTypeError) => StatusError,
): void {
  const collectUnknown = mode !== 'Ignore' || prune;
  if (!schema || (!collectUnknown && !onTypeError)) return;
  const found = findDecodeProblems(obj, schema, { prune, checkTypes: onTypeError !== undefined, collectUnknown });
  if (found.typeError && onTypeError) throw onTypeError(found.typeError);
  const unknown = found.unknown;
  if ((unknown.length === 0 && duplicates.length === 0) || mode === 'Ignore') return;
  const problems = [...duplicates.map((p) => `duplicate field "${p}"`), ...unknown.map((p) => `unknown field "${p}"`)];
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  r.ctx.warnings.push(...problems);
}

/**
 * decodeTypeError is upstream's `transformDecodeError` for a body whose values do not fit the
 * kind's Go types: 400 `ConfigMap in version "v1" cannot be handled as a ConfigMap: json: ...`.
 */
export function decodeTypeError(apiVersion: string, kind: string): (e: DecodeTypeError) => StatusError {
  const version = apiVersion.slice(apiVersion.indexOf('/') + 1);
  return (e) => badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${e.message}`);
}

export function apiVersionOf(served: ServedResource): string {
  return served.entry.group === '' ? served.entry.version : `${served.entry.group}/${served.entry.version}`;
}

export function needStore(r: RestRequest): Store {
  if (!r.served.store) throw methodNotSupported({ group: r.served.entry.group, resource: r.served.entry.resource }, r.info.verb);
  return r.served.store;
}

export function checkVerb(r: RestRequest, verb: string, verbs: readonly string[] = r.served.entry.verbs): void {
  if (!verbs.includes(verb)) throw methodNotSupported({ group: r.served.entry.group, resource: r.served.entry.resource }, verb);
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

/** pageNotFound is upstream's 404 for an unknown path. */
export function pageNotFound(): StatusError {
  return new StatusError({ reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

export async function decodeForWrite(r: RestRequest, kindOverride?: { apiVersion: string; kind: string; schema?: ServedResource['schema'] }): Promise<KubeObject> {
  const bodyKind = negotiateInput(r.info.verb, r.req.headers['content-type']);
  const buf = await readBody(r.req);
  const into = { apiVersion: kindOverride?.apiVersion ?? apiVersionOf(r.served), kind: kindOverride?.kind ?? r.served.entry.kind };
  const raw = decodeBody(buf, bodyKind === 'yaml' || bodyKind === 'protobuf' ? bodyKind : 'json', into);
  const obj = checkTypeMeta(raw, into.apiVersion, into.kind);
  const schema = kindOverride ? kindOverride.schema : r.served.schema;
  const mode = fieldValidationOf(r.query);
  const duplicates = mode !== 'Ignore' && bodyKind === 'json' ? findDuplicateFields(buf.toString('utf8')) : [];
  // Unknown fields never reach storage: built-in kinds drop them like upstream's typed decoding,
  // custom resources are pruned by their structural schema. Subresource bodies (Binding,
  // TokenRequest, Scale, status) are only checked: their schema is not always the body's own.
  // A subresource without a schema of its own (serviceaccounts/token) is not checked: passing
  // `undefined` would fall back to the parent's schema and flag TokenRequest's spec as unknown.
  // Built-in kinds also get their value types checked in the same walk (Go's typed decoding).
  const onTypeError = r.served.custom ? undefined : decodeTypeError(into.apiVersion, into.kind);
  if (schema || !kindOverride) checkUnknownFields(r, obj, schema, mode, !kindOverride, duplicates, onTypeError);
  // Built-in kinds get the OpenAPI `default` values (custom resources default in admitCustom).
  if (!r.served.custom) applyDefaults(obj, schema);
  if (!kindOverride) r.served.setDefaults?.(obj);
  return obj;
}
