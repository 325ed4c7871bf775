/**
 * ResourceClient is a dynamic, resource-aware client for one group/version/resource, like
 * client-go's `dynamic.ResourceInterface`: it builds upstream REST paths
 * (`/api/v1/namespaces/{ns}/pods/{name}/status`, `/apis/{g}/{v}/...`) and offers the
 * generic verbs. Scope comes from the caller: `.namespace(ns)` for namespaced calls.
 */
import type { RestClient, QueryValue } from './rest-client.ts';
import { readWatchEvents, type WatchEvent } from './watch.ts';

/** ObjectMetaLike is the part of `ObjectMeta` the client itself reads. */
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  [key: string]: unknown;
}

/**
 * KubeObject is any Kubernetes object as the dynamic client sees it.
 * Typed callers pass a generated type as the type parameter.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: ObjectMetaLike; [key: string]: any };

/** KubeList is a list answer. */
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number; [k: string]: unknown };
  items: T[];
}

/** CallOptions are shared by every verb. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** A subresource such as `status`, `scale`, `finalize`, `eviction`. */
  subresource?: string;
  /** Extra query parameters. */
  query?: Record<string, QueryValue>;
}

/** WriteOptions apply to create, update and patch. */
export interface WriteOptions extends CallOptions {
  dryRun?: 'All';
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** ListOptions apply to list, watch and deleteCollection. */
export interface ListOptions extends CallOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  timeoutSeconds?: number;
}

/** WatchOptions apply to watch. */
export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
}

/** DeleteOptions mirror `meta/v1 DeleteOptions`. */
export interface DeleteOptions extends CallOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: 'All';
}

/** PatchType names the four patch content types. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** PATCH_CONTENT_TYPES maps each {@link PatchType} to its Content-Type. */
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** PatchOptions add the patch type and apply flags. */
export interface PatchOptions extends WriteOptions {
  /** Default `merge`. */
  type?: PatchType;
  /** Server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

/** ResourceRef names the resource a {@link ResourceClient} serves. */
export interface ResourceRef {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
}

/** WatchHandle is an async iterable of events with an explicit stop. */
export interface WatchHandle<T> extends AsyncIterable<WatchEvent<T>> {
  /** stop ends the watch stream. */
  stop(): void;
}

function writeQuery(o: WriteOptions | undefined): Record<string, QueryValue> {
  return { dryRun: o?.dryRun, fieldManager: o?.fieldManager, fieldValidation: o?.fieldValidation, ...o?.query };
}

function listQuery(o: ListOptions | undefined): Record<string, QueryValue> {
  return {
    labelSelector: o?.labelSelector,
    fieldSelector: o?.fieldSelector,
    limit: o?.limit,
    continue: o?.continue,
    resourceVersion: o?.resourceVersion,
    resourceVersionMatch: o?.resourceVersionMatch,
    timeoutSeconds: o?.timeoutSeconds,
    ...o?.query,
  };
}

function deleteBody(o: DeleteOptions | undefined): Record<string, unknown> | undefined {
  if (!o) return undefined;
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  let any = false;
  if (o.propagationPolicy) { body.propagationPolicy = o.propagationPolicy; any = true; }
  if (o.gracePeriodSeconds !== undefined) { body.gracePeriodSeconds = o.gracePeriodSeconds; any = true; }
  if (o.preconditions) { body.preconditions = o.preconditions; any = true; }
  if (o.dryRun) { body.dryRun = [o.dryRun]; any = true; }
  return any ? body : undefined;
}

/** ResourceClient serves one resource, optionally bound to a namespace. */
export class ResourceClient<T extends KubeObject = KubeObject> {
  readonly ref: ResourceRef;
  private readonly rest: RestClient;

  constructor(rest: RestClient, ref: ResourceRef) {
    this.rest = rest;
    this.ref = ref;
  }

  /** namespace returns a client bound to namespace `ns`. */
  namespace(ns: string): ResourceClient<T> {
    return new ResourceClient<T>(this.rest, { ...this.ref, namespace: ns });
  }

  /** as re-types the client (the wire is the same). */
  as<U extends KubeObject>(): ResourceClient<U> {
    return new ResourceClient<U>(this.rest, this.ref);
  }

  /** groupVersionPath is `/api/v1` or `/apis/{group}/{version}`. */
  groupVersionPath(): string {
    return this.ref.group === '' ? `/api/${this.ref.version}` : `/apis/${this.ref.group}/${this.ref.version}`;
  }

  /** path builds the REST path for this resource, an optional name and subresource. */
  path(name?: string, subresource?: string): string {
    let p = this.groupVersionPath();
    if (this.ref.namespace !== undefined) p += `/namespaces/${encodeURIComponent(this.ref.namespace)}`;
    p += `/${this.ref.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  /** create POSTs a new object (to a subresource such as `eviction` when given, with `name`). */
  create(obj: Partial<T> | KubeObject, opts?: WriteOptions & { name?: string }): Promise<T> {
    return this.rest.request<T>({
      method: 'POST',
      path: opts?.subresource ? this.path(opts.name ?? obj.metadata?.name, opts.subresource) : this.path(),
      query: writeQuery(opts),
      body: obj,
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /** get reads one object (or a subresource of it). */
  get(name: string, opts?: CallOptions & { resourceVersion?: string }): Promise<T> {
    return this.rest.request<T>({
      path: this.path(name, opts?.subresource),
      query: { resourceVersion: opts?.resourceVersion, ...opts?.query },
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /** list reads a collection. */
  list(opts?: ListOptions): Promise<KubeList<T>> {
    return this.rest.request<KubeList<T>>({ path: this.path(), query: listQuery(opts), signal: opts?.signal, timeoutMs: opts?.timeoutMs });
  }

  /** update PUTs the object to its name (from `metadata.name`). */
  update(obj: T | KubeObject, opts?: WriteOptions & { name?: string }): Promise<T> {
    const name = opts?.name ?? obj.metadata?.name;
    if (!name) throw new Error(`update ${this.ref.resource}: object has no metadata.name`);
    return this.rest.request<T>({
      method: 'PUT',
      path: this.path(name, opts?.subresource),
      query: writeQuery(opts),
      body: obj,
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /** patch sends a json, merge (default), strategic-merge or apply patch. */
  patch(name: string, body: unknown, opts?: PatchOptions): Promise<T> {
    const type = opts?.type ?? 'merge';
    return this.rest.request<T>({
      method: 'PATCH',
      path: this.path(name, opts?.subresource),
      query: { ...writeQuery(opts), force: opts?.force },
      body: type === 'apply' && typeof body !== 'string' ? JSON.stringify(body) : body,
      contentType: PATCH_CONTENT_TYPES[type],
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /** delete removes one object; the answer is the object (graceful/finalizers) or a Status. */
  delete(name: string, opts?: DeleteOptions): Promise<KubeObject> {
    return this.rest.request<KubeObject>({
      method: 'DELETE',
      path: this.path(name, opts?.subresource),
      query: opts?.query,
      body: deleteBody(opts),
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /** deleteCollection deletes every object matching the selectors. */
  deleteCollection(opts?: ListOptions & Omit<DeleteOptions, 'subresource'>): Promise<KubeObject> {
    return this.rest.request<KubeObject>({
      method: 'DELETE',
      path: this.path(),
      query: listQuery(opts),
      body: deleteBody(opts),
      signal: opts?.signal,
      timeoutMs: opts?.timeoutMs,
    });
  }

  /**
   * watch opens `?watch=1` and returns an async iterable of events. The stream ends when the
   * server closes it, `stop()` is called or `signal` aborts. HTTP errors (e.g. 410 Gone)
   * are thrown by the first iteration as ApiError.
   */
  watch(opts?: WatchOptions): WatchHandle<T> {
    const ctrl = new AbortController();
    const signal = opts?.signal ? AbortSignal.any([opts.signal, ctrl.signal]) : ctrl.signal;
    const rest = this.rest;
    const path = this.path();
    const query = { ...listQuery(opts), watch: 1, allowWatchBookmarks: opts?.allowWatchBookmarks, sendInitialEvents: opts?.sendInitialEvents };
    async function* events(): AsyncGenerator<WatchEvent<T>> {
      let res;
      try {
        res = await rest.stream({ path, query, signal });
      } catch (err) {
        if (signal.aborted) return;
        throw err;
      }
      yield* readWatchEvents<T>(res, signal);
    }
    return {
      stop: () => ctrl.abort(),
      [Symbol.asyncIterator]: () => events(),
    };
  }
}
