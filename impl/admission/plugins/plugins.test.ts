/** Table tests for the built-in (non-webhook, non-PodSecurity) plugins. */
import test from 'ava';
import type { IngressClass, RuntimeClass, LimitRange, Namespace, Pod, PriorityClass, ResourceQuota, ServiceAccount, StorageClass } from '#generated/k8s/index.ts';
import { isForbidden, isNotFound, StatusError } from '#impl/apimachinery/index.ts';
import { newAttributes } from '../chain.ts';
import type { AdmissionAttributes, AdmissionObject, Operation } from '../interfaces.ts';
import { newDefaultStorageClass } from './defaultstorageclass/admission.ts';
import { newDefaultTolerationSeconds } from './defaulttolerationseconds/admission.ts';
import { newLimitRanger } from './limitranger/admission.ts';
import { newNamespaceLifecycle } from './namespacelifecycle/admission.ts';
import { newPriority } from './priority/admission.ts';
import { newResourceQuota } from './resourcequota/admission.ts';
import { newServiceAccountAdmission } from './serviceaccount/admission.ts';
import { newStorageObjectInUseProtection } from './storageobjectinuseprotection/admission.ts';
import { newDefaultIngressClass } from './defaultingressclass/admission.ts';
import { newRuntimeClass } from './runtimeclass/admission.ts';
import { enabledPlugins } from '#impl/apiserver/admission-wiring.ts';

const attrs = (resource: string, obj: AdmissionObject | undefined, o: { op?: Operation; ns?: string; name?: string; group?: string; dryRun?: boolean } = {}): AdmissionAttributes =>
  newAttributes({
    operation: o.op ?? 'CREATE',
    kind: { group: o.group ?? '', version: 'v1', kind: 'X' },
    resource: { group: o.group ?? '', version: 'v1', resource },
    namespace: o.ns ?? 'ns',
    name: o.name ?? obj?.metadata?.name ?? '',
    ...(obj ? { object: obj } : {}),
    userInfo: { name: 'u', groups: [] },
    dryRun: o.dryRun ?? false,
  });
const pod = (spec: Partial<NonNullable<Pod['spec']>> = {}, name = 'p'): Pod => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

// NamespaceLifecycle
const namespaces: Record<string, Namespace> = { ns: { metadata: { name: 'ns' } }, dying: { metadata: { name: 'dying' }, status: { phase: 'Terminating' } } };
const lifecycle = newNamespaceLifecycle({ getNamespace: (n) => namespaces[n] });
const lifecycleCases: Array<{ name: string; a: AdmissionAttributes; want: 'ok' | 'notFound' | RegExp }> = [
  { name: 'create in an active namespace', a: attrs('pods', pod()), want: 'ok' },
  { name: 'create in a missing namespace', a: attrs('pods', pod(), { ns: 'nope' }), want: 'notFound' },
  { name: 'create in a terminating namespace', a: attrs('pods', pod(), { ns: 'dying' }), want: /^pods "p" is forbidden: unable to create new content in namespace dying because it is being terminated$/ },
  { name: 'update in a terminating namespace is allowed', a: attrs('pods', pod(), { ns: 'dying', op: 'UPDATE' }), want: 'ok' },
  { name: 'delete kube-system is refused', a: attrs('namespaces', undefined, { op: 'DELETE', ns: '', name: 'kube-system' }), want: /^namespaces "kube-system" is forbidden: this namespace may not be deleted$/ },
];
for (const tc of lifecycleCases) {
  test(`NamespaceLifecycle: ${tc.name}`, async (t) => {
    const p = lifecycle.admit(tc.a);
    if (tc.want === 'ok') return void (await t.notThrowsAsync(p));
    const err = await t.throwsAsync(p);
    if (tc.want === 'notFound') t.true(isNotFound(err));
    else t.regex(err!.message, tc.want);
  });
}

// LimitRanger
const lr: LimitRange = { metadata: { name: 'lr', namespace: 'ns' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' }, max: { cpu: '1' }, maxLimitRequestRatio: { cpu: '10' } }] } };
const limitRanger = newLimitRanger({ listLimitRanges: () => [lr] });
test('LimitRanger: defaults appear on a pod that set none, with the annotation', (t) => {
  const p = pod();
  limitRanger.admit(attrs('pods', p));
  t.deepEqual(p.spec!.containers[0]!.resources, { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '256Mi' } });
  t.is(p.metadata!.annotations!['kubernetes.io/limit-ranger'], 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c');
});
const lrCases: Array<{ name: string; resources: NonNullable<Pod['spec']>['containers'][number]['resources']; want?: string }> = [
  { name: 'within limits', resources: { requests: { cpu: '200m' }, limits: { cpu: '500m' } } },
  { name: 'over max', resources: { requests: { cpu: '200m' }, limits: { cpu: '2' } }, want: 'pods "p" is forbidden: maximum cpu usage per Container is 1, but limit is 2' },
  { name: 'ratio too high', resources: { requests: { cpu: '10m' }, limits: { cpu: '500m' } }, want: 'pods "p" is forbidden: cpu max limit to request ratio per Container is 10, but provided ratio is 50.000000' },
  { name: 'no limit with max set', resources: { requests: { cpu: '10m' } }, want: 'pods "p" is forbidden: [maximum cpu usage per Container is 1.  No limit is specified, cpu max limit to request ratio per Container is 10, but no limit is specified]' },
];
for (const tc of lrCases) {
  test(`LimitRanger validate: ${tc.name}`, (t) => {
    const a = attrs('pods', pod({ containers: [{ name: 'c', resources: tc.resources }] }));
    if (!tc.want) return void t.notThrows(() => limitRanger.validate(a));
    const err = t.throws(() => limitRanger.validate(a));
    t.true(isForbidden(err));
    t.is(err!.message, tc.want);
  });
}

// ServiceAccount
const sas: Record<string, ServiceAccount> = { default: { metadata: { name: 'default', namespace: 'ns' }, imagePullSecrets: [{ name: 'regcred' }] }, quiet: { metadata: { name: 'quiet', namespace: 'ns' }, automountServiceAccountToken: false } };
const saPlugin = newServiceAccountAdmission({ getServiceAccount: (_ns, n) => sas[n], random: () => 'abcde' });
test('ServiceAccount: default SA, projected token volume and mounts, pull secrets', async (t) => {
  const p = pod({ initContainers: [{ name: 'init' }] });
  await saPlugin.admit(attrs('pods', p));
  t.is(p.spec!.serviceAccountName, 'default');
  t.deepEqual(p.spec!.imagePullSecrets, [{ name: 'regcred' }]);
  const vol = p.spec!.volumes!.find((v) => v.name === 'kube-api-access-abcde')!;
  t.deepEqual(vol.projected!.sources!.map((s) => Object.keys(s)[0]), ['serviceAccountToken', 'configMap', 'downwardAPI']);
  t.is(vol.projected!.sources![0]!.serviceAccountToken!.expirationSeconds, 3607);
  for (const c of [...p.spec!.containers, ...p.spec!.initContainers!]) t.deepEqual(c.volumeMounts, [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
});
test('ServiceAccount: automount false on the SA skips the volume', async (t) => {
  const p = pod({ serviceAccountName: 'quiet' });
  await saPlugin.admit(attrs('pods', p));
  t.is(p.spec!.volumes, undefined);
});
test('ServiceAccount: missing SA is forbidden with the upstream message', async (t) => {
  const err = await t.throwsAsync(Promise.resolve(saPlugin.admit(attrs('pods', pod({ serviceAccountName: 'ghost' })))));
  t.is(err!.message, 'pods "p" is forbidden: error looking up service account ns/ghost: serviceaccount "ghost" not found');
});
test('ServiceAccount: the default SA is looked up again until the controller made it (upstream 10 attempts)', async (t) => {
  let calls = 0;
  const late = newServiceAccountAdmission({ getServiceAccount: (_ns, name) => (++calls >= 3 && name === 'default' ? { metadata: { name } } : undefined), random: () => 'abcde', retryIntervalMs: () => 1 });
  const p = pod();
  await late.admit(attrs('pods', p));
  t.is(calls, 3);
  t.is(p.spec!.serviceAccountName, 'default');
  calls = 0;
  const never = newServiceAccountAdmission({ getServiceAccount: () => (calls++, undefined), retryIntervalMs: () => 1 });
  await t.throwsAsync(Promise.resolve(never.admit(attrs('pods', pod()))), { message: /serviceaccount "default" not found/ });
  t.is(calls, 10);
  calls = 0;
  await t.throwsAsync(Promise.resolve(never.admit(attrs('pods', pod({ serviceAccountName: 'other' })))));
  t.is(calls, 1);
});

// StorageObjectInUseProtection
const inUse = newStorageObjectInUseProtection();
const inUseCases: Array<{ name: string; resource: string; obj: AdmissionObject; want: string[] | undefined }> = [
  { name: 'PVC gets pvc-protection', resource: 'persistentvolumeclaims', obj: { metadata: { name: 'c' } }, want: ['kubernetes.io/pvc-protection'] },
  { name: 'PV gets pv-protection', resource: 'persistentvolumes', obj: { metadata: { name: 'v' } }, want: ['kubernetes.io/pv-protection'] },
  { name: 'present finalizer is not doubled', resource: 'persistentvolumeclaims', obj: { metadata: { name: 'c', finalizers: ['x', 'kubernetes.io/pvc-protection'] } }, want: ['x', 'kubernetes.io/pvc-protection'] },
  { name: 'other resources are untouched', resource: 'configmaps', obj: { metadata: { name: 'm' } }, want: undefined },
];
for (const tc of inUseCases) {
  test(`StorageObjectInUseProtection: ${tc.name}`, (t) => {
    inUse.admit(attrs(tc.resource, tc.obj));
    t.deepEqual(tc.obj.metadata!.finalizers, tc.want);
  });
}

// DefaultIngressClass
const ingressClass = (name: string, isDefault: boolean): IngressClass => ({ metadata: { name, annotations: isDefault ? { "ingressclass.kubernetes.io/is-default-class": "true" } : {} }, spec: { controller: "x" } });
const ingCases: Array<{ name: string; classes: IngressClass[]; spec: Record<string, unknown>; annotations?: Record<string, string>; want: string | undefined | RegExp }> = [
  { name: 'one default is set', classes: [ingressClass('a', false), ingressClass('b', true)], spec: {}, want: 'b' },
  { name: 'an explicit class is kept', classes: [ingressClass('b', true)], spec: { ingressClassName: 'a' }, want: 'a' },
  { name: 'the legacy annotation is respected', classes: [ingressClass('b', true)], spec: {}, annotations: { 'kubernetes.io/ingress.class': 'nginx' }, want: undefined },
  { name: 'no default leaves it unset', classes: [ingressClass('a', false)], spec: {}, want: undefined },
  { name: 'two defaults are refused', classes: [ingressClass('a', true), ingressClass('b', true)], spec: {}, want: /^ingresses.networking.k8s.io "i" is forbidden: 2 default IngressClasses were found, only 1 allowed$/ },
];
for (const tc of ingCases) {
  test(`DefaultIngressClass: ${tc.name}`, (t) => {
    const plugin = newDefaultIngressClass({ listIngressClasses: () => tc.classes });
    const ing: AdmissionObject = { metadata: { name: 'i', namespace: 'ns', ...(tc.annotations ? { annotations: tc.annotations } : {}) }, spec: { ...tc.spec } };
    const a = attrs('ingresses', ing, { group: 'networking.k8s.io' });
    if (tc.want instanceof RegExp) {
      t.throws(() => plugin.admit(a), { message: tc.want });
      return;
    }
    plugin.admit(a);
    t.is(ing.spec.ingressClassName, tc.want);
  });
}

// Default plugin set (apiserver flags)
const flagCases: Array<{ name: string; flags: { enable?: string[]; disable?: string[] }; has: string[]; lacks: string[] }> = [
  { name: 'CLI defaults are upstream\'s (ServiceAccount, Priority, ResourceQuota, NodeRestriction on)', flags: { enable: [], disable: [] }, has: ['ServiceAccount', 'Priority', 'ResourceQuota', 'NodeRestriction', 'DefaultIngressClass', 'NamespaceLifecycle'], lacks: ['StorageObjectInUseProtection'] },
  { name: 'embedded without flags: ServiceAccount off', flags: {}, has: ['Priority', 'ResourceQuota'], lacks: ['ServiceAccount'] },
  { name: '--enable/--disable', flags: { enable: ['StorageObjectInUseProtection'], disable: ['Priority'] }, has: ['StorageObjectInUseProtection', 'ServiceAccount'], lacks: ['Priority'] },
];
for (const tc of flagCases) {
  test(`admission flags: ${tc.name}`, (t) => {
    const on = enabledPlugins(tc.flags);
    for (const n of tc.has) t.true(on.includes(n), n);
    for (const n of tc.lacks) t.false(on.includes(n), n);
  });
}
test('admission flags: unknown plugin names are an error', (t) => {
  t.throws(() => enabledPlugins({ enable: ['Nope'] }), { message: 'enable-admission-plugins plugin "Nope" is unknown' });
});

// DefaultTolerationSeconds
test('DefaultTolerationSeconds adds both tolerations unless present', (t) => {
  const p = pod({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] });
  newDefaultTolerationSeconds().admit(attrs('pods', p));
  t.deepEqual(p.spec!.tolerations, [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
});

// Priority
const pcs: PriorityClass[] = [{ metadata: { name: 'high' }, value: 1000 }, { metadata: { name: 'default-pc' }, value: 5, globalDefault: true, preemptionPolicy: 'Never' }];
const priority = newPriority({ getPriorityClass: (n) => pcs.find((p) => p.metadata?.name === n), listPriorityClasses: () => pcs });
const prioCases: Array<{ name: string; spec: Partial<NonNullable<Pod['spec']>>; want: number | RegExp; preemption?: string }> = [
  { name: 'named class', spec: { priorityClassName: 'high' }, want: 1000, preemption: 'PreemptLowerPriority' },
  { name: 'global default', spec: {}, want: 5, preemption: 'Never' },
  { name: 'system-node-critical', spec: { priorityClassName: 'system-node-critical' }, want: 2000001000 },
  { name: 'unknown class', spec: { priorityClassName: 'nope' }, want: /^pods "p" is forbidden: no PriorityClass with name nope was found$/ },
  { name: 'mismatching priority', spec: { priorityClassName: 'high', priority: 7 }, want: /the integer value of priority \(7\) must not be provided in pod spec; priority admission controller computed 1000/ },
];
for (const tc of prioCases) {
  test(`Priority: ${tc.name}`, (t) => {
    const p = pod(tc.spec);
    if (tc.want instanceof RegExp) return void t.regex(t.throws(() => priority.admit(attrs('pods', p)))!.message, tc.want);
    priority.admit(attrs('pods', p));
    t.is(p.spec!.priority, tc.want);
    if (tc.preemption) t.is(p.spec!.preemptionPolicy, tc.preemption);
  });
}
test('Priority: only one global default', (t) => {
  const err = t.throws(() => priority.validate(attrs('priorityclasses', { metadata: { name: 'other' }, value: 1, globalDefault: true }, { group: 'scheduling.k8s.io', ns: '' })));
  t.is(err!.message, 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass default-pc is already marked as default. Only one default can exist');
});

// DefaultStorageClass
const classes: StorageClass[] = [
  { metadata: { name: 'old', creationTimestamp: '2020-01-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'x' },
  { metadata: { name: 'new', creationTimestamp: '2024-01-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'x' },
  { metadata: { name: 'plain' }, provisioner: 'x' },
];
const dsc = newDefaultStorageClass({ listStorageClasses: () => classes });
const scCases = [
  { name: 'unset class gets the newest default', spec: {}, want: 'new' },
  { name: 'explicit empty class is kept', spec: { storageClassName: '' }, want: '' },
  { name: 'explicit class is kept', spec: { storageClassName: 'plain' }, want: 'plain' },
];
for (const tc of scCases) {
  test(`DefaultStorageClass: ${tc.name}`, (t) => {
    const pvc = { metadata: { name: 'c' }, spec: { ...tc.spec } } as AdmissionObject;
    dsc.admit(attrs('persistentvolumeclaims', pvc));
    t.is(pvc.spec.storageClassName, tc.want);
  });
}

// ResourceQuota
function quota(hard: Record<string, string>, used: Record<string, string> | undefined): ResourceQuota {
  return { metadata: { name: 'compute', namespace: 'ns', resourceVersion: '1' }, spec: { hard }, ...(used ? { status: { hard, used } } : {}) };
}
const withRes = (cpu: string) => pod({ containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' }, limits: { cpu, memory: '1Gi' } } }] });
const rqCases: Array<{ name: string; q: ResourceQuota; obj: AdmissionObject; resource?: string; want?: string; wantUsed?: Record<string, string> }> = [
  { name: 'third pod exceeds pods: 2', q: quota({ pods: '2' }, { pods: '2' }), obj: pod(), want: 'pods "p" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2' },
  { name: 'second pod fits and usage is recorded', q: quota({ pods: '2' }, { pods: '1' }), obj: pod(), wantUsed: { pods: '2' } },
  { name: 'cpu requests exceed', q: quota({ 'requests.cpu': '1' }, { 'requests.cpu': '800m' }), obj: withRes('500m'), want: 'pods "p" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=800m, limited: requests.cpu=1' },
  { name: 'compute quota requires limits', q: quota({ 'limits.cpu': '2', 'limits.memory': '2Gi' }, { 'limits.cpu': '0', 'limits.memory': '0' }), obj: pod(), want: 'pods "p" is forbidden: failed quota: compute: must specify limits.cpu for: c; limits.memory for: c' },
  { name: 'count/configmaps', q: quota({ 'count/configmaps': '1' }, { 'count/configmaps': '1' }), obj: { metadata: { name: 'cm' } }, resource: 'configmaps', want: 'configmaps "cm" is forbidden: exceeded quota: compute, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1' },
  { name: 'unknown status', q: quota({ pods: '2' }, undefined), obj: pod(), want: 'pods "p" is forbidden: status unknown for quota: compute, resource: pods' },
];
for (const tc of rqCases) {
  test(`ResourceQuota: ${tc.name}`, async (t) => {
    let written: Record<string, string> | undefined;
    const plugin = newResourceQuota({ listResourceQuotas: () => [tc.q], updateQuotaStatus: async (_q, used) => void (written = used) });
    const p = plugin.validate(attrs(tc.resource ?? 'pods', tc.obj));
    if (tc.want) {
      const err = await t.throwsAsync(p);
      t.true(err instanceof StatusError && isForbidden(err));
      t.is(err!.message, tc.want);
    } else {
      await t.notThrowsAsync(p);
      t.deepEqual(written, tc.wantUsed);
    }
  });
}

// RuntimeClass
const runtimeClasses: Record<string, RuntimeClass> = {
  gvisor: { metadata: { name: 'gvisor' }, handler: 'runsc', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } },
  plain: { metadata: { name: 'plain' }, handler: 'runc' },
};
const rcPlugin = newRuntimeClass({ getRuntimeClass: (n) => runtimeClasses[n] });
const rcCases: Array<{ name: string; spec: Partial<NonNullable<Pod['spec']>>; want: RegExp | ((p: Pod) => void) }> = [
  { name: 'unknown class is refused', spec: { runtimeClassName: 'nope' }, want: /^pods "p" is forbidden: pod rejected: RuntimeClass "nope" not found$/ },
  { name: 'overhead and scheduling are copied', spec: { runtimeClassName: 'gvisor', nodeSelector: { zone: 'a' } }, want: (p) => {
    if (JSON.stringify(p.spec!.overhead) !== JSON.stringify({ cpu: '250m', memory: '120Mi' })) throw new Error(JSON.stringify(p.spec!.overhead));
    if (JSON.stringify(p.spec!.nodeSelector) !== JSON.stringify({ zone: 'a', sandbox: 'yes' })) throw new Error(JSON.stringify(p.spec!.nodeSelector));
    if (p.spec!.tolerations?.length !== 1) throw new Error('tolerations');
  } },
  { name: 'a conflicting node selector is refused', spec: { runtimeClassName: 'gvisor', nodeSelector: { sandbox: 'no' } }, want: /conflict: runtimeClass\.scheduling\.nodeSelector\[sandbox\] = yes; pod\.spec\.nodeSelector\[sandbox\] = no/ },
  { name: 'a different overhead is refused', spec: { runtimeClassName: 'gvisor', overhead: { cpu: '1' } }, want: /Pod's Overhead doesn't match RuntimeClass's defined Overhead/ },
  { name: 'a class without extras changes nothing', spec: { runtimeClassName: 'plain' }, want: (p) => {
    if (p.spec!.overhead || p.spec!.nodeSelector || p.spec!.tolerations) throw new Error('changed');
  } },
];
for (const tc of rcCases) {
  test(`RuntimeClass: ${tc.name}`, async (t) => {
    const p = pod(tc.spec);
    const run = Promise.resolve(rcPlugin.admit(attrs('pods', p)));
    if (tc.want instanceof RegExp) {
      await t.throwsAsync(run, { message: tc.want });
      return;
    }
    await run;
    t.notThrows(() => (tc.want as (p: Pod) => void)(p));
    await t.notThrowsAsync(Promise.resolve(rcPlugin.validate(attrs('pods', p))));
  });
}
