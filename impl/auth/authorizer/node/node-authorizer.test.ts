import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import type { Attributes } from '../interfaces.ts';
import { clusterRoles } from '../rbac/bootstrappolicy/bootstrap-policy.ts';
import { newNodeAuthorizer, newPodNodeGraph } from './node-authorizer.ts';

const pods: Pod[] = [
  {
    metadata: { name: 'web', namespace: 'app' },
    spec: {
      nodeName: 'n1',
      serviceAccountName: 'web-sa',
      imagePullSecrets: [{ name: 'pull' }],
      volumes: [{ name: 'cfg', configMap: { name: 'web-cfg' } }, { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }, { name: 'tok', projected: { sources: [{ secret: { name: 'proj' } }] } }],
      containers: [{ name: 'c', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }] }],
    },
  },
  { metadata: { name: 'db', namespace: 'app' }, spec: { nodeName: 'n2', volumes: [{ name: 's', secret: { secretName: 'db-secret' } }], containers: [{ name: 'c' }] } },
];
const graph = newPodNodeGraph({ podsOnNode: (n) => pods.filter((p) => p.spec?.nodeName === n), pvcVolumeName: (ns, c) => (ns === 'app' && c === 'web-data' ? 'pv-1' : undefined) });
const nodeRules = clusterRoles().find((r) => r.metadata?.name === 'system:node')!.rules!;
const authz = newNodeAuthorizer({ graph, nodeRules });
const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const a = (o: Partial<Attributes>): Attributes => ({ user: n1, verb: 'get', resourceRequest: true, namespace: 'app', apiGroup: '', resource: 'secrets', subresource: '', name: '', path: '', ...o });

const cases: Array<{ name: string; attrs: Attributes; allowed: boolean; reason?: string }> = [
  { name: 'reads a secret its pod mounts', attrs: a({ name: 'env-secret' }), allowed: true },
  { name: 'reads an image pull secret', attrs: a({ name: 'pull' }), allowed: true },
  { name: 'reads a projected secret', attrs: a({ name: 'proj' }), allowed: true },
  { name: 'cannot read another node pod secret', attrs: a({ name: 'db-secret' }), allowed: false, reason: "no relationship found between node 'n1' and this object" },
  { name: 'cannot list secrets', attrs: a({ verb: 'list' }), allowed: false, reason: 'No Object name found' },
  { name: 'cannot write a secret', attrs: a({ verb: 'update', name: 'env-secret' }), allowed: false, reason: 'can only read resources of this type' },
  { name: 'reads its configmap', attrs: a({ resource: 'configmaps', name: 'web-cfg' }), allowed: true },
  { name: 'reads its pvc', attrs: a({ resource: 'persistentvolumeclaims', name: 'web-data' }), allowed: true },
  { name: 'reads the bound pv', attrs: a({ resource: 'persistentvolumes', namespace: '', name: 'pv-1' }), allowed: true },
  { name: 'creates a token for its pod service account', attrs: a({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', name: 'web-sa' }), allowed: true },
  { name: 'cannot get a service account', attrs: a({ resource: 'serviceaccounts', name: 'web-sa' }), allowed: false },
  { name: 'updates its own lease', attrs: a({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n1' }), allowed: true },
  { name: 'cannot update another lease', attrs: a({ verb: 'update', apiGroup: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-node-lease', name: 'n2' }), allowed: false },
  { name: 'updates its own node status', attrs: a({ verb: 'patch', resource: 'nodes', subresource: 'status', namespace: '', name: 'n1' }), allowed: true },
  { name: 'cannot patch another node', attrs: a({ verb: 'patch', resource: 'nodes', subresource: 'status', namespace: '', name: 'n2' }), allowed: false },
  { name: 'updates status of its pod', attrs: a({ verb: 'update', resource: 'pods', subresource: 'status', name: 'web' }), allowed: true },
  { name: 'cannot update status of another node pod', attrs: a({ verb: 'update', resource: 'pods', subresource: 'status', name: 'db' }), allowed: false },
  { name: 'lists pods via system:node rules', attrs: a({ verb: 'list', resource: 'pods' }), allowed: true },
  { name: 'non-node users get no opinion', attrs: a({ user: { name: 'alice', groups: [] }, name: 'env-secret' }), allowed: false, reason: '' },
];
for (const tc of cases) {
  test(tc.name, (t) => {
    const d = authz.authorize(tc.attrs) as { decision: string; reason: string };
    t.is(d.decision, tc.allowed ? 'allow' : 'noOpinion');
    if (tc.reason !== undefined) t.is(d.reason, tc.reason);
  });
}
