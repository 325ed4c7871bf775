/**
 * The generic REST handlers: one function per verb, turning an HTTP request on a served
 * resource into Store calls and the result into JSON, Table or PartialObjectMetadata.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/{get,create,update,patch,delete,watch,response}.go.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import YAML from 'yaml';
import {
  badRequest,
  fieldLabelNotSupported,
  methodNotSupported,
  notFound,
  requestEntityTooLarge,
  StatusError,
} from '#impl/apimachinery/index.ts';
import { parse as parseLabelSelector } from '#impl/apimachinery/labels/selector.ts';
import { parse as parseFieldSelector } from '#impl/apimachinery/fields/selector.ts';
import type { ServedResource, SubresourceHandler } from '../api-registry.ts';
import type { RequestInfo } from '../request-info.ts';
import type { DeleteOptionsLike, KubeObject, RequestContext } from '../registry/rest/strategy.ts';
import type { ListRequest, Store } from '../registry/generic/store.ts';
import { negotiateInput, negotiateOutput, type OutputKind } from '../negotiation.ts';
import { applyDefaults, findUnknownFields } from '../schema/structural.ts';
import type { TablePrinter } from '../printers/printers.ts';
import { applyPatch, type PatchKind } from './patch.ts';
import { findDuplicateFields } from './duplicate-fields.ts';
import { writeJson, writeStatus } from './responses.ts';

/** MAX_REQUEST_BODY_BYTES is upstream's 3 MiB request limit. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

/** readBody reads a request body, 413 RequestEntityTooLarge past the limit. */
export async function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const len = Number(req.headers['content-length'] ?? '0');
  if (len > limit) {
    req.resume();
    throw requestEntityTooLarge(`limit is ${limit}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) {
      req.resume();
      throw requestEntityTooLarge(`limit is ${limit}`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
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

function dryRunOf(q: URLSearchParams): boolean {
  const vals = q.getAll('dryRun');
  for (const v of vals) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`);
  return vals.includes('All');
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

function fieldValidationOf(q: URLSearchParams): FieldValidation {
  const v = q.get('fieldValidation') ?? 'Warn';
  if (v === '' ) return 'Warn';
  if (v !== 'Strict' && v !== 'Warn' && v !== 'Ignore') throw badRequest(`fieldValidation parameter unsupported: ${v}`);
  return v;
}

/** defaultFieldManager derives the manager from the User-Agent like upstream (`kubectl-client-side-apply`, `kubectl`). */
function fieldManagerOf(r: RestRequest): string {
  const fm = r.query.get('fieldManager');
  if (fm) {
    if (fm.length > 128) throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return fm;
  }
  const ua = String(r.req.headers['user-agent'] ?? 'unknown');
  return ua.split('/')[0]!.slice(0, 128);
}

/** decodeObject parses a JSON/YAML body, 400 on malformed input. */
function decodeBody(buf: Buffer, kind: 'json' | 'yaml'): unknown {
  const text = buf.toString('utf8');
  if (kind === 'yaml') {
    try {
      return YAML.parse(text, { uniqueKeys: false });
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

function describeJsonError(text: string, err: unknown): string {
  if (text.trim() === '') return 'Object \'Kind\' is missing in \'\'';
  const msg = err instanceof Error ? err.message : String(err);
  return `couldn't get version/kind; json parse error: ${msg}`;
}

/** checkTypeMeta enforces that apiVersion/kind match the URL (upstream: the decoder defaults them from the URL and rejects others). */
function checkTypeMeta(obj: unknown, apiVersion: string, kind: string): KubeObject {
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

/** checkUnknownFields applies fieldValidation: Strict -> 400, Warn -> Warning headers, Ignore -> nothing. */
function checkUnknownFields(r: RestRequest, obj: unknown, schema = r.served.schema, mode = fieldValidationOf(r.query), prune = false, duplicates: string[] = []): void {
  if (mode === 'Ignore' && !prune) return;
  const unknown = schema ? findUnknownFields(obj, schema, { prune }) : [];
  if ((unknown.length === 0 && duplicates.length === 0) || mode === 'Ignore') return;
  const problems = [...duplicates.map((p) => `duplicate field "${p}"`), ...unknown.map((p) => `unknown field "${p}"`)];
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  r.ctx.warnings.push(...problems);
}

function apiVersionOf(served: ServedResource): string {
  return served.entry.group === '' ? served.entry.version : `${served.entry.group}/${served.entry.version}`;
}

function needStore(r: RestRequest): Store {
  if (!r.served.store) throw methodNotSupported({ group: r.served.entry.group, resource: r.served.entry.resource }, r.info.verb);
  return r.served.store;
}

function checkVerb(r: RestRequest, verb: string, verbs: readonly string[] = r.served.entry.verbs): void {
  if (!verbs.includes(verb)) throw methodNotSupported({ group: r.served.entry.group, resource: r.served.entry.resource }, verb);
}

// ---- list options ----

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

/** buildPredicate parses labelSelector and fieldSelector into one predicate (upstream SelectionPredicate). */
export function buildPredicate(served: ServedResource, q: URLSearchParams, nameFromPath?: string): ((o: KubeObject) => boolean) | undefined {
  const ls = q.get('labelSelector') ?? '';
  const fs = q.get('fieldSelector') ?? '';
  let labelSel;
  try {
    labelSel = ls ? parseLabelSelector(ls) : undefined;
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  let fieldSel;
  try {
    fieldSel = fs ? parseFieldSelector(fs) : undefined;
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const attrsOf = (o: KubeObject): Record<string, string> => {
    const a: Record<string, string> = { 'metadata.name': o.metadata.name ?? '' };
    if (served.entry.namespaced) a['metadata.namespace'] = o.metadata.namespace ?? '';
    return served.fieldSelectorAttrs ? Object.assign(a, served.fieldSelectorAttrs(o)) : a;
  };
  if (fieldSel && !fieldSel.empty()) {
    const allowed = new Set(['metadata.name', ...(served.entry.namespaced ? ['metadata.namespace'] : []), ...supportedFieldLabels(served)]);
    for (const req of fieldSel.requirements) if (!allowed.has(req.field)) throw fieldLabelNotSupported(req.field);
  }
  const noLabels = !labelSel || labelSel.empty();
  const noFields = !fieldSel || fieldSel.empty();
  if (noLabels && noFields && nameFromPath === undefined) return undefined;
  return (o) => {
    if (nameFromPath !== undefined && o.metadata.name !== nameFromPath) return false;
    if (!noLabels && !labelSel!.matches(o.metadata.labels)) return false;
    if (!noFields && !fieldSel!.matches(attrsOf(o))) return false;
    return true;
  };
}

const fieldLabelCache = new WeakMap<ServedResource, string[]>();
function supportedFieldLabels(served: ServedResource): string[] {
  let v = fieldLabelCache.get(served);
  if (!v) {
    v = served.fieldSelectorAttrs ? Object.keys(served.fieldSelectorAttrs({ metadata: {} })) : [];
    fieldLabelCache.set(served, v);
  }
  return v;
}

function listRequest(r: RestRequest): ListRequest {
  const q = r.query;
  const limit = intParam(q, 'limit');
  return {
    predicate: buildPredicate(r.served, q),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    limit: limit && limit > 0 ? limit : undefined,
    continue: q.get('continue') ?? undefined,
  };
}

// ---- output ----

function partialMeta(o: KubeObject, version: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
}

function tableOf(printer: TablePrinter, items: KubeObject[], includeObject: string, version: string, now: Date, listMeta: Record<string, unknown>): Record<string, unknown> {
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') row.object = partialMeta(o, version);
      return row;
    }),
  };
}

function includeObjectOf(q: URLSearchParams): string {
  const v = q.get('includeObject') ?? 'Metadata';
  if (v !== 'Object' && v !== 'Metadata' && v !== 'None') throw badRequest(`includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`);
  return v;
}

/** writeObject writes one object in the negotiated representation. */
function writeObject(r: RestRequest, out: OutputKind, code: number, obj: KubeObject): void {
  if (out.kind === 'table') {
    writeJson(r.res, code, tableOf(r.served.printer, [obj], includeObjectOf(r.query), out.version, r.now(), { resourceVersion: obj.metadata.resourceVersion }), r.ctx.warnings);
  } else if (out.kind === 'partial') {
    writeJson(r.res, code, partialMeta(obj, out.version), r.ctx.warnings);
  } else {
    writeJson(r.res, code, obj, r.ctx.warnings, out.kind === 'yaml');
  }
}

// ---- verbs ----

/** serveResource dispatches one resource request to its verb handler. */
export async function serveResource(r: RestRequest): Promise<void> {
  const { info, served } = r;
  if (info.subresource) return serveSubresource(r);
  if (served.entry.namespaced === false && info.namespace !== '' && served.entry.resource !== 'namespaces') {
    throw pageNotFound();
  }
  switch (info.verb) {
    case 'get':
      return getObject(r);
    case 'list':
      return listObjects(r);
    case 'watch':
      return watchObjects(r);
    case 'create':
      return createObject(r);
    case 'update':
      return updateObject(r);
    case 'patch':
      return patchObject(r);
    case 'delete':
      return deleteObject(r);
    case 'deletecollection':
      return deleteCollection(r);
    default:
      throw methodNotSupported({ group: served.entry.group, resource: served.entry.resource }, info.verb);
  }
}

/** pageNotFound is upstream's 404 for an unknown path. */
export function pageNotFound(): StatusError {
  return new StatusError({ reason: 'NotFound', message: 'the server could not find the requested resource', details: {} });
}

async function getObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'get');
  const out = negotiateOutput(r.req.headers.accept);
  const obj = await needStore(r).get(r.ctx, r.info.name);
  writeObject(r, out, 200, obj);
}

async function listObjects(r: RestRequest): Promise<void> {
  checkVerb(r, 'list');
  const out = negotiateOutput(r.req.headers.accept);
  const store = needStore(r);
  const lr = listRequest(r);
  const res = await store.list(r.ctx, lr);
  const listMeta: Record<string, unknown> = { resourceVersion: res.resourceVersion };
  if (res.continue) listMeta.continue = res.continue;
  if (res.remainingItemCount !== undefined && res.continue) listMeta.remainingItemCount = res.remainingItemCount;
  if (out.kind === 'table') {
    writeJson(r.res, 200, tableOf(r.served.printer, res.items, includeObjectOf(r.query), out.version, r.now(), listMeta), r.ctx.warnings);
    return;
  }
  if (out.kind === 'partial') {
    writeJson(r.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${out.version}`, metadata: listMeta, items: res.items.map((o) => partialMeta(o, out.version)) }, r.ctx.warnings);
    return;
  }
  writeList(r, listMeta, res.items, out.kind === 'yaml');
}

/** writeList streams a list without building one big intermediate object (LIST of 10k items). */
function writeList(r: RestRequest, listMeta: Record<string, unknown>, items: KubeObject[], yaml: boolean): void {
  const body = { kind: r.served.entry.listKind || `${r.served.entry.kind}List`, apiVersion: apiVersionOf(r.served), metadata: listMeta, items };
  if (yaml) return writeJson(r.res, 200, body, r.ctx.warnings, true);
  const parts: string[] = [];
  parts.push(`{"kind":${JSON.stringify(body.kind)},"apiVersion":${JSON.stringify(body.apiVersion)},"metadata":${JSON.stringify(listMeta)},"items":[`);
  for (let i = 0; i < items.length; i++) parts.push((i ? ',' : '') + JSON.stringify(items[i]));
  parts.push(']}');
  const buf = Buffer.from(parts.join(''));
  r.res.statusCode = 200;
  r.res.setHeader('Content-Type', 'application/json');
  for (const w of r.ctx.warnings) r.res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  r.res.setHeader('Content-Length', buf.length);
  r.res.end(buf);
}

async function watchObjects(r: RestRequest): Promise<void> {
  checkVerb(r, 'watch');
  const out = negotiateOutput(r.req.headers.accept);
  const store = needStore(r);
  const q = r.query;
  const sendInitialEvents = q.has('sendInitialEvents') ? q.get('sendInitialEvents') === 'true' : undefined;
  const allowWatchBookmarks = q.get('allowWatchBookmarks') === 'true';
  if (sendInitialEvents !== undefined) {
    if (q.get('resourceVersionMatch') !== 'NotOlderThan' && sendInitialEvents) {
      throw badRequest('sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan');
    }
    if (sendInitialEvents && !allowWatchBookmarks) throw badRequest('sendInitialEvents requires setting allowWatchBookmarks to true');
  } else if (q.get('resourceVersionMatch')) {
    throw badRequest('resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
  }
  const predicate = buildPredicate(r.served, q, r.info.name || undefined);
  const timeoutSeconds = intParam(q, 'timeoutSeconds');
  // upstream: a random timeout between minRequestTimeout and 2x when none is given (30-60 min).
  const timeoutMs = (timeoutSeconds !== undefined && timeoutSeconds > 0 ? timeoutSeconds : 1800 + Math.floor(Math.random() * 1800)) * 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const onClose = () => ac.abort();
  r.res.on('close', onClose);
  r.req.on('close', onClose);
  r.res.statusCode = 200;
  r.res.setHeader('Content-Type', 'application/json');
  r.res.setHeader('Transfer-Encoding', 'chunked');
  r.res.setHeader('Cache-Control', 'no-cache, private');
  for (const w of r.ctx.warnings) r.res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
  r.res.flushHeaders();
  const includeObject = out.kind === 'table' ? includeObjectOf(q) : 'Object';
  try {
    const events = store.watch(r.ctx, {
      predicate,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      allowWatchBookmarks,
      sendInitialEvents,
      signal: ac.signal,
    });
    const abortPromise = new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
    const it = events[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([it.next(), abortPromise.then(() => ({ done: true, value: undefined }) as const)]);
      if (next.done) break;
      const ev = next.value;
      let obj: unknown = ev.object;
      if (ev.type !== 'ERROR' && ev.type !== 'BOOKMARK') {
        if (out.kind === 'table') obj = tableOf(r.served.printer, [ev.object as KubeObject], includeObject, out.version, r.now(), { resourceVersion: (ev.object as KubeObject).metadata.resourceVersion });
        else if (out.kind === 'partial') obj = partialMeta(ev.object as KubeObject, out.version);
      }
      const ok = r.res.write(encodeWatchEvent(ev.type, obj));
      if (!ok) await new Promise<void>((resolve) => r.res.once('drain', resolve));
      if (ev.type === 'ERROR') break;
    }
    void it.return?.(undefined);
  } finally {
    clearTimeout(timer);
    ac.abort();
    r.res.off('close', onClose);
    r.res.end();
  }
}

/**
 * encodeWatchEvent serializes one watch event. Objects from the watch cache are shared by every
 * watcher, so their JSON is computed once per object (and event type) and reused across watchers.
 */
const watchEncodingCache = new WeakMap<object, Map<string, string>>();
function encodeWatchEvent(type: string, obj: unknown): string {
  if (typeof obj !== 'object' || obj === null) return JSON.stringify({ type, object: obj }) + '\n';
  let m = watchEncodingCache.get(obj);
  let line = m?.get(type);
  if (line === undefined) {
    line = `{"type":${JSON.stringify(type)},"object":${JSON.stringify(obj)}}\n`;
    if (!m) watchEncodingCache.set(obj, (m = new Map()));
    m.set(type, line);
  }
  return line;
}

async function decodeForWrite(r: RestRequest, kindOverride?: { apiVersion: string; kind: string; schema?: ServedResource['schema'] }): Promise<KubeObject> {
  const bodyKind = negotiateInput(r.info.verb, r.req.headers['content-type']);
  const buf = await readBody(r.req);
  const raw = decodeBody(buf, bodyKind === 'yaml' ? 'yaml' : 'json');
  const obj = checkTypeMeta(raw, kindOverride?.apiVersion ?? apiVersionOf(r.served), kindOverride?.kind ?? r.served.entry.kind);
  const schema = kindOverride ? kindOverride.schema : r.served.schema;
  const mode = fieldValidationOf(r.query);
  const duplicates = mode !== 'Ignore' && bodyKind === 'json' ? findDuplicateFields(buf.toString('utf8')) : [];
  checkUnknownFields(r, obj, schema, mode, r.served.custom === true && !kindOverride, duplicates);
  // Built-in kinds get the OpenAPI `default` values (custom resources default in admitCustom).
  if (!r.served.custom) applyDefaults(obj, schema);
  return obj;
}

async function createObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'create');
  const out = negotiateOutput(r.req.headers.accept);
  const dryRun = dryRunOf(r.query);
  const obj = await decodeForWrite(r);
  if (r.served.create) {
    const res = await r.served.create(r.ctx, obj);
    writeObject(r, out, 201, res);
    return;
  }
  const store = needStore(r);
  if (r.served.entry.namespaced && r.info.namespace === '') throw methodNotSupported({ group: r.served.entry.group, resource: r.served.entry.resource }, 'create');
  r.served.admitCustom?.(obj, 'create');
  const created = await store.create(r.ctx, obj, { dryRun, fieldManager: fieldManagerOf(r) });
  writeObject(r, out, 201, created);
}

async function updateObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'update');
  const out = negotiateOutput(r.req.headers.accept);
  const dryRun = dryRunOf(r.query);
  const obj = await decodeForWrite(r);
  const store = needStore(r);
  const res = await store.update(
    r.ctx,
    r.info.name,
    (old) => {
      const next = structuredClone(obj);
      r.served.admitCustom?.(next, old ? 'update' : 'create', old);
      return next;
    },
    { dryRun, fieldManager: fieldManagerOf(r) },
  );
  writeObject(r, out, res.created ? 201 : 200, res.object);
}

async function patchObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'patch');
  const out = negotiateOutput(r.req.headers.accept);
  const dryRun = dryRunOf(r.query);
  const store = needStore(r);
  const patchTypes = r.served.custom
    ? ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']
    : undefined;
  const kind = negotiateInput('patch', r.req.headers['content-type'], patchTypes) as PatchKind;
  const buf = await readBody(r.req);
  const force = r.query.get('force') === 'true';
  if (kind !== 'apply-patch' && r.query.has('force')) throw badRequest('force: Invalid value: "true": may not be specified for non-apply patch');
  const manager = r.query.get('fieldManager') ?? '';
  if (kind === 'apply-patch' && !manager) throw badRequest('PATCH requests with application/apply-patch+yaml must include fieldManager');
  const mode = fieldValidationOf(r.query);
  const res = await store.update(
    r.ctx,
    r.info.name,
    async (old) => {
      const next = await applyPatch({
        kind,
        patch: buf,
        old,
        schema: r.served.schema,
        manager: manager || fieldManagerOf(r),
        force,
        apiVersion: apiVersionOf(r.served),
        objectKind: r.served.entry.kind,
        name: r.info.name,
        namespace: r.info.namespace,
        now: r.now(),
        subresource: '',
      });
      const typed = checkTypeMeta(next, apiVersionOf(r.served), r.served.entry.kind);
      checkUnknownFields(r, typed, r.served.schema, mode, r.served.custom === true);
      if (!r.served.custom) applyDefaults(typed, r.served.schema);
      r.served.admitCustom?.(typed, old ? 'update' : 'create', old);
      return typed;
    },
    { dryRun, fieldManager: manager || fieldManagerOf(r), forceAllowCreate: kind === 'apply-patch', skipManagedFields: kind === 'apply-patch' },
  );
  writeObject(r, out, res.created ? 201 : 200, res.object);
}

async function deleteOptionsOf(r: RestRequest): Promise<DeleteOptionsLike> {
  const q = r.query;
  let opts: DeleteOptionsLike = {};
  const buf = await readBody(r.req);
  if (buf.length > 0) {
    const raw = decodeBody(buf, 'json');
    if (raw && typeof raw === 'object') opts = raw as DeleteOptionsLike;
  }
  const gp = intParam(q, 'gracePeriodSeconds');
  if (gp !== undefined) opts.gracePeriodSeconds = gp;
  const pp = q.get('propagationPolicy');
  if (pp) opts.propagationPolicy = pp as DeleteOptionsLike['propagationPolicy'];
  if (q.has('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
  if (q.getAll('dryRun').length) opts.dryRun = q.getAll('dryRun');
  if (opts.dryRun) for (const v of opts.dryRun) if (v !== 'All') throw badRequest(`Invalid dry run value: ${v}`);
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (opts.orphanDependents !== undefined && opts.propagationPolicy) throw badRequest('orphanDependents and propagationPolicy: Invalid value: "null": orphanDependents and deletionPropagation cannot be both set');
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

async function deleteObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'delete');
  const out = negotiateOutput(r.req.headers.accept);
  const opts = await deleteOptionsOf(r);
  const store = needStore(r);
  const res = await store.delete(r.ctx, r.info.name, opts);
  const dryRun = opts.dryRun?.includes('All') === true;
  const code = !res.deleted && !dryRun ? 202 : 200;
  if (res.deleted && !store.returnDeletedObject) {
    const d: Record<string, unknown> = { name: res.object.metadata.name };
    if (r.served.entry.group) d.group = r.served.entry.group;
    d.kind = r.served.entry.resource;
    d.uid = res.object.metadata.uid;
    writeJson(r.res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: d }, r.ctx.warnings);
    return;
  }
  writeObject(r, out, code, res.object);
}

async function deleteCollection(r: RestRequest): Promise<void> {
  checkVerb(r, 'deletecollection');
  const opts = await deleteOptionsOf(r);
  const store = needStore(r);
  const lr = listRequest(r);
  const res = await store.deleteCollection(r.ctx, opts, lr);
  writeList(r, { resourceVersion: res.resourceVersion }, res.items, false);
}

// ---- subresources ----

async function serveSubresource(r: RestRequest): Promise<void> {
  const { info, served } = r;
  const sub: SubresourceHandler | undefined = served.subresources.get(info.subresource);
  const entrySub = served.entry.subresources.find((s) => s.name === info.subresource);
  if (!sub || !entrySub) throw pageNotFound();
  const gr = { group: served.entry.group, resource: `${served.entry.resource}/${info.subresource}` };
  const verb = info.verb === 'list' ? 'get' : info.verb;
  if (!entrySub.verbs.includes(verb)) throw methodNotSupported(gr, verb);
  const out = negotiateOutput(r.req.headers.accept);
  const dryRun = dryRunOf(r.query);
  const subApiVersion = sub.apiVersion ?? apiVersionOf(served);
  const subKind = sub.kind ?? served.entry.kind;
  if (sub.store) {
    const store = sub.store;
    if (verb === 'get') return writeObject(r, out, 200, await store.get(r.ctx, info.name));
    if (verb === 'update') {
      const obj = await decodeForWrite(r, { apiVersion: subApiVersion, kind: subKind, schema: served.schema });
      const res = await store.update(r.ctx, info.name, (old) => {
        const next = structuredClone(obj);
        if (served.admitCustom && old) served.admitCustom(next, 'update', old);
        return next;
      }, { dryRun, fieldManager: fieldManagerOf(r) });
      return writeObject(r, out, 200, res.object);
    }
    if (verb === 'patch') {
      const kind = negotiateInput('patch', r.req.headers['content-type']) as PatchKind;
      const buf = await readBody(r.req);
      const manager = r.query.get('fieldManager') ?? '';
      if (kind === 'apply-patch' && !manager) throw badRequest('PATCH requests with application/apply-patch+yaml must include fieldManager');
      const res = await store.update(
        r.ctx,
        info.name,
        async (old) => {
          if (!old) throw notFound({ group: served.entry.group, resource: served.entry.resource }, info.name);
          const next = await applyPatch({ kind, patch: buf, old, schema: served.schema, manager: manager || fieldManagerOf(r), force: r.query.get('force') === 'true', apiVersion: subApiVersion, objectKind: subKind, name: info.name, namespace: info.namespace, now: r.now(), subresource: info.subresource });
          const typed = checkTypeMeta(next, subApiVersion, subKind);
          if (served.admitCustom) served.admitCustom(typed, 'update', old);
          return typed;
        },
        { dryRun, fieldManager: manager || fieldManagerOf(r), skipManagedFields: kind === 'apply-patch' },
      );
      return writeObject(r, out, 200, res.object);
    }
    throw methodNotSupported(gr, verb);
  }
  if (verb === 'get' && sub.get) return writeObject(r, out, 200, await sub.get(r.ctx, info.name));
  if ((verb === 'update' || verb === 'patch') && sub.update) {
    let objInfo: (old: KubeObject) => Promise<KubeObject>;
    if (verb === 'update') {
      const obj = await decodeForWrite(r, { apiVersion: subApiVersion, kind: subKind, schema: sub.schema });
      objInfo = async () => obj;
    } else {
      const kind = negotiateInput('patch', r.req.headers['content-type']) as PatchKind;
      const buf = await readBody(r.req);
      objInfo = async (old) => {
        const next = await applyPatch({ kind, patch: buf, old, schema: sub.schema, manager: r.query.get('fieldManager') || fieldManagerOf(r), force: r.query.get('force') === 'true', apiVersion: subApiVersion, objectKind: subKind, name: info.name, namespace: info.namespace, now: r.now(), subresource: info.subresource });
        return checkTypeMeta(next, subApiVersion, subKind);
      };
    }
    const res = await sub.update(r.ctx, info.name, objInfo, { dryRun, fieldManager: fieldManagerOf(r) });
    return writeObject(r, out, 200, res);
  }
  if (verb === 'create' && sub.create) {
    const obj = await decodeForWrite(r, { apiVersion: entrySub.group ? `${entrySub.group}/${entrySub.version}` : entrySub.version, kind: entrySub.kind, schema: sub.schema });
    const res = await sub.create(r.ctx, info.name, obj, { dryRun });
    writeJson(r.res, 201, res, r.ctx.warnings);
    return;
  }
  throw methodNotSupported(gr, verb);
}

export { writeStatus };
