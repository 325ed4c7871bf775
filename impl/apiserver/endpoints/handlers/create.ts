/**
 * POST: create an object (or call a virtual resource such as a review).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go.
 */
import { methodNotSupported, notAcceptable } from '#impl/apimachinery/index.ts';
import { ACCEPTED_MEDIA_TYPES, negotiateOutput } from '../../negotiation.ts';
import { writeObject } from './response.ts';
import { type RestRequest, dryRunOf, fieldManagerOf, needStore, checkVerb, decodeForWrite } from './rest.ts';

export async function createObject(r: RestRequest): Promise<void> {
  checkVerb(r, 'create');
  const out = negotiateOutput(r.served.create ? withoutTable(r.req.headers.accept) : r.req.headers.accept);
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

/**
 * withoutTable drops `as=Table` entries from an Accept header: virtual resources (reviews,
 * TokenRequest) have no table convertor, so upstream's negotiation does not offer Table for them
 * and a client that accepts nothing else gets 406 NotAcceptable.
 */
function withoutTable(accept: string | undefined): string | undefined {
  if (accept === undefined || !/as=table/i.test(accept)) return accept;
  const rest = accept.split(',').filter((e) => !/;\s*as=table\b/i.test(e));
  if (rest.length === 0) throw notAcceptable(ACCEPTED_MEDIA_TYPES);
  return rest.join(',');
}
