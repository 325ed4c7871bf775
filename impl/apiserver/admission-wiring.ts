/**
 * Builds the admission chain from `--enable-admission-plugins`/`--disable-admission-plugins`
 * with lookups over the registry's storage (watch caches), and adapts it to the Store's
 * per-call admission hook.
 *
 * upstream: pkg/kubeapiserver/options/admission.go (DefaultOffAdmissionPlugins, plugin order)
 * and staging/src/k8s.io/apiserver/pkg/endpoints/handlers (admission calls).
 */
import type { IngressClass, RuntimeClass, LimitRange, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, MutatingWebhookConfiguration, Namespace, PriorityClass, ResourceQuota, Service, ServiceAccount, StorageClass, ValidatingWebhookConfiguration } from '#generated/k8s/index.ts';
import {
  AdmissionChain,
  AdmissionMetrics,
  clusterIPServiceResolver,
  newAttributes,
  newDefaultIngressClass,
  newDefaultStorageClass,
  newStorageObjectInUseProtection,
  newRuntimeClass,
  SYSTEM_PRIORITY_CLASSES,
  validateWebhookConfigurationMatchConditions,
  newValidatingAdmissionPolicy,
  validateValidatingAdmissionPolicy,
  newDefaultTolerationSeconds,
  newLimitRanger,
  newMutatingAdmissionWebhook,
  newNamespaceLifecycle,
  newNodeRestriction,
  newPodSecurity,
  newPriority,
  newResourceQuota,
  newServiceAccountAdmission,
  newValidatingAdmissionWebhook,
  ORDERED_PLUGINS,
  sortPlugins,
  type AdmissionAttributes,
  type Plugin,
} from '#impl/admission/index.ts';
import type { Interface, StoredObject } from '#impl/storage/interfaces.ts';
import { invalid } from '#impl/apimachinery/index.ts';
import { resourceTable } from '#generated/k8s/resource-table.ts';
import { keyPrefixFor } from './controlplane.ts';
import type { Registry } from 'prom-client';
import { ObjectCache } from './auth-wiring.ts';
import { QuotaAccessor } from '#impl/admission/plugins/resourcequota/resource-access.ts';
import type { AdmissionCall, StoreAdmission } from './registry/generic/store.ts';
import type { RequestContext } from './registry/rest/strategy.ts';

/**
 * DEFAULT_ADMISSION_PLUGINS is the set on when the flags name no plugins: upstream's default-on
 * set (of the plugins kubets has) plus NodeRestriction, which kubeadm enables.
 * StorageObjectInUseProtection is implemented but off: kubets runs no pvc-protection or
 * pv-protection controller to remove its finalizers, so deleted claims would stay Terminating.
 */
export const DEFAULT_ADMISSION_PLUGINS: readonly string[] = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'RuntimeClass',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

/**
 * EMBEDDED_DISABLED_ADMISSION_PLUGINS are off for an apiserver embedded without admission flags
 * (both `enable` and `disable` undefined: tests, benchmarks), as upstream's integration test
 * server does (`--disable-admission-plugins=ServiceAccount`): there is no serviceaccount
 * controller to create the `default` ServiceAccount pods need.
 */
export const EMBEDDED_DISABLED_ADMISSION_PLUGINS: readonly string[] = ['ServiceAccount'];

/**
 * AdmissionFlags are the admission flags. The CLI always sets both lists (possibly empty); leaving
 * both undefined selects the embedded defaults ({@link EMBEDDED_DISABLED_ADMISSION_PLUGINS} off).
 */
export interface AdmissionFlags {
  /** `--enable-admission-plugins`: added to the default set. */
  enable?: string[];
  /** `--disable-admission-plugins`: removed from the set. */
  disable?: string[];
}

const KNOWN = new Set<string>([...DEFAULT_ADMISSION_PLUGINS, 'StorageObjectInUseProtection']);

/** enabledPlugins resolves the flags to plugin names (unknown names are an error, as upstream). */
export function enabledPlugins(f: AdmissionFlags): string[] {
  const on = new Set(DEFAULT_ADMISSION_PLUGINS);
  if (f.enable === undefined && f.disable === undefined) for (const n of EMBEDDED_DISABLED_ADMISSION_PLUGINS) on.delete(n);
  for (const n of f.enable ?? []) {
    if (!(ORDERED_PLUGINS as readonly string[]).includes(n) && !KNOWN.has(n)) throw new Error(`enable-admission-plugins plugin "${n}" is unknown`);
    if (KNOWN.has(n)) on.add(n);
  }
  for (const n of f.disable ?? []) {
    if (!(ORDERED_PLUGINS as readonly string[]).includes(n) && !KNOWN.has(n)) throw new Error(`disable-admission-plugins plugin "${n}" is unknown`);
    on.delete(n);
  }
  return [...on];
}

/** AdmissionWiring is the built chain and its caches. */
export interface AdmissionWiring {
  chain: AdmissionChain;
  storeAdmission: StoreAdmission;
  start(signal: AbortSignal): Promise<void>;
}

async function getStored<T>(storage: Interface, key: string): Promise<T | undefined> {
  try {
    return (await storage.get<StoredObject>(key)) as T;
  } catch {
    return undefined;
  }
}

/** buildAdmission builds the chain over storage-backed caches. */
export function buildAdmission(o: {
  storage: Interface;
  flags: AdmissionFlags;
  metricsRegistry?: Registry;
  /** Runs before the validating plugins (the RBAC escalation check of role and binding writes). */
  extraValidate?: (ctx: RequestContext, call: AdmissionCall) => Promise<void>;
}): AdmissionWiring {
  const { storage } = o;
  const names = new Set(enabledPlugins(o.flags));
  const cache = <T>(prefix: string) => new ObjectCache<T & StoredObject>(storage, prefix);
  const caches = {
    namespaces: cache<Namespace>('/registry/namespaces/'),
    limitRanges: cache<LimitRange>('/registry/limitranges/'),
    priorityClasses: cache<PriorityClass>('/registry/priorityclasses/'),
    storageClasses: cache<StorageClass>('/registry/storageclasses/'),
    ingressClasses: cache<IngressClass>('/registry/ingressclasses/'),
    mutating: cache<MutatingWebhookConfiguration>('/registry/mutatingwebhookconfigurations/'),
    validating: cache<ValidatingWebhookConfiguration>('/registry/validatingwebhookconfigurations/'),
    quotas: cache<ResourceQuota>('/registry/resourcequotas/'),
    policies: cache<ValidatingAdmissionPolicy>('/registry/validatingadmissionpolicies/'),
    policyBindings: cache<ValidatingAdmissionPolicyBinding>('/registry/validatingadmissionpolicybindings/'),
  };
  const used = new Set<keyof typeof caches>();
  const use = <K extends keyof typeof caches>(k: K) => {
    used.add(k);
    return caches[k];
  };
  // The namespace cache is registered now (not on first lookup) so that start() syncs it; a
  // namespace created a moment ago may not be in it yet: fall back to storage.
  const namespaceReaders = ['NamespaceLifecycle', 'PodSecurity', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook'];
  const namespaceCache = namespaceReaders.some((n) => names.has(n)) ? use('namespaces') : caches.namespaces;
  const getNamespace = async (name: string) => namespaceCache.get('', name) ?? (await getStored<Namespace>(storage, `/registry/namespaces/${name}`));
  const metrics = new AdmissionMetrics(o.metricsRegistry);
  const resolveService = clusterIPServiceResolver((ns, name) => getStored<Service>(storage, `/registry/services/specs/${ns}/${name}`));
  const plugins: Plugin[] = [];
  if (names.has('NamespaceLifecycle')) plugins.push(newNamespaceLifecycle({ getNamespace }));
  if (names.has('LimitRanger')) {
    const lr = use('limitRanges');
    plugins.push(newLimitRanger({ listLimitRanges: (ns) => lr.list(ns) }));
  }
  if (names.has('ServiceAccount')) plugins.push(newServiceAccountAdmission({ getServiceAccount: (ns, name) => getStored<ServiceAccount>(storage, `/registry/serviceaccounts/${ns}/${name}`) }));
  if (names.has('NodeRestriction')) plugins.push(newNodeRestriction({ getPod: (ns, name) => getStored(storage, `/registry/pods/${ns}/${name}`) }));
  if (names.has('PodSecurity')) plugins.push(newPodSecurity({ getNamespace }));
  if (names.has('Priority')) {
    const pc = use('priorityClasses');
    plugins.push(newPriority({ getPriorityClass: (n) => pc.get('', n), listPriorityClasses: () => pc.list('') }));
  }
  if (names.has('DefaultTolerationSeconds')) plugins.push(newDefaultTolerationSeconds());
  if (names.has('DefaultStorageClass')) {
    const sc = use('storageClasses');
    plugins.push(newDefaultStorageClass({ listStorageClasses: () => sc.list('') }));
  }
  if (names.has('StorageObjectInUseProtection')) plugins.push(newStorageObjectInUseProtection());
  if (names.has('RuntimeClass')) {
    // Read live (only pods that name a class pay for it): a class created or deleted a moment ago
    // is seen at once, which a watch cache would not guarantee.
    plugins.push(newRuntimeClass({ getRuntimeClass: (n) => getStored<RuntimeClass>(storage, `/registry/runtimeclasses/${n}`) }));
  }
  if (names.has('DefaultIngressClass')) {
    const ic = use('ingressClasses');
    plugins.push(newDefaultIngressClass({ listIngressClasses: () => ic.list('') }));
  }
  if (names.has('MutatingAdmissionWebhook')) {
    const m = use('mutating');
    plugins.push(newMutatingAdmissionWebhook({ listConfigurations: () => m.list(''), getNamespace, metrics, resolveService }));
  }
  if (names.has('ValidatingAdmissionPolicy')) {
    const policies = use('policies');
    const bindings = use('policyBindings');
    plugins.push(newValidatingAdmissionPolicy({ listPolicies: () => policies.list(''), listBindings: () => bindings.list(''), getNamespace, getParam: (ref) => getParamObject(storage, ref) }));
  }
  if (names.has('ValidatingAdmissionWebhook')) {
    const v = use('validating');
    plugins.push(newValidatingAdmissionWebhook({ listConfigurations: () => v.list(''), getNamespace, metrics, resolveService }));
  }
  if (names.has('ResourceQuota')) {
    // Quotas come from the cache (a live list confirms an empty answer), not a storage read per create.
    const quotas = use('quotas');
    const access = new QuotaAccessor({
      lister: (ns) => quotas.list(ns),
      liveList: async (ns) => (await storage.list<ResourceQuota & StoredObject>(`/registry/resourcequotas/${ns}/`, {})).items,
      update: (quota, usedNow) => {
        const key = `/registry/resourcequotas/${quota.metadata!.namespace}/${quota.metadata!.name}`;
        return storage.guaranteedUpdate<ResourceQuota & StoredObject>(key, (cur) => ({ ...cur, status: { ...(cur.status ?? {}), used: usedNow } }), {
          preconditions: { resourceVersion: quota.metadata?.resourceVersion },
        } as never);
      },
    });
    plugins.push(newResourceQuota({ listResourceQuotas: (ns) => access.list(ns), updateQuotaStatus: (quota, usedNow) => access.updateStatus(quota, usedNow) }));
  }
  const chain = new AdmissionChain({ plugins: sortPlugins(plugins), metrics });

  const attrs = (ctx: RequestContext, c: AdmissionCall): AdmissionAttributes =>
    newAttributes({
      operation: c.operation,
      kind: c.kind,
      resource: c.resource,
      subresource: c.subresource,
      namespace: c.namespace,
      name: c.name,
      object: c.object,
      oldObject: c.oldObject,
      userInfo: ctx.user ?? { name: 'system:apiserver', groups: ['system:masters'] },
      dryRun: c.dryRun,
    });
  const run = async (ctx: RequestContext, c: AdmissionCall, step: 'admit' | 'validate') => {
    const a = attrs(ctx, c);
    await (step === 'admit' ? chain.admit(a, ctx.signal) : chain.validate(a, ctx.signal));
    // A plugin may replace the object (webhook JSONPatch): the Store keeps its reference, so copy back.
    if (c.object && a.object && a.object !== c.object) {
      for (const k of Object.keys(c.object)) delete (c.object as Record<string, unknown>)[k];
      Object.assign(c.object, a.object);
    }
    if (a.warnings.length) ctx.warnings.push(...a.warnings);
  };
  return {
    chain,
    storeAdmission: {
      admit: (ctx, c) => run(ctx, c, 'admit'),
      validate: async (ctx, c) => {
        validateWebhookMatchConditions(c);
        if (o.extraValidate) await o.extraValidate(ctx, c);
        await run(ctx, c, 'validate');
      },
    },
    async start(signal) {
      await ensureSystemPriorityClasses(storage);
      await Promise.all([...used].map((k) => (caches[k] as ObjectCache<StoredObject>).start(signal)));
    },
  };
}

/**
 * ensureSystemPriorityClasses creates `system-node-critical` and `system-cluster-critical` when
 * missing (upstream's scheduling post-start hook, pkg/registry/scheduling/rest).
 */
export async function ensureSystemPriorityClasses(storage: Interface): Promise<void> {
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    const key = `/registry/priorityclasses/${pc.metadata!.name}`;
    if (await getStored(storage, key)) continue;
    const obj = { ...structuredClone(pc), metadata: { ...pc.metadata, uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), generation: 1 } };
    try {
      await storage.create(key, obj as unknown as StoredObject);
    } catch (err) {
      if ((err as { code?: string; reason?: string }).reason !== 'AlreadyExists' && !/exists/i.test(String(err))) throw err;
    }
  }
}

const WEBHOOK_CONFIGURATIONS = new Set(['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);

/**
 * validateWebhookMatchConditions refuses (422) a webhook configuration whose matchConditions do
 * not compile, as upstream's admissionregistration validation does. It runs with validation, before
 * the object is stored; the CEL compiler lives with the admission webhooks that evaluate it.
 */
function validateWebhookMatchConditions(c: AdmissionCall): void {
  if (c.resource.group !== 'admissionregistration.k8s.io' || c.subresource !== '') return;
  const policy = c.resource.resource === 'validatingadmissionpolicies';
  if (!WEBHOOK_CONFIGURATIONS.has(c.resource.resource) && !policy) return;
  if (c.operation !== 'CREATE' && c.operation !== 'UPDATE') return;
  const errs = policy ? validateValidatingAdmissionPolicy(c.object as never) : validateWebhookConfigurationMatchConditions(c.object as never);
  if (errs.length) throw invalid({ group: c.kind.group, kind: c.kind.kind }, c.name || (c.object?.metadata?.name ?? ''), errs);
}

/** getParamObject reads a ValidatingAdmissionPolicy param of a built-in kind from storage. */
async function getParamObject(storage: Interface, ref: { apiVersion: string; kind: string; namespace: string; name: string }): Promise<Record<string, unknown> | undefined> {
  const [group, version] = ref.apiVersion.includes('/') ? (ref.apiVersion.split('/') as [string, string]) : ['', ref.apiVersion];
  const entry = resourceTable.find((e) => e.group === group && e.version === version && e.kind === ref.kind);
  if (!entry) return undefined;
  const core = new Set(resourceTable.filter((e) => e.group === '').map((e) => e.resource));
  const prefix = keyPrefixFor(entry, core);
  return getStored<Record<string, unknown>>(storage, entry.namespaced ? `${prefix}/${ref.namespace}/${ref.name}` : `${prefix}/${ref.name}`);
}
