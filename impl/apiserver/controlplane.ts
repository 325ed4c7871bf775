/**
 * The control plane's API wiring: every resource of the generated resource table gets a Store
 * (with its strategy when it has one, the default otherwise), its subresources, printer and field
 * selector attributes; `--runtime-config` enables beta/alpha versions.
 *
 * upstream: pkg/controlplane/instance.go (InstallAPIs), pkg/registry/<group>/rest/storage_*.go,
 * pkg/kubeapiserver/options (runtime-config).
 */
import { ComponentStatusREST } from './registry/core/componentstatus/rest.ts';
import { badRequest, invalid, patchMetaFromStructural, type PatchMeta, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, validatePathSegmentName, type ValidateNameFunc } from '#impl/apimachinery/index.ts';
import { resourceTable, type ResourceTableEntry } from '#generated/k8s/resource-table.ts';
import type { Interface, StoredObject, WatchEvent } from '#impl/storage/interfaces.ts';
import { newCacher, type Cacher } from '#impl/storage/cacher/cacher.ts';
import { ApiRegistry, type ServedResource, type SubresourceHandler } from './api-registry.ts';
import type { OpenApiV3Service } from './openapi/openapi-v3.ts';
import { printerFor } from './printers/printers.ts';
import { newDefaultStrategy, newStatusStrategy } from './registry/generic/default-strategy.ts';
import { Store, rfc3339, shouldDeleteDuringUpdate, type CacherLike, type StoreAdmission, type StoreOptions } from './registry/generic/store.ts';
import type { KubeObject, RequestContext, Strategy } from './registry/rest/strategy.ts';
import { podStatusStrategy, podStrategy } from './registry/core/pod/strategy.ts';
import { bindPod, evictPod, podSubresourceStrategy } from './registry/core/pod/storage.ts';
import { scaleHandler } from './registry/generic/scale.ts';
import type { KubeletClient } from './kubelet-client.ts';
import type { ConnectDeps } from './registry/core/pod/rest/location.ts';
import { newLogREST } from './registry/core/pod/rest/log.ts';
import { newStreamREST } from './registry/core/pod/rest/exec.ts';
import { newPortForwardREST } from './registry/core/pod/rest/port-forward.ts';
import { newPodProxyREST } from './registry/core/pod/rest/proxy.ts';
import { withConnectAdmission } from './registry/core/pod/rest/connect-admission.ts';
import { newNodeProxyREST } from './registry/core/node/rest/proxy.ts';
import { newServiceProxyREST } from './registry/core/service/storage/proxy.ts';
import { namespaceFinalizeStrategy, namespaceStatusStrategy, namespaceStrategy } from './registry/core/namespace/strategy.ts';
import { configMapStrategy } from './registry/core/configmap/strategy.ts';
import { secretStrategy } from './registry/core/secret/strategy.ts';
import { nodeStatusStrategy, nodeStrategy } from './registry/core/node/strategy.ts';
import { eventStrategy } from './registry/core/event/strategy.ts';
import { persistentVolumeStrategy } from './registry/core/persistentvolume/strategy.ts';
import { persistentVolumeClaimStrategy } from './registry/core/persistentvolumeclaim/strategy.ts';
import { limitRangeStrategy } from './registry/core/limitrange/strategy.ts';
import { newServiceStatusStrategy, newServiceStrategy, ServiceAllocators } from './registry/core/service/strategy.ts';
import { newWorkloadStatusStrategy, newWorkloadStrategy, type WorkloadKind } from './registry/apps/workload-strategy.ts';
import { jobStatusStrategy, jobStrategy } from './registry/batch/job/strategy.ts';
import { cronJobStatusStrategy, cronJobStrategy } from './registry/batch/cronjob/strategy.ts';
import { priorityClassStrategy } from './registry/scheduling/priorityclass/strategy.ts';
import { csrApprovalStrategy, csrStatusStrategy, csrStrategy } from './registry/certificates/certificates/strategy.ts';
import { recordUpdate } from './endpoints/fieldmanager.ts';
import type { Structural } from './schema/structural.ts';

/** RuntimeConfig says which group-versions are enabled (`--runtime-config`). */
export interface RuntimeConfig {
  enabled(e: { group: string; version: string; stability: string }): boolean;
}

/**
 * parseRuntimeConfig parses `--runtime-config` (`api/all=true`, `api/beta=true`, `api/alpha=true`,
 * `apps/v1=false`, `batch/v2alpha1`...). GA is on by default, beta/alpha off.
 */
export function parseRuntimeConfig(spec: string | undefined): RuntimeConfig {
  const gv = new Map<string, boolean>();
  let all: boolean | undefined;
  let beta = false;
  let alpha = false;
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v = 'true'] = part.split('=');
    const on = v !== 'false';
    if (k === 'api/all') all = on;
    else if (k === 'api/beta') beta = on;
    else if (k === 'api/alpha') alpha = on;
    else if (k === 'api/legacy' || k === 'api/v1' || k === 'v1') gv.set('/v1', on);
    else gv.set(k!.includes('/') ? k! : `${k}/`, on);
  }
  return {
    enabled({ group, version, stability }) {
      const k = `${group}/${version}`;
      if (gv.has(k)) return gv.get(k)!;
      if (all !== undefined) return all;
      if (stability === 'ga') return true;
      if (stability === 'beta') return beta;
      return alpha;
    },
  };
}

/** STRATEGIES maps `group/resource` to the resource's strategy (and its status strategy). */
function builtinStrategies(alloc: ServiceAllocators): Record<string, { main: Strategy; status?: Strategy }> {
  const workload = (k: WorkloadKind) => ({ main: newWorkloadStrategy(k), status: newWorkloadStatusStrategy(k) });
  return {
    '/pods': { main: podStrategy, status: podStatusStrategy },
    '/namespaces': { main: namespaceStrategy, status: namespaceStatusStrategy },
    '/configmaps': { main: configMapStrategy },
    '/secrets': { main: secretStrategy },
    '/nodes': { main: nodeStrategy, status: nodeStatusStrategy },
    '/events': { main: eventStrategy },
    '/persistentvolumes': { main: persistentVolumeStrategy },
    '/persistentvolumeclaims': { main: persistentVolumeClaimStrategy },
    '/limitranges': { main: limitRangeStrategy },
    '/services': { main: newServiceStrategy(alloc), status: newServiceStatusStrategy(alloc) },
    '/replicationcontrollers': workload('ReplicationController'),
    'apps/deployments': workload('Deployment'),
    'apps/replicasets': workload('ReplicaSet'),
    'apps/statefulsets': workload('StatefulSet'),
    'apps/daemonsets': workload('DaemonSet'),
    'batch/jobs': { main: jobStrategy, status: jobStatusStrategy },
    'batch/cronjobs': { main: cronJobStrategy, status: cronJobStatusStrategy },
    'scheduling.k8s.io/priorityclasses': { main: priorityClassStrategy },
    'certificates.k8s.io/certificatesigningrequests': { main: csrStrategy, status: csrStatusStrategy },
  };
}

/** nameFnFor returns the name rule of a resource (upstream ValidateXxxName). */
export function nameFnFor(group: string, resource: string): ValidateNameFunc {
  if (group === '' && (resource === 'namespaces')) return nameIsDNSLabel;
  if (group === '' && resource === 'services') return nameIsDNS1035Label;
  if (group === 'rbac.authorization.k8s.io' || group === 'apiregistration.k8s.io') return validatePathSegmentName;
  if (group === '' && (resource === 'nodes' || resource === 'serviceaccounts')) return nameIsDNSSubdomain;
  return nameIsDNSSubdomain;
}

/** keyPrefixFor lays keys out like upstream: `/registry/<resource>`; non-core collisions get `/registry/<group>/<resource>`. */
export function keyPrefixFor(e: { group: string; resource: string }, coreResources: Set<string>): string {
  if (e.group === '' && e.resource === 'services') return '/registry/services/specs';
  if (e.group === '' || !coreResources.has(e.resource)) return `/registry/${e.resource}`;
  return `/registry/${e.group}/${e.resource}`;
}

/** ControlPlaneOptions configures {@link buildControlPlane}. */
export interface ControlPlaneOptions {
  storage: Interface;
  openapi: OpenApiV3Service;
  runtimeConfig?: string;
  serviceClusterIPRange?: string;
  /** Use a watch cache per resource (default true). */
  watchCache?: boolean;
  now?: () => Date;
  /** The admission chain every Store calls (impl/apiserver/admission-wiring.ts). */
  admission?: () => StoreAdmission | undefined;
  /** The kubelet client for pods/log, exec, attach, portforward, proxy and nodes/proxy (503 without). */
  kubeletClient?: KubeletClient;
}

/** ControlPlane is the built API: registry, allocators, and the shared pieces CRDs reuse. */
export interface ControlPlane {
  registry: ApiRegistry;
  allocators: ServiceAllocators;
  namespaces: NamespaceTracker;
  /** storeOptions returns the common Store options for a new resource (CRDs). */
  storeCommon(prefix: string, patchMeta?: () => PatchMeta | undefined): Pick<StoreOptions, 'storage' | 'cacher' | 'managedFields' | 'now' | 'admission'>;
  close(): Promise<void>;
}

/**
 * NamespaceTracker answers "does namespace X exist, is it terminating" for the
 * NamespaceLifecycle checks without a storage read per create (a miss falls back to storage).
 */
export class NamespaceTracker {
  private readonly phases = new Map<string, string>();
  constructor(private readonly storage: Interface) {}

  observe(ns: KubeObject, deleted = false): void {
    const name = ns.metadata.name!;
    if (deleted) this.phases.delete(name);
    else this.phases.set(name, ns.metadata.deletionTimestamp ? 'Terminating' : (ns.status?.phase ?? 'Active'));
  }

  /** phase returns the namespace phase, or undefined when it does not exist. */
  async phase(name: string): Promise<string | undefined> {
    const p = this.phases.get(name);
    if (p) return p;
    try {
      const ns = await this.storage.get<KubeObject>(`/registry/namespaces/${name}`);
      this.observe(ns);
      return this.phases.get(name);
    } catch {
      return undefined;
    }
  }
}

/**
 * buildControlPlane builds the registry of built-in resources over one storage.
 */
export function buildControlPlane(o: ControlPlaneOptions): ControlPlane {
  const now = o.now ?? (() => new Date());
  const runtime = parseRuntimeConfig(o.runtimeConfig);
  const registry = new ApiRegistry();
  const coreResources = new Set(resourceTable.filter((e) => e.group === '').map((e) => e.resource));
  const alloc = new ServiceAllocators({ serviceClusterIPRange: o.serviceClusterIPRange ?? '198.19.0.0/16', storage: o.storage, keyPrefix: '/registry/services/specs' });
  const strategies = builtinStrategies(alloc);
  const namespaces = new NamespaceTracker(o.storage);
  const cachers = new Map<string, Cacher>();
  const cacherFor = (prefix: string): (() => CacherLike) | undefined => {
    if (o.watchCache === false) return undefined;
    return () => {
      let c = cachers.get(prefix);
      if (!c) {
        c = newCacher({ storage: o.storage, resourcePrefix: `${prefix}/` });
        cachers.set(prefix, c);
      }
      return c as unknown as CacherLike;
    };
  };
  const schemaCache = new Map<string, Structural | undefined>();
  const schemaOf = (name: string) => {
    if (!schemaCache.has(name)) schemaCache.set(name, name ? o.openapi.structural(name) : undefined);
    return schemaCache.get(name);
  };
  /** managedFieldsFor records Update entries with the kind's patch meta (list keys decide field identity). */
  const managedFieldsFor =
    (patchMeta: () => PatchMeta | undefined): NonNullable<StoreOptions['managedFields']> =>
    (ctx, obj, old, manager, subresource, resetFields) =>
      recordUpdate({ obj, old, manager, apiVersion: ctx.apiVersion ?? obj.apiVersion ?? '', subresource, resetFields, patchMeta: patchMeta(), now: now() });
  const storeCommon = (prefix: string, patchMeta: () => PatchMeta | undefined = () => undefined) => ({ storage: o.storage, cacher: cacherFor(prefix), managedFields: managedFieldsFor(patchMeta), now, admission: o.admission });

  for (const e of resourceTable) {
    if (!runtime.enabled(e)) continue;
    const served = buildServed(e);
    if (served) registry.add(served);
  }

  function buildServed(e: ResourceTableEntry): ServedResource | undefined {
    const gr = { group: e.group, resource: e.resource };
    // Schemas are compiled on first use (the first write or patch of the kind), not at startup.
    const schema = () => schemaOf(e.schema);
    const hasStatus = e.subresources.some((s) => s.name === 'status');
    const printer = printerFor(e.group, e.resource);
    const isVirtual = !e.verbs.includes('get') && !e.verbs.includes('list');
    if (e.group === '' && e.resource === 'componentstatuses') {
      const rest = new ComponentStatusREST({ storage: o.storage, now });
      return {
        entry: e,
        subresources: new Map(),
        get schema() {
          return schema();
        },
        printer,
        readOnly: { get: (_ctx, name) => rest.get(name), list: () => rest.list() },
      };
    }
    if (isVirtual) {
      return {
        entry: e,
        subresources: new Map(),
        get schema() {
          return schema();
        },
        printer,
        create: virtualCreate(e),
      };
    }
    const s = strategies[`${e.group}/${e.resource}`];
    const main = s?.main ?? newDefaultStrategy({ namespaced: e.namespaced, hasStatusSubresource: hasStatus, hasSpec: () => schema()?.properties?.has('spec') ?? false });
    const prefix = keyPrefixFor(e, coreResources);
    let meta: PatchMeta | undefined;
    const patchMeta = () => {
      const sc = schema();
      return (meta ??= sc ? patchMetaFromStructural(sc) : undefined);
    };
    const store = new Store({
      qualifiedResource: gr,
      group: e.group,
      version: e.version,
      kind: e.kind,
      keyPrefix: prefix,
      strategy: main,
      nameFn: nameFnFor(e.group, e.resource),
      returnDeletedObject: e.group === '' && (e.resource === 'pods' || e.resource === 'services'),
      ...serviceHooks(e),
      ...namespaceHooks(e),
      ...storeCommon(prefix, patchMeta),
    });
    const subs = new Map<string, SubresourceHandler>();
    for (const sub of e.subresources) {
      if (sub.name === 'status') subs.set('status', { store: store.withSubresource('status', s?.status ?? newStatusStrategy(main)) });
      else if (sub.name === 'scale') subs.set('scale', scaleHandler(store, e, () => schemaOf('io.k8s.api.autoscaling.v1.Scale')));
      else if (sub.name === 'approval' && e.resource === 'certificatesigningrequests') subs.set('approval', { store: store.withSubresource('approval', csrApprovalStrategy) });
      else if (sub.name === 'finalize' && e.resource === 'namespaces') subs.set('finalize', { store: store.withSubresource('finalize', namespaceFinalizeStrategy) });
      else if (sub.name === 'binding' && e.resource === 'pods') {
        const bindStore = store.withSubresource('binding', { ...podStrategy, prepareForUpdate: () => {}, validateUpdate: () => [] });
        subs.set('binding', { create: (ctx, name, body, opts) => bindPod(bindStore, ctx, name, body, opts.dryRun, now) });
      }
      else if (sub.name === 'eviction' && e.resource === 'pods') {
        const evictStatusStore = store.withSubresource('status', podStatusStrategy);
        subs.set('eviction', { create: (ctx, name, body, opts) => evictPod(store, registry.lookup('policy', 'v1', 'poddisruptionbudgets')?.store, ctx, name, body, opts.dryRun, { store: evictStatusStore, now }) });
      }
      else if ((sub.name === 'ephemeralcontainers' || sub.name === 'resize') && e.resource === 'pods') subs.set(sub.name, { store: store.withSubresource(sub.name, podSubresourceStrategy(sub.name)) });
      else if (e.group === '' && e.resource === 'services' && sub.name === 'proxy') {
        const connect = newServiceProxyREST({ services: store, endpoints: () => registry.lookup('', 'v1', 'endpoints')?.store, pods: () => registry.lookup('', 'v1', 'pods')?.store });
        subs.set('proxy', { connect: withConnectAdmission(connect, { resource: 'services', subresource: 'proxy', admission: o.admission }) });
      }
      else if (e.group === '' && (e.resource === 'pods' || e.resource === 'nodes')) {
        const deps: ConnectDeps = { pods: store, nodes: () => (e.resource === 'nodes' ? store : registry.lookup('', 'v1', 'nodes')?.store), kubelet: () => o.kubeletClient };
        const connect = e.resource === 'nodes' ? (sub.name === 'proxy' ? newNodeProxyREST(deps) : undefined)
          : sub.name === 'log' ? newLogREST(deps)
          : sub.name === 'exec' || sub.name === 'attach' ? newStreamREST(deps, sub.name)
          : sub.name === 'portforward' ? newPortForwardREST(deps)
          : sub.name === 'proxy' ? newPodProxyREST(deps)
          : undefined;
        // pods/log is a getter upstream (no CONNECT admission); the others are Connecters.
        if (connect) subs.set(sub.name, { connect: sub.name === 'log' ? connect : withConnectAdmission(connect, { resource: e.resource, subresource: sub.name, admission: o.admission }) });
      }
    }
    return {
      entry: e,
      store,
      subresources: subs,
      get schema() {
        return schema();
      },
      patchMeta,
      printer,
      setDefaults: main.setDefaults,
      fieldSelectorAttrs: main.fieldSelectorAttrs,
    };
  }

  function serviceHooks(e: ResourceTableEntry): Partial<StoreOptions> {
    if (!(e.group === '' && e.resource === 'services')) return {};
    return {
      // Missing/terminating namespaces are refused earlier, by the NamespaceLifecycle admission plugin.
      beginCreate: async (_ctx, obj, opts) => {
        await alloc.load();
        const errs = alloc.allocate(obj, opts.dryRun);
        if (errs.length) throw invalid({ group: '', kind: 'Service' }, obj.metadata.name ?? '', errs);
        // Release what this create allocated when it is not stored (upstream alloc.go txn revert).
        return (success: boolean) => {
          if (!success && !opts.dryRun) alloc.release(obj);
        };
      },
      afterDelete: (obj) => alloc.release(obj),
    };
  }

  function namespaceHooks(e: ResourceTableEntry): Partial<StoreOptions> {
    if (!(e.group === '' && e.resource === 'namespaces')) return {};
    return {
      // upstream: namespace REST.Delete — with spec.finalizers the namespace turns Terminating first.
      markForDeletion: (obj) => {
        if ((obj.spec?.finalizers ?? []).length === 0) return undefined;
        const next = structuredClone(obj);
        next.metadata.deletionTimestamp ??= rfc3339(now());
        next.metadata.deletionGracePeriodSeconds ??= 0;
        next.status = { ...(next.status ?? {}), phase: 'Terminating' };
        return next;
      },
      shouldDeleteDuringUpdate: (obj) => shouldDeleteDuringUpdate(obj) && (obj.spec?.finalizers ?? []).length === 0,
      afterCreate: (obj) => namespaces.observe(obj),
      afterUpdate: (obj) => namespaces.observe(obj),
      afterDelete: (obj) => namespaces.observe(obj, true),
    };
  }

  function virtualCreate(e: ResourceTableEntry): ServedResource['create'] {
    return async (ctx, body) => {
      const out = structuredClone(body);
      const user = ctx.user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] };
      switch (e.resource) {
        case 'selfsubjectaccessreviews':
        case 'subjectaccessreviews':
        case 'localsubjectaccessreviews':
          // TODO(#4): real authorization; every authenticated user is allowed for now.
          out.status = { allowed: true, reason: 'kubets: authorization not enforced yet' };
          return out;
        case 'selfsubjectrulesreviews':
          out.status = { resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false };
          return out;
        case 'selfsubjectreviews':
          out.status = { userInfo: { username: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) } };
          return out;
        case 'tokenreviews':
          out.status = { authenticated: false, error: 'token authentication is not configured' };
          return out;
        case 'bindings': {
          const binding = registry.lookup('', 'v1', 'pods')?.subresources.get('binding');
          if (!binding?.create) throw badRequest('pods are not served');
          return (await binding.create(ctx, body.metadata?.name ?? '', body, { dryRun: false })) as KubeObject;
        }
        default:
          throw badRequest(`${e.resource} cannot be created on this server`);
      }
    };
  }

  return {
    registry,
    allocators: alloc,
    namespaces,
    storeCommon,
    async close() {
      for (const c of cachers.values()) await c.close();
    },
  };
}

/** watchNamespaces keeps the tracker current from a storage watch (started by the server). */
export async function trackNamespaces(storage: Interface, tracker: NamespaceTracker, signal: AbortSignal): Promise<void> {
  const list = await storage.list<KubeObject>('/registry/namespaces/', {});
  for (const ns of list.items) tracker.observe(ns);
  void (async () => {
    const w = storage.watch<StoredObject>('/registry/namespaces/', { revision: list.revision, recursive: true, signal });
    try {
      for await (const ev of w as AsyncIterable<WatchEvent<StoredObject>>) {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') tracker.observe(ev.object as KubeObject);
        else if (ev.type === 'DELETED') tracker.observe(ev.object as KubeObject, true);
      }
    } catch {
      /* the watch ends on close */
    }
  })();
}
