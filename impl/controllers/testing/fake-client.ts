/**
 * FakeClient is an in-memory apiserver stand-in for controller unit tests (client-go
 * `dynamic/fake` with its object tracker): objects per resource, resourceVersions, uids,
 * generateName, label selectors, merge patches, finalizer-aware deletes (`orphan` and
 * `foregroundDeletion` added for those propagation policies), the namespace `finalize`
 * subresource, and a log of every write as `verb resource[/sub] ns/name` in {@link FakeClient.actions}.
 */
import { randomUUID } from 'node:crypto';
import { labels } from '#impl/apimachinery/index.ts';
import { ApiError, type DeleteOptions, type KubeList, type KubeObject, type ListOptions, type PatchOptions, type WriteOptions, type CallOptions } from '#impl/client/index.ts';
import type { ClientLike, ResourceApi } from '../controller-client.ts';

/** statusError builds the ApiError the apiserver would send for `reason`. */
export function statusError(code: number, reason: string, message: string): ApiError {
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
  return new ApiError({ code, status, request: 'fake', body: JSON.stringify(status) });
}

type Reactor = (verb: string, resource: string, ns: string, name: string, obj?: KubeObject) => void;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** FakeClient implements {@link ClientLike} in memory. */
export class FakeClient implements ClientLike {
  /** resource -> `ns/name` -> object. */
  readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Every write, e.g. `create pods ns/web-abc`, `delete configmaps ns/x`, `update namespaces/finalize /ns`. */
  readonly actions: string[] = [];
  /** The object (or patch) sent with each action, in order. */
  readonly sent: Array<{ action: string; obj?: KubeObject }> = [];
  private readonly reactors: Reactor[] = [];
  private rv = 1;
  private seq = 0;
  /** Time used for creation and deletion timestamps. */
  now: () => Date = () => new Date('2026-01-01T00:00:00Z');

  constructor(seed: Array<{ resource: string; obj: KubeObject }> = []) {
    for (const s of seed) this.seed(s.resource, s.obj);
  }

  /** seed stores an object as is (filling uid and resourceVersion) without recording an action. */
  seed(resource: string, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata ??= {};
    o.metadata.uid ??= randomUUID();
    o.metadata.resourceVersion = String(this.rv++);
    this.bucket(resource).set(this.key(o.metadata.namespace ?? '', o.metadata.name ?? ''), o);
    return o;
  }

  /** react registers a hook run before every call; it throws to fail the call. */
  react(fn: Reactor): void {
    this.reactors.push(fn);
  }

  /** get returns a stored object (or undefined). */
  stored(resource: string, ns: string, name: string): KubeObject | undefined {
    return this.bucket(resource).get(this.key(ns, name));
  }

  /** all returns every stored object of a resource (optionally one namespace). */
  all(resource: string, ns?: string): KubeObject[] {
    return [...this.bucket(resource).values()].filter((o) => ns === undefined || (o.metadata?.namespace ?? '') === ns);
  }

  /** lastSent returns the last object sent with `action` (e.g. `update namespaces/status /t`). */
  lastSent(action: string): KubeObject | undefined {
    return [...this.sent].reverse().find((s) => s.action === action)?.obj;
  }

  /** writes returns the recorded actions except the given verbs. */
  writes(): string[] {
    return this.actions.filter((a) => !a.startsWith('get ') && !a.startsWith('list '));
  }

  resource(group: string, version: string, resource: string): ResourceApi {
    return this.api(resource, undefined, group, version);
  }

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource);
    if (!b) {
      b = new Map();
      this.objects.set(resource, b);
    }
    return b;
  }

  private run(verb: string, resource: string, ns: string, name: string, obj?: KubeObject): void {
    this.actions.push(`${verb} ${resource} ${ns}/${name}`);
    this.sent.push({ action: `${verb} ${resource} ${ns}/${name}`, obj: obj && structuredClone(obj) });
    for (const r of this.reactors) r(verb, resource, ns, name, obj);
  }

  private notFound(resource: string, name: string): ApiError {
    return statusError(404, 'NotFound', `${resource} "${name}" not found`);
  }

  private remove(resource: string, ns: string, name: string, opts?: DeleteOptions): KubeObject {
    const b = this.bucket(resource);
    const k = this.key(ns, name);
    const cur = b.get(k);
    if (!cur) throw this.notFound(resource, name);
    if (opts?.preconditions?.uid && opts.preconditions.uid !== cur.metadata?.uid) {
      throw statusError(409, 'Conflict', `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${cur.metadata?.uid}`);
    }
    const next = structuredClone(cur);
    const fins = [...(next.metadata!.finalizers ?? [])];
    const want = opts?.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : opts?.propagationPolicy === 'Orphan' ? 'orphan' : undefined;
    if (want && !fins.includes(want)) fins.push(want);
    if (resource === 'namespaces' && (next.spec?.finalizers ?? []).length > 0) {
      next.metadata!.deletionTimestamp ??= this.now().toISOString();
      next.status = { ...(next.status ?? {}), phase: 'Terminating' };
      next.metadata!.finalizers = fins.length ? fins : undefined;
      next.metadata!.resourceVersion = String(this.rv++);
      b.set(k, next);
      return next;
    }
    if (fins.length > 0) {
      next.metadata!.deletionTimestamp ??= this.now().toISOString();
      next.metadata!.finalizers = fins;
      next.metadata!.resourceVersion = String(this.rv++);
      b.set(k, next);
      return next;
    }
    b.delete(k);
    return cur;
  }

  private finishIfDone(resource: string, obj: KubeObject): void {
    const m = obj.metadata!;
    if (!m.deletionTimestamp || (m.finalizers ?? []).length > 0) return;
    if (resource === 'namespaces' && (obj.spec?.finalizers ?? []).length > 0) return;
    this.bucket(resource).delete(this.key(m.namespace ?? '', m.name ?? ''));
  }

  private api(resource: string, namespace: string | undefined, group: string, version: string): ResourceApi {
    const ns = namespace ?? '';
    const self = this;
    const api: ResourceApi = {
      namespace: (n: string) => self.api(resource, n, group, version),
      async get(name: string, opts?: CallOptions) {
        self.run('get', resource + (opts?.subresource ? `/${opts.subresource}` : ''), ns, name);
        const o = self.bucket(resource).get(self.key(ns, name));
        if (!o) throw self.notFound(resource, name);
        return structuredClone(o);
      },
      async list(opts?: ListOptions): Promise<KubeList<KubeObject>> {
        self.run('list', resource, ns, '');
        const sel = opts?.labelSelector ? labels.parse(opts.labelSelector) : undefined;
        const items = self.all(resource, namespace).filter((o) => !sel || sel.matches(o.metadata?.labels ?? {}));
        return { apiVersion: group ? `${group}/${version}` : version, kind: 'List', metadata: { resourceVersion: String(self.rv) }, items: structuredClone(items) };
      },
      async create(obj: KubeObject, _opts?: WriteOptions) {
        const o = structuredClone(obj);
        o.metadata ??= {};
        if (!o.metadata.name && o.metadata.generateName) o.metadata.name = `${o.metadata.generateName}${(self.seq++).toString(36).padStart(5, 'x')}`;
        if (namespace !== undefined) o.metadata.namespace = namespace;
        const name = o.metadata.name ?? '';
        self.run('create', resource, ns, name, o);
        if (self.bucket(resource).has(self.key(ns, name))) throw statusError(409, 'AlreadyExists', `${resource} "${name}" already exists`);
        o.metadata.uid = randomUUID();
        o.metadata.resourceVersion = String(self.rv++);
        o.metadata.creationTimestamp ??= self.now().toISOString();
        self.bucket(resource).set(self.key(ns, name), o);
        return structuredClone(o);
      },
      async update(obj: KubeObject, opts?: WriteOptions & { name?: string }) {
        const name = opts?.name ?? obj.metadata?.name ?? '';
        const sub = opts?.subresource;
        self.run('update', resource + (sub ? `/${sub}` : ''), ns, name, obj);
        const b = self.bucket(resource);
        const cur = b.get(self.key(ns, name));
        if (!cur) throw self.notFound(resource, name);
        if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== cur.metadata?.resourceVersion) {
          throw statusError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        let next: KubeObject;
        // status and CSR approval (conditions) write only the status.
        if (sub === 'status' || sub === 'approval') next = { ...structuredClone(cur), status: structuredClone(obj.status) };
        else if (sub === 'finalize') next = { ...structuredClone(cur), spec: { ...(cur.spec ?? {}), finalizers: structuredClone(obj.spec?.finalizers ?? []) } };
        else next = { ...structuredClone(obj), status: sub === undefined && resource !== 'namespaces' ? structuredClone(obj.status ?? cur.status) : cur.status };
        next.metadata = { ...next.metadata, uid: cur.metadata?.uid, namespace: cur.metadata?.namespace, resourceVersion: String(self.rv++) };
        if (cur.metadata?.deletionTimestamp) next.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
        b.set(self.key(ns, name), next);
        self.finishIfDone(resource, next);
        return structuredClone(next);
      },
      async patch(name: string, body: unknown, opts?: PatchOptions) {
        const sub = opts?.subresource;
        self.run('patch', resource + (sub ? `/${sub}` : ''), ns, name, body as KubeObject);
        if ((opts?.type ?? 'merge') !== 'merge' && opts?.type !== 'strategic') throw new Error(`fake client: patch type ${opts?.type} not supported`);
        const b = self.bucket(resource);
        const cur = b.get(self.key(ns, name));
        if (!cur) throw self.notFound(resource, name);
        const pb = body as KubeObject;
        if (pb?.metadata?.uid && pb.metadata.uid !== cur.metadata?.uid) throw statusError(409, 'Conflict', `Precondition failed: UID in precondition: ${pb.metadata.uid}, UID in object meta: ${cur.metadata?.uid}`);
        const next = mergePatch(cur, body) as KubeObject;
        next.metadata = { ...next.metadata, resourceVersion: String(self.rv++) };
        b.set(self.key(ns, name), next);
        self.finishIfDone(resource, next);
        return structuredClone(next);
      },
      async delete(name: string, opts?: DeleteOptions) {
        self.run('delete', resource, ns, name);
        return self.remove(resource, ns, name, opts);
      },
      async deleteCollection(opts?: ListOptions & Omit<DeleteOptions, 'subresource'>) {
        self.run('deletecollection', resource, ns, '');
        const sel = opts?.labelSelector ? labels.parse(opts.labelSelector) : undefined;
        for (const o of self.all(resource, namespace)) {
          if (sel && !sel.matches(o.metadata?.labels ?? {})) continue;
          self.remove(resource, o.metadata?.namespace ?? '', o.metadata?.name ?? '', opts);
        }
        return { kind: 'Status', apiVersion: 'v1', status: 'Success' };
      },
    };
    return api;
  }
}
