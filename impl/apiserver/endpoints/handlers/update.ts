/**
 * PUT: replace an object (create-on-update when the strategy allows it).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/update.go.
 */
import { negotiateOutput } from '../../negotiation.ts';
import { writeObject } from './response.ts';
import { type RestRequest, dryRunOf, fieldManagerOf, needStore, checkVerb, decodeForWrite } from './rest.ts';

export async function updateObject(r: RestRequest): Promise<void> {
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
