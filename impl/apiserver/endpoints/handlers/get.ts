/**
 * GET of one object and LIST with label/field selectors, limit and continue.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go.
 */
import { badRequest, fieldLabelNotSupported } from '#impl/apimachinery/index.ts';
import { parse as parseLabelSelector } from '#impl/apimachinery/labels/selector.ts';
import { parse as parseFieldSelector } from '#impl/apimachinery/fields/selector.ts';
import type { ServedResource } from '../../api-registry.ts';
import type { KubeObject } from '../../registry/rest/strategy.ts';
import type { ListRequest } from '../../registry/generic/store.ts';
import { negotiateOutput } from '../../negotiation.ts';
import { writeJson } from '../responses.ts';
import { partialMeta, tableOf, includeObjectOf, writeObject, writeList } from './response.ts';
import { type RestRequest, needStore, checkVerb, intParam } from './rest.ts';

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
export function supportedFieldLabels(served: ServedResource): string[] {
  let v = fieldLabelCache.get(served);
  if (!v) {
    v = served.fieldSelectorAttrs ? Object.keys(served.fieldSelectorAttrs({ metadata: {} })) : [];
    fieldLabelCache.set(served, v);
  }
  return v;
}

export function listRequest(r: RestRequest): ListRequest {
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

export async function getObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'get');
  const out = negotiateOutput(r.req.headers.accept);
  const obj = r.served.readOnly ? await r.served.readOnly.get(r.ctx, r.info.name) : await needStore(r).get(r.ctx, r.info.name);
  writeObject(r, out, 200, obj);
}

export async function listObjects(r: RestRequest): Promise<void> {
  checkVerb(r, 'list');
  const out = negotiateOutput(r.req.headers.accept);
  const lr = listRequest(r);
  const res = r.served.readOnly ? await readOnlyList(r, lr.predicate) : await needStore(r).list(r.ctx, lr);
  const listMeta: Record<string, unknown> = res.resourceVersion ? { resourceVersion: res.resourceVersion } : {};
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

/** readOnlyList lists a computed resource (no resourceVersion, no paging), filtered by the selectors. */
async function readOnlyList(r: RestRequest, predicate: ((o: KubeObject) => boolean) | undefined): Promise<{ items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number }> {
  const items = await r.served.readOnly!.list(r.ctx);
  return { items: predicate ? items.filter(predicate) : items, resourceVersion: '' };
}
