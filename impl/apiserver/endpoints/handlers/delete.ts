/**
 * DELETE of one object and of a collection, with DeleteOptions from the body or query.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/delete.go.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import type { DeleteOptionsLike } from '../../registry/rest/strategy.ts';
import { negotiateOutput } from '../../negotiation.ts';
import { writeJson } from '../responses.ts';
import { listRequest } from './get.ts';
import { writeObject, writeList } from './response.ts';
import { readBody, type RestRequest, decodeBody, bodyKindOf, needStore, checkVerb, intParam } from './rest.ts';

export async function deleteOptionsOf(r: RestRequest): Promise<DeleteOptionsLike> {
  const q = r.query;
  let opts: DeleteOptionsLike = {};
  const buf = await readBody(r.req);
  if (buf.length > 0) {
    const raw = decodeBody(buf, bodyKindOf(r.req.headers['content-type']));
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

export async function deleteObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'delete');
  const out = negotiateOutput(r.req.headers.accept);
  const opts = await deleteOptionsOf(r);
  const store = needStore(r);
  const res = await store.delete(r.ctx, r.info.name, opts);
  const dryRun = opts.dryRun?.includes('All') === true;
  // upstream: 202 only when the object was not deleted at once and the client asked for cascading
  // deletion with orphanDependents=false; graceful, finalizer-held and namespace deletions are 200.
  const code = !res.deleted && !dryRun && opts.orphanDependents === false ? 202 : 200;
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

export async function deleteCollection(r: RestRequest): Promise<void> {
  checkVerb(r, 'deletecollection');
  const opts = await deleteOptionsOf(r);
  const store = needStore(r);
  const lr = listRequest(r);
  const res = await store.deleteCollection(r.ctx, opts, lr);
  writeList(r, { resourceVersion: res.resourceVersion }, res.items, false);
}
