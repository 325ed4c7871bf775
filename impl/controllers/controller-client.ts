/**
 * The slice of the client library the controllers write through. {@link ClientLike} is what
 * `RestClient` already is (`client.resource(group, version, resource)`), narrowed to the verbs
 * controllers use, so unit tests can hand in the in-memory `FakeClient` instead.
 */
import type { DeleteOptions, KubeList, KubeObject, ListOptions, PatchOptions, WriteOptions, CallOptions } from '#impl/client/index.ts';

/** ResourceApi is one resource's verbs, optionally bound to a namespace (client-go `dynamic.ResourceInterface`). */
export interface ResourceApi<T extends KubeObject = KubeObject> {
  namespace(ns: string): ResourceApi<T>;
  get(name: string, opts?: CallOptions & { resourceVersion?: string }): Promise<T>;
  list(opts?: ListOptions): Promise<KubeList<T>>;
  create(obj: Partial<T> | KubeObject, opts?: WriteOptions & { name?: string }): Promise<T>;
  update(obj: T | KubeObject, opts?: WriteOptions & { name?: string }): Promise<T>;
  patch(name: string, body: unknown, opts?: PatchOptions): Promise<T>;
  delete(name: string, opts?: DeleteOptions): Promise<KubeObject>;
  deleteCollection(opts?: ListOptions & Omit<DeleteOptions, 'subresource'>): Promise<KubeObject>;
}

/** ClientLike hands out {@link ResourceApi}s (satisfied by `RestClient` and `FakeClient`). */
export interface ClientLike {
  resource(group: string, version: string, resource: string): ResourceApi;
}

/** GVR is a group/version/resource triple ('' group for core). */
export interface GVR {
  group: string;
  version: string;
  resource: string;
}

/** Well-known resources the built-in controllers use. */
export const RESOURCES = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  replicationcontrollers: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  events: { group: '', version: 'v1', resource: 'events' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
} as const satisfies Record<string, GVR>;

/** resourceFor returns the {@link ResourceApi} of `gvr`, bound to `namespace` when given. */
export function resourceFor(client: ClientLike, gvr: GVR, namespace?: string): ResourceApi {
  const r = client.resource(gvr.group, gvr.version, gvr.resource);
  return namespace === undefined ? r : r.namespace(namespace);
}
