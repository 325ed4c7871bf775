/**
 * RequestInfo: what a request path and method mean to the API (verb, group, version, namespace,
 * resource, name, subresource).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go (RequestInfoFactory).
 */

/** RequestInfo describes one request, as upstream's `request.RequestInfo`. */
export interface RequestInfo {
  /** True for `/api/...` and `/apis/...` requests that name a resource. */
  isResourceRequest: boolean;
  path: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, or a lowercased HTTP method for non-resource requests. */
  verb: string;
  /** 'api' or 'apis' for API requests, '' otherwise. */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the resource prefix (`resource`, `name`, `subresource`, ...). */
  parts: string[];
}

/** NAMESPACE_SUBRESOURCES are subresources of a namespace, not namespaced resources (upstream `namespaceSubresources`). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const SPEC_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

function truthyWatch(v: string | null): boolean {
  return v === '1' || v === 'true';
}

/**
 * newRequestInfo resolves a request like upstream `RequestInfoFactory.NewRequestInfo`:
 * `/apis/apps/v1/namespaces/ns/deployments/web/scale` becomes group `apps`, version `v1`,
 * namespace `ns`, resource `deployments`, name `web`, subresource `scale`. `/watch/` path prefixes
 * (deprecated) and `?watch=1` turn get/list into watch.
 */
export function newRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p !== '');
  if (parts.length < 3) return info;
  if (parts[0] === 'api') {
    info.apiPrefix = 'api';
    parts = parts.slice(1);
  } else if (parts[0] === 'apis') {
    info.apiPrefix = 'apis';
    info.apiGroup = parts[1]!;
    parts = parts.slice(2);
    if (parts.length < 1) return info;
  } else {
    return info;
  }
  info.apiVersion = parts[0]!;
  parts = parts.slice(1);
  if (parts.length === 0) return info;
  info.isResourceRequest = true;
  const specVerb = SPEC_VERBS[method.toUpperCase()];
  if (parts[0] === 'watch') {
    parts = parts.slice(1);
    info.verb = 'watch';
  } else {
    info.verb = specVerb ?? method.toLowerCase();
  }
  parts = parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p; // a malformed escape stays as is and fails name validation or lookup later
    }
  });
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  } else {
    info.namespace = '';
  }
  info.parts = parts;
  if (parts.length >= 3) info.subresource = parts[2]!;
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 1) info.resource = parts[0]!;
  // A metadata.name field selector on a list/watch narrows to one name (upstream does the same for authorization).
  if (info.name === '' && info.verb === 'get') info.verb = 'list';
  if ((info.verb === 'list' || info.verb === 'get') && truthyWatch(query.get('watch'))) info.verb = 'watch';
  if (info.verb === 'delete' && info.name === '') info.verb = 'deletecollection';
  return info;
}
