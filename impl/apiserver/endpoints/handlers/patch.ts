/**
 * PATCH: JSON, merge, strategic-merge and server-side apply patches, applied inside the store's
 * compare-and-swap loop so concurrent writes retry.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go.
 */
import { badRequest, fieldPath, invalid, invalidValue, type StatusError } from '#impl/apimachinery/index.ts';
import { negotiateInput, negotiateOutput } from '../../negotiation.ts';
import { applyDefaults, type DecodeTypeError } from '../../schema/structural.ts';
import { applyPatch, type PatchKind } from '../patch.ts';
import { writeObject } from './response.ts';
import { readBody, type RestRequest, dryRunOf, fieldValidationOf, fieldManagerOf, checkTypeMeta, checkUnknownFields, apiVersionOf, needStore, checkVerb } from './rest.ts';

export async function patchObject(r: RestRequest): Promise<void> {
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
        // A custom resource stored in another version of its CRD is patched in the request's
        // version (conversion strategy None only rewrites apiVersion, upstream nopConverter).
        old: old && r.served.custom && old.apiVersion !== apiVersionOf(r.served) ? { ...old, apiVersion: apiVersionOf(r.served) } : old,
        patchMeta: r.served.patchMeta?.(),
        manager: manager || fieldManagerOf(r),
        force,
        apiVersion: apiVersionOf(r.served),
        objectKind: r.served.entry.kind,
        group: r.served.entry.group,
        resource: r.served.entry.resource,
        name: r.info.name,
        namespace: r.info.namespace,
        now: r.now(),
        subresource: '',
        resetFields: store.strategy.resetFields ?? [],
      });
      const typed = checkTypeMeta(next, apiVersionOf(r.served), r.served.entry.kind);
      const onTypeError = r.served.custom ? undefined : (e: DecodeTypeError) => patchTypeError(kind, buf, typed, e);
      checkUnknownFields(r, typed, r.served.schema, mode, r.served.custom === true, [], onTypeError);
      if (!r.served.custom) applyDefaults(typed, r.served.schema);
      r.served.setDefaults?.(typed);
      r.served.admitCustom?.(typed, old ? 'update' : 'create', old);
      return typed;
    },
    { dryRun, fieldManager: manager || fieldManagerOf(r), forceAllowCreate: kind === 'apply-patch', skipManagedFields: kind === 'apply-patch' },
  );
  writeObject(r, out, res.created ? 201 : 200, res.object);
}

/**
 * patchTypeError is upstream's answer to a patched built-in object that does not decode into its
 * Go type: 422 Invalid on the field `patch`. A strategic merge patch goes through the unstructured
 * converter (value: the patch map as Go prints it, `unrecognized type: int32`); JSON and merge
 * patches (and apply here) are decoded from the patched JSON (`json: cannot unmarshal ...`).
 */
export function patchTypeError(kind: PatchKind, patch: Buffer, patched: unknown, e: DecodeTypeError): StatusError {
  if (kind === 'strategic-merge-patch') {
    let patchMap: unknown;
    try {
      patchMap = JSON.parse(patch.toString('utf8'));
    } catch {
      patchMap = patch.toString('utf8');
    }
    return invalid({ group: '', kind: '' }, '', [invalidValue(fieldPath('patch'), goPrint(patchMap), e.converterMessage)]);
  }
  return invalid({ group: '', kind: '' }, '', [invalidValue(fieldPath('patch'), JSON.stringify(patched), e.message)]);
}

/** goPrint renders a decoded JSON value as Go's `%+v` prints a map[string]interface{} (`map[spec:map[replicas:x]]`). */
export function goPrint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPrint).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goPrint(o[k])}`).join(' ')}]`;
  }
  return String(v);
}
