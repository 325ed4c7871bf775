/**
 * The 403 a denied request gets, word for word as upstream.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go (Forbidden, forbiddenMessage)
 */
import { forbidden, type StatusError } from '#impl/apimachinery/index.ts';
import type { Attributes } from './interfaces.ts';

/** forbiddenMessage is `User "u" cannot VERB resource "R" in API group "G" in the namespace "NS"` (or path/cluster forms). */
export function forbiddenMessage(attrs: Attributes): string {
  const username = attrs.user.name;
  if (!attrs.resourceRequest) return `User "${username}" cannot ${attrs.verb} path "${attrs.path}"`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  if (attrs.namespace) return `User "${username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" in the namespace "${attrs.namespace}"`;
  return `User "${username}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" at the cluster scope`;
}

/**
 * forbiddenError builds the 403 Status for a denied request: `pods "x" is forbidden: User ...`
 * with `: REASON` appended when the authorizers gave one.
 */
export function forbiddenError(attrs: Attributes, reason = ''): StatusError {
  const msg = forbiddenMessage(attrs);
  return forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, reason ? `${msg}: ${reason}` : msg);
}
