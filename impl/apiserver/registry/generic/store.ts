/**
 * Store is the generic registry: CRUD, list, watch, resourceVersion conflicts, generateName
 * retries, graceful deletion, finalizers and dry-run, written once for every resource. Resources
 * contribute a {@link Strategy}; subresources (status, scale) are further Stores over the same
 * storage with a derived strategy.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  alreadyExists,
  badRequest,
  conflict,
  fieldPath,
  generateNameConflict,
  internalError,
  invalid,
  invalidValue,
  notFound,
  OPTIMISTIC_LOCK_ERROR_MSG,
  resourceExpired,
  StatusError,
  timeout,
  validateObjectMeta,
  validateObjectMetaUpdate,
  nameIsDNSSubdomain,
  type FieldError,
  type GroupResource,
  type ValidateNameFunc,
} from '#impl/apimachinery/index.ts';
import { isStorageError, type Interface, type StoredObject, type WatchEvent } from '#impl/storage/interfaces.ts';
import type { DeleteOptionsLike, KubeObject, RequestContext, Strategy } from '../rest/strategy.ts';

/** MAX_NAME_GENERATION_CREATE_ATTEMPTS is upstream's `maxNameGenerationCreateAttempts`. */
export const MAX_NAME_GENERATION_CREATE_ATTEMPTS = 8;

/**
 * Hook run before a create is stored; may throw a StatusError (admission-like checks). It may
 * return a finish callback, called with whether the create succeeded (upstream FinishFunc), to
 * undo allocations on failure.
 */
export type BeginCreateFunc = (ctx: RequestContext, obj: KubeObject, opts: { dryRun: boolean }) => void | FinishFunc | Promise<void | FinishFunc>;
/** FinishFunc completes a begin hook: `success` says whether the write was stored. */
export type FinishFunc = (success: boolean) => void;
/** Hook run after an object was created (not on dry-run). */
export type AfterCreateFunc = (obj: KubeObject) => void | Promise<void>;
/** Hook run after an object was deleted (not on dry-run). */
export type AfterDeleteFunc = (obj: KubeObject) => void | Promise<void>;
/** Decorator adjusts objects on their way out (e.g. CR-specific fixes). */
export type DecoratorFunc = (obj: KubeObject) => void;
/**
 * ManagedFieldsUpdater records a non-apply write in metadata.managedFields; the apply path uses
 * its own. Called with the new object and the old one (undefined on create).
 */
export type ManagedFieldsUpdater = (ctx: RequestContext, obj: KubeObject, old: KubeObject | undefined, manager: string, subresource: string, resetFields: readonly string[]) => void;

/** StoreOptions configures a {@link Store}. All fields are required unless marked optional. */
export interface StoreOptions {
  /** The resource, for errors: `{ group: 'apps', resource: 'deployments' }`. */
  qualifiedResource: GroupResource;
  /** The kind, for `invalid` errors and for apiVersion/kind on returned objects. */
  group: string;
  version: string;
  kind: string;
  /** The storage (backend or watch cache in front of it). */
  storage: Interface;
  /** Key prefix without trailing slash: `/registry/pods` (keys are `<prefix>/<ns>/<name>` or `<prefix>/<name>`). */
  keyPrefix: string;
  strategy: Strategy;
  /** Which name rule applies (default DNS-1123 subdomain). */
  nameFn?: ValidateNameFunc;
  /** Subresource served by this store ('' for the main resource, 'status'...). */
  subresource?: string;
  /** Return the deleted object instead of a Success Status (pods, services: true). */
  returnDeletedObject?: boolean;
  beginCreate?: BeginCreateFunc;
  afterCreate?: AfterCreateFunc;
  afterDelete?: AfterDeleteFunc;
  decorator?: DecoratorFunc;
  managedFields?: ManagedFieldsUpdater;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * The watch cache of this resource, created on first use (LIST with resourceVersion "0" or
   * "", WATCH fan-out). Without it, lists and watches go to storage.
   */
  cacher?: () => CacherLike;
  /**
   * markForDeletion lets a resource keep an object on delete (namespaces with spec.finalizers):
   * return the object to store instead of deleting, or undefined to proceed.
   */
  markForDeletion?: (obj: KubeObject) => KubeObject | undefined;
  /** Overrides when an update of a deleting object removes it (namespaces also wait for spec.finalizers). */
  shouldDeleteDuringUpdate?: (obj: KubeObject) => boolean;
  /** Hook run after an update was stored (not on dry-run). */
  afterUpdate?: (obj: KubeObject, old: KubeObject | undefined) => void | Promise<void>;
  /**
   * admission runs the admission chain at upstream's points: mutating before the strategy
   * (the handler's `admit`, inside the update transformer on every CAS retry), validating after
   * strategy validation (upstream `createValidation`/`updateValidation`/`deleteValidation`).
   */
  admission?: () => StoreAdmission | undefined;
}

/** AdmissionCall describes one admission call of a Store write. */
export interface AdmissionCall {
  /** CONNECT comes from connect subresources (registry/core/pod/rest/connect-admission.ts). */
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  /** The resource of the store (with its version) and the subresource served ('' for the main resource). */
  resource: { group: string; version: string; resource: string };
  kind: { group: string; version: string; kind: string };
  subresource: string;
  name: string;
  namespace: string;
  object?: KubeObject;
  oldObject?: KubeObject;
  dryRun: boolean;
}

/** StoreAdmission is the admission chain as the Store calls it. */
export interface StoreAdmission {
  admit(ctx: RequestContext, call: AdmissionCall): Promise<void>;
  validate(ctx: RequestContext, call: AdmissionCall): Promise<void>;
}

/** CacherLike is the part of the storage watch cache (impl/storage/cacher) the store uses. */
export interface CacherLike {
  list<T extends StoredObject>(prefix: string, opts?: { revision?: number; limit?: number; continue?: string; predicate?: (o: StoredObject) => boolean }): Promise<{ items: T[]; revision: number; continue?: string; remainingItemCount?: number }>;
  listFromCache<T extends StoredObject>(prefix: string, opts?: { minRevision?: number; limit?: number; continue?: string; predicate?: (o: StoredObject) => boolean; signal?: AbortSignal }): Promise<{ items: T[]; revision: number; continue?: string; remainingItemCount?: number }>;
  watch<T extends StoredObject>(
    key: string,
    opts?: { revision?: number; recursive?: boolean; progressNotify?: boolean; signal?: AbortSignal; predicate?: (o: StoredObject) => boolean; sendInitialEvents?: boolean; initialEventsEndBookmark?: boolean },
  ): AsyncIterable<WatchEvent<T>> & { stop(): void };
}

/** CreateOptions of {@link Store.create}. */
export interface CreateOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

/** UpdateOptions of {@link Store.update}. */
export interface UpdateOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Allow create when missing even if the strategy does not (server-side apply). */
  forceAllowCreate?: boolean;
  /** Skip the managedFields update (the apply path already did it). */
  skipManagedFields?: boolean;
}

/**
 * UpdatedObjectInfo computes the new object from the current one (upstream rest.UpdatedObjectInfo);
 * `old` is undefined when the object does not exist (create-on-update).
 */
export type UpdatedObjectFunc = (old: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/** ListRequest are the list/watch options after parsing. */
export interface ListRequest {
  /** Selection predicate (labels and fields); undefined = everything. */
  predicate?: (obj: KubeObject) => boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  limit?: number;
  continue?: string;
}

/** WatchRequest are the watch options after parsing. */
export interface WatchRequest {
  predicate?: (obj: KubeObject) => boolean;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  signal: AbortSignal;
}

/** StoreWatchEvent is one event as served (`object` already decorated). */
export interface StoreWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject | Record<string, unknown>;
}

/** ListResponse is a served list. */
export interface ListResponse {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** DeleteResult says whether the object is gone or only marked for deletion. */
export interface DeleteResult {
  object: KubeObject;
  /** True when the object was removed from storage (or would be, on dry-run). */
  deleted: boolean;
}

/** INITIAL_EVENTS_END_ANNOTATION marks the bookmark after the initial events of a `sendInitialEvents` watch. */
export const INITIAL_EVENTS_END_ANNOTATION = 'k8s.io/initial-events-end';

/** UnchangedResult aborts a compare-and-swap without writing, carrying the object to return (no-op updates). */
class UnchangedResult {
  constructor(readonly obj: KubeObject) {}
}

/**
 * Store implements the REST verbs of one resource (or subresource) on a storage Interface.
 * See the upstream store.go for the algorithms; comments mark where behaviour follows it.
 */
export class Store {
  readonly qualifiedResource: GroupResource;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly storage: Interface;
  readonly keyPrefix: string;
  readonly strategy: Strategy;
  readonly subresource: string;
  private readonly opts: StoreOptions;
  private readonly now: () => Date;

  constructor(opts: StoreOptions) {
    this.opts = opts;
    this.qualifiedResource = opts.qualifiedResource;
    this.group = opts.group;
    this.version = opts.version;
    this.kind = opts.kind;
    this.storage = opts.storage;
    this.keyPrefix = opts.keyPrefix;
    this.strategy = opts.strategy;
    this.subresource = opts.subresource ?? '';
    this.now = opts.now ?? (() => new Date());
  }

  /** withSubresource derives a Store for a subresource with its own strategy over the same storage. */
  withSubresource(subresource: string, strategy: Strategy): Store {
    return new Store({ ...this.opts, subresource, strategy });
  }

  private admissionCall(operation: AdmissionCall['operation'], ctx: RequestContext, name: string, object: KubeObject | undefined, oldObject: KubeObject | undefined, dryRun: boolean): AdmissionCall {
    return {
      operation,
      resource: { group: this.qualifiedResource.group, version: this.version, resource: this.qualifiedResource.resource },
      kind: { group: this.group, version: this.version, kind: this.kind },
      subresource: this.subresource,
      name,
      namespace: this.strategy.namespaceScoped || this.opts.subresource ? ctx.namespace : '',
      object,
      oldObject,
      dryRun,
    };
  }

  get apiVersion(): string {
    return this.group === '' ? this.version : `${this.group}/${this.version}`;
  }

  /** keyRootFunc is the list prefix: `/registry/pods/ns/` or `/registry/pods/`. */
  keyRootFunc(namespace: string): string {
    return this.strategy.namespaceScoped && namespace !== '' ? `${this.keyPrefix}/${namespace}/` : `${this.keyPrefix}/`;
  }

  /** keyFunc is the key of one object. */
  keyFunc(namespace: string, name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) throw badRequest(`invalid resource name "${name}": may not be '.', '..' or contain '/'`);
    if (this.strategy.namespaceScoped) {
      if (namespace === '') throw badRequest('Namespace parameter required.');
      return `${this.keyPrefix}/${namespace}/${name}`;
    }
    return `${this.keyPrefix}/${name}`;
  }

  private gk() {
    return { group: this.group, kind: this.kind };
  }

  /** decorate sets apiVersion/kind; objects from the watch cache are shared, so they are copied when they differ. */
  private decorate(obj: KubeObject): KubeObject {
    if (obj.apiVersion !== this.apiVersion || obj.kind !== this.kind) obj = { ...obj, apiVersion: this.apiVersion, kind: this.kind };
    if (this.opts.decorator) {
      obj = structuredClone(obj);
      this.opts.decorator(obj);
    }
    return obj;
  }

  /** interpretError converts storage errors once (upstream storeerr.Interpret*Error). */
  private interpretError(err: unknown, name: string): unknown {
    if (err instanceof StatusError) return err;
    if (isStorageError(err, 'KeyNotFound')) return notFound(this.qualifiedResource, name);
    if (isStorageError(err, 'KeyExists')) return alreadyExists(this.qualifiedResource, name);
    if (isStorageError(err, 'ResourceVersionConflicts')) return conflict(this.qualifiedResource, name, err.message.startsWith('Precondition') ? err.message : OPTIMISTIC_LOCK_ERROR_MSG);
    if (isStorageError(err, 'ResourceVersionTooOld')) return resourceExpired(err.message);
    if (isStorageError(err, 'InvalidError') && err.message.startsWith('Too large resource version')) {
      const e = timeout(`Too large resource version: ${err.message.replace(/^Too large resource version: /, '')}`, 1);
      return e;
    }
    if (isStorageError(err, 'Unreachable')) return internalError(err);
    return err;
  }

  // ---- get ----

  /** get returns one object (upstream Store.Get). */
  async get(ctx: RequestContext, name: string): Promise<KubeObject> {
    const key = this.keyFunc(ctx.namespace, name);
    try {
      return this.decorate(await this.storage.get<KubeObject>(key));
    } catch (err) {
      throw this.interpretError(err, name);
    }
  }

  // ---- list ----

  /**
   * list returns the objects matching the request (upstream Store.List / ListPredicate):
   * resourceVersion "" is a consistent read, "0" any, N with NotOlderThan (default) or Exact.
   */
  async list(ctx: RequestContext, req: ListRequest): Promise<ListResponse> {
    const rv = req.resourceVersion;
    const match = req.resourceVersionMatch;
    if (match && (rv === undefined || rv === '')) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (req.continue && rv !== undefined && rv !== '' && rv !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    if (match && match !== 'Exact' && match !== 'NotOlderThan') throw badRequest(`resourceVersionMatch "${match}" is not supported`);
    if (match === 'Exact' && rv === '0') throw badRequest('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    let revision: number | undefined;
    if (rv !== undefined && rv !== '' && rv !== '0') {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: ${rv}`);
      if (match === 'Exact' || req.limit) revision = n;
      else {
        // NotOlderThan: the latest is at least as new; reject a revision from the future.
        const cur = await this.storage.currentRevision();
        if (n > cur) throw timeout(`Too large resource version: ${n}, current: ${cur}`, 1);
      }
    }
    const prefix = this.keyRootFunc(ctx.namespace);
    const pred = req.predicate;
    const cacher = this.opts.cacher?.();
    if (cacher && revision === undefined) {
      try {
        const p = pred ? (o: StoredObject) => pred(o as KubeObject) : undefined;
        const lim = req.limit && req.limit > 0 ? req.limit : undefined;
        const res =
          rv === '0' || (rv !== undefined && rv !== '')
            ? await cacher.listFromCache<KubeObject>(prefix, { minRevision: rv && rv !== '0' ? Number(rv) : undefined, limit: lim, continue: req.continue || undefined, predicate: p })
            : await cacher.list<KubeObject>(prefix, { limit: lim, continue: req.continue || undefined, predicate: p });
        return { items: res.items.map((it) => this.decorate(it)), resourceVersion: String(res.revision), continue: res.continue, remainingItemCount: res.remainingItemCount };
      } catch (err) {
        if (isStorageError(err, 'InvalidError') && /continue/i.test(err.message)) throw badRequest(err.message);
        throw this.interpretError(err, '');
      }
    }
    try {
      const res = await this.storage.list<KubeObject>(prefix, {
        revision,
        limit: req.limit && req.limit > 0 ? req.limit : undefined,
        continue: req.continue || undefined,
        predicate: pred ? (o: StoredObject) => pred(o as KubeObject) : undefined,
      });
      return { items: res.items.map((it) => this.decorate(it)), resourceVersion: String(res.revision), continue: res.continue, remainingItemCount: res.remainingItemCount };
    } catch (err) {
      if (isStorageError(err, 'InvalidError') && /continue/i.test(err.message)) throw badRequest(err.message);
      throw this.interpretError(err, '');
    }
  }

  // ---- watch ----

  /**
   * watch streams events (upstream Store.Watch + the watch cache semantics): resourceVersion
   * unset or "0" first sends the current objects as ADDED, N sends every change after N, and
   * `sendInitialEvents` ends the initial events with an annotated BOOKMARK. A compacted N gives an
   * ERROR event with a 410 Expired Status.
   */
  async *watch(ctx: RequestContext, req: WatchRequest): AsyncGenerator<StoreWatchEvent> {
    const prefix = this.keyRootFunc(ctx.namespace);
    const pred = req.predicate ?? (() => true);
    const rv = req.resourceVersion ?? '';
    const cacher = this.opts.cacher?.();
    if (cacher) {
      yield* this.watchCache(cacher, prefix, req, rv);
      return;
    }
    const initial = req.sendInitialEvents ?? (rv === '' || rv === '0');
    let startRev: number;
    const initialItems: KubeObject[] = [];
    if (initial) {
      try {
        const res = await this.storage.list<KubeObject>(prefix, {});
        startRev = res.revision;
        for (const it of res.items) if (pred(it)) initialItems.push(it);
      } catch (err) {
        yield { type: 'ERROR', object: toStatusObject(this.interpretError(err, '')) };
        return;
      }
    } else {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) {
        yield { type: 'ERROR', object: toStatusObject(badRequest(`invalid resource version: ${rv}`)) };
        return;
      }
      startRev = n;
    }
    let watcher;
    try {
      watcher = this.storage.watch<KubeObject>(prefix, {
        revision: startRev,
        recursive: true,
        progressNotify: req.allowWatchBookmarks === true,
        signal: req.signal,
      });
    } catch (err) {
      yield { type: 'ERROR', object: toStatusObject(this.interpretError(err, '')) };
      return;
    }
    try {
      for (const it of initialItems) yield { type: 'ADDED', object: this.decorate(it) };
      if (req.sendInitialEvents) {
        yield { type: 'BOOKMARK', object: this.bookmark(String(startRev), true) };
      }
      for await (const ev of watcher as AsyncIterable<WatchEvent<KubeObject>>) {
        if (req.signal.aborted) return;
        const out = this.filterEvent(ev, pred);
        if (!out) continue;
        if (out.type === 'BOOKMARK' && !req.allowWatchBookmarks) continue;
        yield out;
        if (out.type === 'ERROR') return;
      }
    } catch (err) {
      yield { type: 'ERROR', object: toStatusObject(this.interpretError(err, '')) };
    } finally {
      watcher.stop();
    }
  }

  private async *watchCache(cacher: CacherLike, prefix: string, req: WatchRequest, rv: string): AsyncGenerator<StoreWatchEvent> {
    let revision: number | undefined;
    if (rv !== '' && rv !== '0') {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) {
        yield { type: 'ERROR', object: toStatusObject(badRequest(`invalid resource version: ${rv}`)) };
        return;
      }
      revision = n;
    }
    const initial = req.sendInitialEvents ?? (rv === '' || rv === '0');
    let w;
    try {
      w = cacher.watch<KubeObject>(prefix, {
        revision: initial ? undefined : revision,
        recursive: true,
        progressNotify: req.allowWatchBookmarks === true,
        signal: req.signal,
        predicate: req.predicate ? (o: StoredObject) => req.predicate!(o as KubeObject) : undefined,
        sendInitialEvents: initial,
        initialEventsEndBookmark: req.sendInitialEvents === true,
      });
    } catch (err) {
      yield { type: 'ERROR', object: toStatusObject(this.interpretError(err, '')) };
      return;
    }
    try {
      for await (const ev of w) {
        if (req.signal.aborted) return;
        if (ev.type === 'BOOKMARK') {
          if (!req.allowWatchBookmarks) continue;
          const ann = (ev.object?.metadata?.annotations as Record<string, string> | undefined)?.[INITIAL_EVENTS_END_ANNOTATION];
          yield { type: 'BOOKMARK', object: this.bookmark(String(ev.object?.metadata?.resourceVersion ?? ev.revision), ann === 'true') };
          continue;
        }
        if (ev.type === 'ERROR') {
          const o = ev.object as unknown as Record<string, unknown>;
          yield { type: 'ERROR', object: o && o.kind === 'Status' ? o : toStatusObject(this.interpretError(ev.object, '')) };
          return;
        }
        yield { type: ev.type, object: this.decorate(ev.object) };
      }
    } catch (err) {
      yield { type: 'ERROR', object: toStatusObject(this.interpretError(err, '')) };
    } finally {
      w.stop();
    }
  }

  private bookmark(rv: string, initialEventsEnd: boolean): Record<string, unknown> {
    const metadata: Record<string, unknown> = { resourceVersion: rv };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };
    return { kind: this.kind, apiVersion: this.apiVersion, metadata };
  }

  /** filterEvent applies the predicate like the watch cache: leaving the selection is DELETED, entering it ADDED. */
  private filterEvent(ev: WatchEvent<KubeObject>, pred: (o: KubeObject) => boolean): StoreWatchEvent | undefined {
    switch (ev.type) {
      case 'BOOKMARK':
        return { type: 'BOOKMARK', object: this.bookmark(String(ev.revision || ev.object?.metadata?.resourceVersion || ''), false) };
      case 'ERROR':
        return { type: 'ERROR', object: ev.object as unknown as Record<string, unknown> };
      case 'ADDED':
        return pred(ev.object) ? { type: 'ADDED', object: this.decorate(ev.object) } : undefined;
      case 'DELETED': {
        const base = ev.prevObject ?? ev.object;
        return pred(base) || pred(ev.object) ? { type: 'DELETED', object: this.decorate(ev.object) } : undefined;
      }
      case 'MODIFIED': {
        const cur = pred(ev.object);
        const prev = ev.prevObject ? pred(ev.prevObject) : cur;
        if (cur && prev) return { type: 'MODIFIED', object: this.decorate(ev.object) };
        if (cur && !prev) return { type: 'ADDED', object: this.decorate(ev.object) };
        if (!cur && prev) return { type: 'DELETED', object: this.decorate(ev.object) };
        return undefined;
      }
    }
  }

  // ---- create ----

  /**
   * create stores a new object (upstream Store.Create + rest.BeforeCreate): generateName with
   * retries, uid, creationTimestamp, strategy prepare/validate, metadata validation.
   */
  async create(ctx: RequestContext, input: KubeObject, opts: CreateOptions = {}): Promise<KubeObject> {
    const generate = !input.metadata?.name && !!input.metadata?.generateName;
    for (let attempt = 0; ; attempt++) {
      const obj = structuredClone(input);
      obj.metadata ??= {};
      const adm = this.opts.admission?.();
      const call = (): AdmissionCall => this.admissionCall('CREATE', ctx, obj.metadata.name ?? '', obj, undefined, opts.dryRun === true);
      if (adm) await adm.admit(ctx, call());
      this.beforeCreate(ctx, obj);
      if (adm) await adm.validate(ctx, call());
      const finish = this.opts.beginCreate ? await this.opts.beginCreate(ctx, obj, { dryRun: opts.dryRun === true }) : undefined;
      this.opts.managedFields?.(ctx, obj, undefined, opts.fieldManager ?? '', this.subresource, this.strategy.resetFields ?? []);
      const name = obj.metadata.name!;
      let ok = false;
      try {
        const key = this.keyFunc(obj.metadata.namespace ?? '', name);
        let out: KubeObject;
        if (opts.dryRun) {
          // Dry-run still reports AlreadyExists like a real create would.
          const exists = await this.storage.get(key).then(
            () => true,
            (e: unknown) => {
              if (isStorageError(e, 'KeyNotFound')) return false;
              throw e;
            },
          );
          if (exists) throw alreadyExists(this.qualifiedResource, name);
          out = obj;
        } else {
          out = await this.storage.create<KubeObject>(key, obj);
          ok = true;
          await this.opts.afterCreate?.(out);
        }
        return this.decorate(out);
      } catch (err) {
        if (finish) {
          finish(false);
        }
        if (generate && isStorageError(err, 'KeyExists')) {
          if (attempt + 1 < MAX_NAME_GENERATION_CREATE_ATTEMPTS) continue;
          throw generateNameConflict(this.qualifiedResource, name, 1);
        }
        throw this.interpretError(err, name);
      } finally {
        if (finish && ok) finish(true);
      }
    }
  }

  /** beforeCreate is upstream rest.BeforeCreate. */
  private beforeCreate(ctx: RequestContext, obj: KubeObject): void {
    const m = obj.metadata;
    if (this.strategy.namespaceScoped) {
      if (m.namespace && ctx.namespace && m.namespace !== ctx.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = ctx.namespace || m.namespace;
    } else {
      delete m.namespace;
    }
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    delete m.resourceVersion;
    m.uid = randomUUID();
    m.creationTimestamp = rfc3339(this.now());
    delete m.generation;
    this.strategy.prepareForCreate(ctx, obj);
    if (!m.name && m.generateName) m.name = generateName(m.generateName);
    const errs: FieldError[] = [
      ...validateObjectMeta(m as never, { namespaced: this.strategy.namespaceScoped, nameFn: this.opts.nameFn ?? nameIsDNSSubdomain }, fieldPath('metadata')),
      ...this.strategy.validate(ctx, obj),
    ];
    if (errs.length) throw invalid(this.gk(), m.name ?? m.generateName ?? '', errs);
    ctx.warnings.push(...(this.strategy.warningsOnCreate?.(ctx, obj) ?? []));
    this.strategy.canonicalize?.(obj);
  }

  // ---- update (and patch) ----

  /**
   * update writes `objInfo(current)` with compare-and-swap retries (upstream Store.Update):
   * 409 on a stale resourceVersion, create-on-update when allowed, no write when nothing
   * changed, and deletion when the last finalizer of a deleting object goes.
   */
  async update(ctx: RequestContext, name: string, objInfo: UpdatedObjectFunc, opts: UpdateOptions = {}): Promise<{ object: KubeObject; created: boolean }> {
    const key = this.keyFunc(ctx.namespace, name);
    let created = false;
    let deleteAfter = false;
    const tryUpdate = async (existing: KubeObject | undefined): Promise<KubeObject> => {
      created = false;
      deleteAfter = false;
      if (existing === undefined) {
        if (!this.strategy.allowCreateOnUpdate && !opts.forceAllowCreate) throw notFound(this.qualifiedResource, name);
        const obj = await objInfo(undefined);
        obj.metadata ??= {};
        if (obj.metadata.name && obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
        obj.metadata.name = name;
        if (obj.metadata.resourceVersion) throw conflict(this.qualifiedResource, name, OPTIMISTIC_LOCK_ERROR_MSG);
        const adm = this.opts.admission?.();
        if (adm) await adm.admit(ctx, this.admissionCall('CREATE', ctx, name, obj, undefined, opts.dryRun === true));
        this.beforeCreate(ctx, obj);
        if (adm) await adm.validate(ctx, this.admissionCall('CREATE', ctx, name, obj, undefined, opts.dryRun === true));
        if (this.opts.beginCreate) await this.opts.beginCreate(ctx, obj, { dryRun: opts.dryRun === true });
        if (!opts.skipManagedFields) this.opts.managedFields?.(ctx, obj, undefined, opts.fieldManager ?? '', this.subresource, this.strategy.resetFields ?? []);
        created = true;
        return obj;
      }
      const old = existing;
      const obj = await objInfo(structuredClone(old));
      obj.metadata ??= {};
      if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
        throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      obj.metadata.name = name;
      const newRV = obj.metadata.resourceVersion;
      if (newRV === undefined || newRV === '') {
        if (!this.strategy.allowUnconditionalUpdate) {
          throw invalid(this.gk(), name, [invalidValue(fieldPath('metadata', 'resourceVersion'), 0, 'must be specified for an update')]);
        }
        obj.metadata.resourceVersion = old.metadata.resourceVersion;
      } else if (newRV !== old.metadata.resourceVersion) {
        throw conflict(this.qualifiedResource, name, OPTIMISTIC_LOCK_ERROR_MSG);
      }
      const adm = this.opts.admission?.();
      if (adm) await adm.admit(ctx, this.admissionCall('UPDATE', ctx, name, obj, old, opts.dryRun === true));
      this.beforeUpdate(ctx, obj, old);
      if (adm) await adm.validate(ctx, this.admissionCall('UPDATE', ctx, name, obj, old, opts.dryRun === true));
      if (!opts.skipManagedFields) this.opts.managedFields?.(ctx, obj, old, opts.fieldManager ?? '', this.subresource, this.strategy.resetFields ?? []);
      if ((this.opts.shouldDeleteDuringUpdate ?? shouldDeleteDuringUpdate)(obj)) deleteAfter = true;
      return obj;
    };

    try {
      if (opts.dryRun) {
        let existing: KubeObject | undefined;
        try {
          existing = await this.storage.get<KubeObject>(key);
        } catch (err) {
          if (!isStorageError(err, 'KeyNotFound')) throw err;
        }
        const obj = await tryUpdate(existing);
        return { object: this.decorate(obj), created };
      }
      let unchanged: KubeObject | undefined;
      const out = await this.storage
        .guaranteedUpdate<KubeObject>(
          key,
          async (cur) => {
            unchanged = undefined;
            const existing = cur && cur.metadata && Object.keys(cur).length > 0 ? cur : undefined;
            const obj = await tryUpdate(existing);
            if (existing && sameIgnoringVolatile(obj, existing)) {
              unchanged = existing;
              throw new UnchangedResult(existing);
            }
            return obj;
          },
          { ignoreNotFound: this.strategy.allowCreateOnUpdate || opts.forceAllowCreate === true },
        )
        .catch((err: unknown) => {
          if (err instanceof UnchangedResult) return err.obj;
          throw err;
        });
      if (unchanged) return { object: this.decorate(unchanged), created: false };
      if (deleteAfter) {
        // upstream: ShouldDeleteDuringUpdate -> the object goes once the last finalizer does.
        try {
          const gone = await this.storage.delete<KubeObject>(key, { preconditions: { uid: out.metadata.uid } });
          await this.opts.afterDelete?.(gone);
          return { object: this.decorate(gone), created: false };
        } catch (err) {
          if (!isStorageError(err, 'KeyNotFound')) throw err;
        }
      }
      if (created) await this.opts.afterCreate?.(out);
      else await this.opts.afterUpdate?.(out, undefined);
      return { object: this.decorate(out), created };
    } catch (err) {
      throw this.interpretError(err, name);
    }
  }

  /** beforeUpdate is upstream rest.BeforeUpdate. */
  private beforeUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
    const m = obj.metadata;
    const om = old.metadata;
    if (this.strategy.namespaceScoped) {
      if (m.namespace && ctx.namespace && m.namespace !== ctx.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      m.namespace = ctx.namespace || om.namespace;
    } else {
      delete m.namespace;
    }
    // Fields clients may not change (upstream copies them from the old object).
    if (!m.uid) m.uid = om.uid;
    // Changes to the creation timestamp are ignored (clients may re-render it, e.g. with milliseconds).
    if (om.creationTimestamp) m.creationTimestamp = om.creationTimestamp;
    if (om.generation !== undefined) m.generation = om.generation;
    else delete m.generation;
    if (om.deletionTimestamp) m.deletionTimestamp = om.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (om.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    delete m.selfLink;
    this.strategy.prepareForUpdate(ctx, obj, old);
    const errs: FieldError[] = [
      ...validateObjectMetaUpdate(m as never, om as never, fieldPath('metadata')),
      ...this.strategy.validateUpdate(ctx, obj, old),
    ];
    if (errs.length) throw invalid(this.gk(), m.name ?? '', errs);
    ctx.warnings.push(...(this.strategy.warningsOnUpdate?.(ctx, obj, old) ?? []));
    this.strategy.canonicalize?.(obj);
  }

  // ---- delete ----

  /**
   * delete removes an object or marks it for deletion (upstream Store.Delete): preconditions,
   * graceful deletion (deletionTimestamp + deletionGracePeriodSeconds), and finalizers
   * (`orphan`/`foregroundDeletion` added per propagationPolicy) keep it until they are gone.
   */
  async delete(ctx: RequestContext, name: string, options: DeleteOptionsLike = {}): Promise<DeleteResult> {
    const key = this.keyFunc(ctx.namespace, name);
    const dryRun = options.dryRun?.includes('All') === true;
    let existing: KubeObject;
    try {
      existing = await this.storage.get<KubeObject>(key);
    } catch (err) {
      throw this.interpretError(err, name);
    }
    checkDeletePreconditions(this.qualifiedResource, name, options, existing);
    const adm = this.opts.admission?.();
    if (adm) {
      await adm.admit(ctx, this.admissionCall('DELETE', ctx, name, undefined, existing, dryRun));
      await adm.validate(ctx, this.admissionCall('DELETE', ctx, name, undefined, existing, dryRun));
    }
    const marked = this.opts.markForDeletion?.(existing);
    if (marked) {
      if (dryRun) return { object: this.decorate(marked), deleted: false };
      try {
        const out = await this.storage.guaranteedUpdate<KubeObject>(key, (cur) => this.opts.markForDeletion?.(cur) ?? cur, { preconditions: { uid: existing.metadata.uid } });
        await this.opts.afterUpdate?.(out, existing);
        return { object: this.decorate(out), deleted: false };
      } catch (err) {
        throw this.interpretError(err, name);
      }
    }
    const opts = { ...options };
    const graceful = this.strategy.checkGracefulDelete?.(ctx, existing, opts) === true && (opts.gracePeriodSeconds ?? 0) > 0;
    const policy = opts.propagationPolicy ?? (opts.orphanDependents === true ? 'Orphan' : opts.orphanDependents === false ? 'Background' : this.strategy.defaultGarbageCollectionPolicy ?? 'Background');
    const wantFinalizer = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
    const finalizers = [...(existing.metadata.finalizers ?? [])];
    let finalizersChanged = false;
    if (wantFinalizer && !finalizers.includes(wantFinalizer)) {
      // Upstream adds the GC finalizer only to objects that may have dependents; every object may.
      const other = wantFinalizer === 'orphan' ? 'foregroundDeletion' : 'orphan';
      const i = finalizers.indexOf(other);
      if (i >= 0) finalizers.splice(i, 1);
      finalizers.push(wantFinalizer);
      finalizersChanged = true;
    } else if (policy === 'Background' && options.propagationPolicy) {
      for (const f of ['orphan', 'foregroundDeletion']) {
        const i = finalizers.indexOf(f);
        if (i >= 0) {
          finalizers.splice(i, 1);
          finalizersChanged = true;
        }
      }
    }
    const pending = finalizers.length > 0;
    if (pending || graceful) {
      // Mark for deletion: set deletionTimestamp (now + grace) and keep the object.
      const mark = (cur: KubeObject): KubeObject => {
        const obj = structuredClone(cur);
        const m = obj.metadata;
        const grace = graceful ? opts.gracePeriodSeconds! : 0;
        if (!m.deletionTimestamp) {
          m.deletionTimestamp = rfc3339(new Date(this.now().getTime() + grace * 1000));
          m.deletionGracePeriodSeconds = grace;
        } else if ((graceful || opts.gracePeriodSeconds === 0) && (m.deletionGracePeriodSeconds ?? 0) > grace) {
          // A shorter grace period shortens the pending deletion (upstream BeforeDelete); 0 on an
          // object held by finalizers makes it go as soon as the last finalizer is removed.
          m.deletionTimestamp = rfc3339(new Date(this.now().getTime() + grace * 1000));
          m.deletionGracePeriodSeconds = grace;
        } else if (!finalizersChanged) {
          throw new UnchangedResult(cur);
        }
        if (finalizers.length) m.finalizers = finalizers;
        if (m.generation !== undefined && !cur.metadata.deletionTimestamp) m.generation += 1;
        return obj;
      };
      if (dryRun) {
        try {
          return { object: this.decorate(mark(existing)), deleted: false };
        } catch (err) {
          if (err instanceof UnchangedResult) return { object: this.decorate(err.obj), deleted: false };
          throw err;
        }
      }
      try {
        const out = await this.storage
          .guaranteedUpdate<KubeObject>(key, (cur) => mark(cur), {
            preconditions: { uid: existing.metadata.uid },
            cachedExisting: existing,
          })
          .catch((err: unknown) => {
            if (err instanceof UnchangedResult) return err.obj;
            throw err;
          });
        return { object: this.decorate(out), deleted: false };
      } catch (err) {
        throw this.interpretError(err, name);
      }
    }
    if (dryRun) return { object: this.decorate(existing), deleted: true };
    try {
      const gone = await this.storage.delete<KubeObject>(key, {
        preconditions: { uid: existing.metadata.uid, ...(options.preconditions?.resourceVersion ? { resourceVersion: options.preconditions.resourceVersion } : {}) },
      });
      await this.opts.afterDelete?.(gone);
      return { object: this.decorate(gone), deleted: true };
    } catch (err) {
      throw this.interpretError(err, name);
    }
  }

  /** returnDeletedObject tells the handler to answer a finished delete with the object, not a Status. */
  get returnDeletedObject(): boolean {
    return this.opts.returnDeletedObject === true;
  }

  /** deleteCollection deletes every object the predicate selects (upstream Store.DeleteCollection). */
  async deleteCollection(ctx: RequestContext, options: DeleteOptionsLike, req: ListRequest): Promise<ListResponse> {
    const list = await this.list(ctx, { ...req, limit: undefined, continue: undefined });
    const items: KubeObject[] = [];
    for (const it of list.items) {
      try {
        const r = await this.delete({ ...ctx, namespace: it.metadata.namespace ?? ctx.namespace }, it.metadata.name!, options);
        items.push(r.object);
      } catch (err) {
        if (err instanceof StatusError && err.reason === 'NotFound') continue;
        throw err;
      }
    }
    return { items, resourceVersion: list.resourceVersion };
  }
}

/** shouldDeleteDuringUpdate: a deleting object without finalizers and with no grace left goes (upstream ShouldDeleteDuringUpdate). */
export function shouldDeleteDuringUpdate(obj: KubeObject): boolean {
  const m = obj.metadata;
  return !!m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (m.deletionGracePeriodSeconds ?? 0) === 0;
}

function checkDeletePreconditions(gr: GroupResource, name: string, options: DeleteOptionsLike, obj: KubeObject): void {
  const p = options.preconditions;
  if (!p) return;
  if (p.uid && p.uid !== obj.metadata.uid) {
    throw conflict(gr, name, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${obj.metadata.uid}`);
  }
  if (p.resourceVersion && p.resourceVersion !== obj.metadata.resourceVersion) {
    throw conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
  }
}

/** sameIgnoringVolatile: equal apart from managedFields timestamps and resourceVersion. */
function sameIgnoringVolatile(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const c = { ...o, metadata: { ...o.metadata } };
    delete c.metadata.resourceVersion;
    c.metadata.managedFields = (o.metadata.managedFields ?? []).map((e) => ({ ...e, time: undefined }));
    delete c.apiVersion;
    delete c.kind;
    return c;
  };
  return isDeepStrictEqual(JSON.parse(JSON.stringify(strip(a))), JSON.parse(JSON.stringify(strip(b))));
}

/** rfc3339 renders a time as Kubernetes does (seconds precision, `Z`). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName appends 5 random characters (upstream names.SimpleNameGenerator). */
export function generateName(base: string): string {
  const b = base.length > 58 ? base.slice(0, 58) : base;
  const bytes = randomBytes(5);
  let s = '';
  for (const x of bytes) s += NAME_CHARS[x % NAME_CHARS.length];
  return b + s;
}

function toStatusObject(err: unknown): Record<string, unknown> {
  if (err instanceof StatusError) return err.status as unknown as Record<string, unknown>;
  return internalError(err).status as unknown as Record<string, unknown>;
}
