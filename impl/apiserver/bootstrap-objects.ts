/**
 * Objects upstream's kube-apiserver creates from its post-start hooks, beyond namespaces and the
 * `kubernetes` Service:
 * - a Local `APIService` (apiregistration.k8s.io/v1) per built-in served group-version
 *   (kube-aggregator's `autoregister` controller with `apiservice-registration-controller`),
 *   labelled `kube-aggregator.kubernetes.io/automanaged: onstart` and Available (reason Local);
 * - the default `kubernetes` ServiceCIDR (networking.k8s.io/v1, `default-servicecidr-controller`);
 * - the mandatory and suggested FlowSchemas and PriorityLevelConfigurations
 *   (flowcontrol.apiserver.k8s.io/v1, `apiserver/pkg/apis/flowcontrol/bootstrap`), annotated
 *   `apf.kubernetes.io/autoupdate-spec: "true"`, FlowSchemas with their Dangling condition.
 *
 * Each object is read first and written only when missing (a restart writes nothing), and
 * only for APIs that are served (`--runtime-config` may turn a group off). APIServices are written
 * to storage directly: `v1.` (the core group) is a valid path segment, which is what upstream's
 * APIService name validation asks for, but not a DNS subdomain, which the generic Store checks.
 */
import { isStorageError, type Interface, type StoredObject } from '#impl/storage/interfaces.ts';
import type { ApiRegistry } from './api-registry.ts';
import type { KubeObject, RequestContext } from './registry/rest/strategy.ts';

/** AUTOMANAGED_LABEL marks APIServices the apiserver registers for its own groups. */
export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';
/** AUTOUPDATE_SPEC_ANNOTATION marks APF objects whose spec the apiserver keeps current. */
export const AUTOUPDATE_SPEC_ANNOTATION = 'apf.kubernetes.io/autoupdate-spec';

/**
 * API_SERVICE_PRIORITIES are upstream's `apiVersionPriorities` (group priority minimum, version
 * priority) for the built-in group-versions; others get {@link DEFAULT_PRIORITY}.
 */
export const API_SERVICE_PRIORITIES: Record<string, { group: number; version: number }> = {
  'v1.': { group: 18000, version: 1 },
  'v1.apiregistration.k8s.io': { group: 18000, version: 15 },
  'v1.apps': { group: 17800, version: 15 },
  'v1.events.k8s.io': { group: 17750, version: 15 },
  'v1.authentication.k8s.io': { group: 17700, version: 15 },
  'v1.authorization.k8s.io': { group: 17600, version: 15 },
  'v1.autoscaling': { group: 17500, version: 15 },
  'v2.autoscaling': { group: 17500, version: 30 },
  'v1.batch': { group: 17400, version: 15 },
  'v1.certificates.k8s.io': { group: 17300, version: 15 },
  'v1.networking.k8s.io': { group: 17200, version: 15 },
  'v1.policy': { group: 17100, version: 15 },
  'v1.rbac.authorization.k8s.io': { group: 17000, version: 15 },
  'v1.storage.k8s.io': { group: 16800, version: 15 },
  'v1.apiextensions.k8s.io': { group: 16700, version: 15 },
  'v1.admissionregistration.k8s.io': { group: 16700, version: 15 },
  'v1.scheduling.k8s.io': { group: 16600, version: 15 },
  'v1.coordination.k8s.io': { group: 16500, version: 15 },
  'v1.node.k8s.io': { group: 16300, version: 15 },
  'v1.discovery.k8s.io': { group: 16200, version: 15 },
  'v1.resource.k8s.io': { group: 16200, version: 15 },
  'v1.flowcontrol.apiserver.k8s.io': { group: 16100, version: 21 },
};
/** DEFAULT_PRIORITY is used for group-versions missing from {@link API_SERVICE_PRIORITIES}. */
export const DEFAULT_PRIORITY = { group: 1000, version: 100 };

/** apiServiceName is `version.group` (`v1.` for the core group), as kube-aggregator names them. */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

/** localAPIService is the APIService of a group-version the apiserver serves itself. */
export function localAPIService(group: string, version: string): KubeObject {
  const name = apiServiceName(group, version);
  const p = API_SERVICE_PRIORITIES[name] ?? (version.includes('alpha') || version.includes('beta') ? { group: API_SERVICE_PRIORITIES[apiServiceName(group, 'v1')]?.group ?? DEFAULT_PRIORITY.group, version: 9 } : DEFAULT_PRIORITY);
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name, labels: { [AUTOMANAGED_LABEL]: 'onstart' } },
    spec: { ...(group ? { group } : {}), version, groupPriorityMinimum: p.group, versionPriority: p.version },
  };
}

type Subject = Record<string, unknown>;
const group = (name: string): Subject => ({ kind: 'Group', group: { name } });
const user = (name: string): Subject => ({ kind: 'User', user: { name } });
const kubeSystemSA = (name: string): Subject => ({ kind: 'ServiceAccount', serviceAccount: { namespace: 'kube-system', name } });
const ALL_RESOURCES = [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }];
const ALL_NON_RESOURCES = [{ verbs: ['*'], nonResourceURLs: ['*'] }];
const EVERYONE = [group('system:unauthenticated'), group('system:authenticated')];

function plc(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name, annotations: { [AUTOUPDATE_SPEC_ANNOTATION]: 'true' } }, spec };
}
function limited(shares: number, lendablePercent: number, queues: number, handSize: number): Record<string, unknown> {
  return { type: 'Limited', limited: { nominalConcurrencyShares: shares, lendablePercent, limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit: 50 } } } };
}
function flowSchema(name: string, pl: string, precedence: number, distinguisher: 'ByUser' | 'ByNamespace' | undefined, rules: Record<string, unknown>[]): KubeObject {
  return {
    apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
    kind: 'FlowSchema',
    metadata: { name, annotations: { [AUTOUPDATE_SPEC_ANNOTATION]: 'true' } },
    spec: { priorityLevelConfiguration: { name: pl }, matchingPrecedence: precedence, ...(distinguisher ? { distinguisherMethod: { type: distinguisher } } : {}), rules },
  };
}
const everything = (subjects: Subject[]) => [{ subjects, resourceRules: ALL_RESOURCES, nonResourceRules: ALL_NON_RESOURCES }];
const leaderElectionRules = (configNamespaces: string[]) => [
  { verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints', 'configmaps'], namespaces: configNamespaces },
  { verbs: ['get', 'create', 'update'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
];

/** PRIORITY_LEVEL_CONFIGURATIONS are upstream's mandatory (exempt, catch-all) and suggested priority levels. */
export const PRIORITY_LEVEL_CONFIGURATIONS: readonly KubeObject[] = [
  plc('exempt', { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } }),
  plc('catch-all', { type: 'Limited', limited: { nominalConcurrencyShares: 5, lendablePercent: 0, limitResponse: { type: 'Reject' } } }),
  plc('system', limited(30, 33, 64, 6)),
  plc('node-high', limited(40, 25, 64, 6)),
  plc('leader-election', limited(10, 0, 16, 4)),
  plc('workload-high', limited(40, 50, 128, 6)),
  plc('workload-low', limited(100, 90, 128, 6)),
  plc('global-default', limited(20, 50, 128, 6)),
];

/** FLOW_SCHEMAS are upstream's mandatory (exempt, catch-all) and suggested FlowSchemas. */
export const FLOW_SCHEMAS: readonly KubeObject[] = [
  flowSchema('exempt', 'exempt', 1, undefined, everything([group('system:masters')])),
  flowSchema('probes', 'exempt', 2, undefined, [{ subjects: EVERYONE, nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz', '/livez'] }] }]),
  flowSchema('system-leader-election', 'leader-election', 100, 'ByUser', [{ subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler'), kubeSystemSA('*')], resourceRules: leaderElectionRules(['kube-system']) }]),
  flowSchema('endpoint-controller', 'workload-high', 150, 'ByUser', [{ subjects: [user('system:kube-controller-manager'), kubeSystemSA('endpoint-controller')], resourceRules: [{ verbs: ['get', 'create', 'update'], apiGroups: [''], resources: ['endpoints'], namespaces: ['*'] }] }]),
  flowSchema('workload-leader-election', 'leader-election', 200, 'ByUser', [{ subjects: [kubeSystemSA('*')], resourceRules: leaderElectionRules(['*']) }]),
  flowSchema('system-node-high', 'node-high', 400, 'ByUser', [{
    subjects: [group('system:nodes')],
    resourceRules: [
      { verbs: ['*'], apiGroups: [''], resources: ['nodes', 'nodes/status'], namespaces: ['*'], clusterScope: true },
      { verbs: ['*'], apiGroups: ['coordination.k8s.io'], resources: ['leases'], namespaces: ['*'] },
    ],
  }]),
  flowSchema('system-nodes', 'system', 500, 'ByUser', everything([group('system:nodes')])),
  flowSchema('kube-controller-manager', 'workload-high', 800, 'ByNamespace', everything([user('system:kube-controller-manager')])),
  flowSchema('kube-scheduler', 'workload-high', 800, 'ByNamespace', everything([user('system:kube-scheduler')])),
  flowSchema('kube-system-service-accounts', 'workload-high', 900, 'ByNamespace', everything([kubeSystemSA('*')])),
  flowSchema('service-accounts', 'workload-low', 9000, 'ByUser', everything([group('system:serviceaccounts')])),
  flowSchema('global-default', 'global-default', 9900, 'ByUser', everything(EVERYONE)),
  flowSchema('catch-all', 'catch-all', 10000, 'ByUser', everything(EVERYONE)),
];

/** defaultServiceCIDR is the `kubernetes` ServiceCIDR for the service cluster IP range(s). */
export function defaultServiceCIDR(serviceClusterIPRange: string): KubeObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: 'kubernetes' }, spec: { cidrs: serviceClusterIPRange.split(',').map((s) => s.trim()).filter(Boolean) } };
}

/** EnsureBootstrapObjectsOptions configure {@link ensureBootstrapObjects}. */
export interface EnsureBootstrapObjectsOptions {
  /** The storage the registry's Stores write to (APIServices are written directly). */
  storage: Interface;
  /** `--service-cluster-ip-range`. */
  serviceClusterIPRange: string;
  /** Injected clock (condition timestamps). */
  now?: () => Date;
}

/**
 * ensureBootstrapObjects creates the APIServices, the default ServiceCIDR and the APF
 * configuration when missing, then sets the status upstream's controllers would (Available,
 * Ready, Dangling) on the objects it created.
 */
export async function ensureBootstrapObjects(registry: ApiRegistry, o: EnsureBootstrapObjectsOptions): Promise<void> {
  const now = (o.now ?? (() => new Date()))().toISOString().replace(/\.\d+Z$/, 'Z');
  const ctx: RequestContext = { namespace: '', warnings: [], user: { name: 'system:apiserver', groups: ['system:masters'] }, apiVersion: 'v1' };
  const ensure = async (group: string, resource: string, obj: KubeObject, status?: Record<string, unknown>): Promise<void> => {
    const served = registry.lookup(group, 'v1', resource);
    if (!served?.store) return;
    const name = obj.metadata!.name!;
    if (await served.store.get(ctx, name).then(() => true, () => false)) return;
    try {
      await served.store.create(ctx, structuredClone(obj), { fieldManager: 'kube-apiserver' });
    } catch (err) {
      if ((err as { reason?: string }).reason === 'AlreadyExists') return;
      throw err;
    }
    const statusStore = served.subresources.get('status')?.store;
    if (status && statusStore) {
      await statusStore.update(ctx, name, (old) => ({ ...structuredClone(old!), status }), { fieldManager: 'kube-apiserver' });
    }
  };

  const builtin = new Map<string, Set<string>>();
  for (const r of registry.all()) {
    if (r.custom) continue;
    const vs = builtin.get(r.entry.group) ?? new Set<string>();
    vs.add(r.entry.version);
    builtin.set(r.entry.group, vs);
  }
  const available = { conditions: [{ type: 'Available', status: 'True', lastTransitionTime: now, reason: 'Local', message: 'Local APIServices are always available' }] };
  if (registry.lookup('apiregistration.k8s.io', 'v1', 'apiservices')?.store) {
    for (const [g, versions] of builtin) {
      for (const v of versions) {
        const svc = localAPIService(g, v);
        const key = `/registry/apiservices/${svc.metadata!.name}`;
        if (await o.storage.get(key).then(() => true, () => false)) continue;
        svc.metadata = { ...svc.metadata, uid: crypto.randomUUID(), creationTimestamp: now, generation: 1 };
        svc.status = available;
        try {
          await o.storage.create(key, svc as StoredObject);
        } catch (err) {
          if (!isStorageError(err, 'KeyExists')) throw err;
        }
      }
    }
  }

  await ensure('networking.k8s.io', 'servicecidrs', defaultServiceCIDR(o.serviceClusterIPRange), {
    conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now, reason: 'ServiceCIDRReady', message: 'Kubernetes default Service CIDR is ready' }],
  });

  for (const pl of PRIORITY_LEVEL_CONFIGURATIONS) await ensure('flowcontrol.apiserver.k8s.io', 'prioritylevelconfigurations', pl);
  for (const fs of FLOW_SCHEMAS) {
    const pl = (fs.spec as { priorityLevelConfiguration: { name: string } }).priorityLevelConfiguration.name;
    await ensure('flowcontrol.apiserver.k8s.io', 'flowschemas', fs, {
      conditions: [{ type: 'Dangling', status: 'False', lastTransitionTime: now, reason: 'Found', message: `This FlowSchema references the PriorityLevelConfiguration object named "${pl}" and it exists` }],
    });
  }
}
