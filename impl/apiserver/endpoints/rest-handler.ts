/**
 * The generic REST handler: dispatches a resource request to the verb handler.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/installer.go (the verb -> handler table).
 */
import { methodNotSupported } from '#impl/apimachinery/index.ts';
import { type RestRequest, pageNotFound } from './handlers/rest.ts';
import { getObject, listObjects } from './handlers/get.ts';
import { watchObjects } from './handlers/watch.ts';
import { createObject } from './handlers/create.ts';
import { updateObject } from './handlers/update.ts';
import { patchObject } from './handlers/patch.ts';
import { deleteObject, deleteCollection } from './handlers/delete.ts';
import { serveSubresource } from './handlers/subresource.ts';

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

export { pageNotFound, type RestRequest } from './handlers/rest.ts';
export { buildPredicate } from './handlers/get.ts';
