/**
 * PATCH: JSON, merge, strategic-merge and server-side apply patches, applied inside the store's
 * compare-and-swap loop so concurrent writes retry.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go.
 */
import { badRequest } from '#impl/apimachinery/index.ts';
import { negotiateInput, negotiateOutput } from '../../negotiation.ts';
import { applyDefaults } from '../../schema/structural.ts';
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
        old,
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
      checkUnknownFields(r, typed, r.served.schema, mode, r.served.custom === true);
      if (!r.served.custom) applyDefaults(typed, r.served.schema);
      r.served.admitCustom?.(typed, old ? 'update' : 'create', old);
      return typed;
    },
    { dryRun, fieldManager: manager || fieldManagerOf(r), forceAllowCreate: kind === 'apply-patch', skipManagedFields: kind === 'apply-patch' },
  );
  writeObject(r, out, res.created ? 201 : 200, res.object);
}
