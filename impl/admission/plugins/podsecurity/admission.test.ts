import test from 'ava';
import type { Namespace, Pod } from '#generated/k8s/index.ts';
import { isForbidden } from '#impl/apimachinery/index.ts';
import { newAttributes } from '../../chain.ts';
import { newPodSecurity } from './admission.ts';
import { evaluatePod, aggregateResults } from './checks.ts';

const pod = (spec: Partial<NonNullable<Pod['spec']>>, name = 'nginx'): Pod => ({ metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...spec } });
const restrictedOk: Pod = pod({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'nginx', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
});

const levelCases: Array<{ name: string; level: 'baseline' | 'restricted'; pod: Pod; want: string }> = [
  { name: 'plain pod passes baseline', level: 'baseline', pod: pod({}), want: '' },
  {
    name: 'plain pod fails restricted with the upstream text',
    level: 'restricted',
    pod: pod({}),
    want: 'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  },
  { name: 'hardened pod passes restricted', level: 'restricted', pod: restrictedOk, want: '' },
  {
    name: 'baseline: host namespaces, hostPath, privileged',
    level: 'baseline',
    pod: pod({ hostNetwork: true, volumes: [{ name: 'host', hostPath: { path: '/' } }], containers: [{ name: 'example', securityContext: { privileged: true } }] }),
    want: 'host namespaces (hostNetwork=true), hostPath volumes (volume "host"), privileged (container "example" must not set securityContext.privileged=true)',
  },
  { name: 'baseline: hostPort', level: 'baseline', pod: pod({ containers: [{ name: 'web', ports: [{ containerPort: 80, hostPort: 8080 }] }] }), want: 'hostPort (container "web" uses hostPort 8080)' },
  { name: 'baseline: added capability', level: 'baseline', pod: pod({ containers: [{ name: 'c', securityContext: { capabilities: { add: ['NET_ADMIN', 'CHOWN'] } } }] }), want: 'non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)' },
  { name: 'baseline: sysctls', level: 'baseline', pod: pod({ securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] } }), want: 'forbidden sysctls (kernel.msgmax)' },
  { name: 'baseline: unconfined seccomp', level: 'baseline', pod: pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }), want: 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")' },
  {
    name: 'restricted: hostPath is a restricted volume type (overrides baseline hostPath)',
    level: 'restricted',
    pod: { ...restrictedOk, spec: { ...restrictedOk.spec!, volumes: [{ name: 'h', hostPath: { path: '/' } }] } },
    want: 'restricted volume types (volume "h" uses restricted volume type "hostPath")',
  },
  {
    name: 'restricted: explicit runAsNonRoot=false and runAsUser=0',
    level: 'restricted',
    pod: { ...restrictedOk, spec: { ...restrictedOk.spec!, securityContext: { ...restrictedOk.spec!.securityContext, runAsNonRoot: false, runAsUser: 0 } } },
    want: 'runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod must not set runAsUser=0)',
  },
  {
    name: 'restricted: privileged container lists privileged among restricted failures',
    level: 'restricted',
    pod: { ...restrictedOk, spec: { ...restrictedOk.spec!, containers: [{ name: 'nginx', securityContext: { privileged: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] } },
    want: 'privileged (container "nginx" must not set securityContext.privileged=true)',
  },
];
for (const tc of levelCases) test(tc.name, (t) => t.is(aggregateResults(evaluatePod(tc.level, tc.pod)), tc.want));

const namespaces: Record<string, Namespace> = {
  strict: { metadata: { name: 'strict', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
  warned: { metadata: { name: 'warned', labels: { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/audit': 'baseline' } } },
  open: { metadata: { name: 'open' } },
};
const plugin = newPodSecurity({ getNamespace: (n) => namespaces[n] });
const attrs = (ns: string, p: Pod, operation: 'CREATE' | 'UPDATE' = 'CREATE', old?: Pod) =>
  newAttributes({ operation, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: ns, name: p.metadata!.name!, object: p, ...(old ? { oldObject: old } : {}), userInfo: { name: 'u', groups: [] } });

test('enforce=restricted rejects a privileged pod with the upstream message', async (t) => {
  const err = await t.throwsAsync(Promise.resolve(plugin.validate(attrs('strict', pod({ containers: [{ name: 'nginx', securityContext: { privileged: true } }] })))));
  t.true(isForbidden(err));
  t.regex(err!.message, /^pods "nginx" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "nginx" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities \(container "nginx" must set securityContext.capabilities.drop=\["ALL"\]\), privileged \(container "nginx" must not set securityContext.privileged=true\), runAsNonRoot != true /);
});
test('warn=baseline adds a warning, audit an annotation, and lets the pod in', async (t) => {
  const a = attrs('warned', pod({ hostPID: true }));
  await plugin.validate(a);
  t.deepEqual(a.warnings, ['would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)']);
  t.is(a.auditAnnotations['pod-security.kubernetes.io/audit-violations'], 'would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)');
});
test('unlabelled namespace is privileged', async (t) => {
  await t.notThrowsAsync(Promise.resolve(plugin.validate(attrs('open', pod({ hostPID: true })))));
});
test('metadata-only update of a violating pod is not re-checked', async (t) => {
  const p = pod({});
  const old = pod({});
  await t.notThrowsAsync(Promise.resolve(plugin.validate(attrs('strict', { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } }, 'UPDATE', old))));
});

test('Deployment templates get warnings, never rejection', async (t) => {
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'strict' }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'nginx', securityContext: { privileged: true } }] } } } };
  const a = newAttributes({ operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' }, namespace: 'strict', name: 'web', object: deploy, userInfo: { name: 'u', groups: [] } });
  await plugin.validate(a);
  t.is(a.warnings.length, 1);
  t.regex(a.warnings[0]!, /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false/);
});
