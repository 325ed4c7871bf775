import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { isForbidden } from '#impl/apimachinery/index.ts';
import { newAttributes } from '../../chain.ts';
import type { AdmissionObject, Operation } from '../../interfaces.ts';
import { newNodeRestriction } from './admission.ts';

const pods: Record<string, Pod> = { mine: { metadata: { name: 'mine', namespace: 'ns', uid: 'u1' }, spec: { nodeName: 'n1', containers: [] } }, theirs: { metadata: { name: 'theirs', namespace: 'ns', uid: 'u2' }, spec: { nodeName: 'n2', containers: [] } } };
const plugin = newNodeRestriction({ getPod: (_ns, n) => pods[n] });
const n1 = { name: 'system:node:n1', groups: ['system:nodes'] };
const a = (resource: string, op: Operation, o: { group?: string; sub?: string; ns?: string; name?: string; obj?: AdmissionObject; old?: AdmissionObject; user?: typeof n1 } = {}) =>
  newAttributes({ operation: op, kind: { group: o.group ?? '', version: 'v1', kind: 'X' }, resource: { group: o.group ?? '', version: 'v1', resource }, subresource: o.sub ?? '', namespace: o.ns ?? 'ns', name: o.name ?? o.obj?.metadata?.name ?? '', ...(o.obj ? { object: o.obj } : {}), ...(o.old ? { oldObject: o.old } : {}), userInfo: o.user ?? n1 });
const mirror = (nodeName: string, extra: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({ metadata: { name: 'm', annotations: { 'kubernetes.io/config.mirror': 'x' } }, spec: { nodeName, containers: [], ...extra } });
const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({ metadata: { name, labels }, spec: { taints } });

const cases: Array<{ name: string; attrs: ReturnType<typeof a>; want?: string }> = [
  { name: 'mirror pod on itself', attrs: a('pods', 'CREATE', { obj: mirror('n1') }) },
  { name: 'non-mirror pod', attrs: a('pods', 'CREATE', { obj: { metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [] } } }), want: 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods' },
  { name: 'mirror pod for another node', attrs: a('pods', 'CREATE', { obj: mirror('n2') }), want: 'pods "m" is forbidden: node "n1" can only create pods with spec.nodeName set to itself' },
  { name: 'mirror pod with secret volume', attrs: a('pods', 'CREATE', { obj: mirror('n1', { volumes: [{ name: 's', secret: { secretName: 'x' } }] }) }), want: 'pods "m" is forbidden: node "n1" can not create pods that reference secrets' },
  { name: 'status of own pod', attrs: a('pods', 'UPDATE', { sub: 'status', name: 'mine', obj: pods.mine!, old: pods.mine! }) },
  { name: 'status of another node pod', attrs: a('pods', 'UPDATE', { sub: 'status', name: 'theirs', obj: pods.theirs!, old: pods.theirs! }), want: 'pods "theirs" is forbidden: node "n1" cannot update pod status for pods on other nodes' },
  { name: 'delete another node pod', attrs: a('pods', 'DELETE', { name: 'theirs', old: pods.theirs! }), want: 'pods "theirs" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself' },
  { name: 'evict own pod', attrs: a('pods', 'CREATE', { sub: 'eviction', name: 'mine', obj: { metadata: { name: 'mine' } } }) },
  { name: 'own node with kubelet labels', attrs: a('nodes', 'CREATE', { ns: '', obj: node('n1', { 'kubernetes.io/hostname': 'n1', 'node.kubernetes.io/exclude-from-external-load-balancers': 'true', 'example.com/x': 'y' }) }) },
  { name: 'another node', attrs: a('nodes', 'UPDATE', { ns: '', obj: node('n2'), old: node('n2') }), want: 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"' },
  { name: 'restricted label', attrs: a('nodes', 'CREATE', { ns: '', obj: node('n1', { 'node-restriction.kubernetes.io/trusted': 'yes', 'node-role.kubernetes.io/control-plane': '' }) }), want: 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/trusted, node-role.kubernetes.io/control-plane' },
  { name: 'restricted label change, added or removed', attrs: a('nodes', 'UPDATE', { ns: '', obj: node('n1', { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/hostname': 'n1' }), old: node('n1', { 'node-restriction.kubernetes.io/x': 'y', 'kubernetes.io/hostname': 'n0' }) }), want: 'nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/x, node-role.kubernetes.io/worker' },
  { name: 'taint change', attrs: a('nodes', 'UPDATE', { ns: '', obj: node('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]), old: node('n1') }), want: 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints' },
  { name: 'own lease', attrs: a('leases', 'UPDATE', { group: 'coordination.k8s.io', ns: 'kube-node-lease', obj: { metadata: { name: 'n1' } } }) },
  { name: 'token for own pod', attrs: a('serviceaccounts', 'CREATE', { sub: 'token', name: 'default', obj: { spec: { boundObjectRef: { kind: 'Pod', name: 'mine', uid: 'u1' } } } }) },
  { name: 'token for another node pod', attrs: a('serviceaccounts', 'CREATE', { sub: 'token', name: 'default', obj: { spec: { boundObjectRef: { kind: 'Pod', name: 'theirs', uid: 'u2' } } } }), want: 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node' },
  { name: 'token bound without a uid', attrs: a('serviceaccounts', 'CREATE', { sub: 'token', name: 'default', obj: { spec: { boundObjectRef: { kind: 'Pod', name: 'mine' } } } }), want: 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid' },
  { name: 'token bound to a recreated pod', attrs: a('serviceaccounts', 'CREATE', { sub: 'token', name: 'default', obj: { spec: { boundObjectRef: { kind: 'Pod', name: 'mine', uid: 'old' } } } }), want: 'serviceaccounts "default" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated' },
  { name: 'unbound token', attrs: a('serviceaccounts', 'CREATE', { sub: 'token', name: 'default', obj: { spec: {} } }), want: 'serviceaccounts "default" is forbidden: node requested token not bound to a pod' },
  { name: 'non-node users are not restricted', attrs: a('pods', 'CREATE', { obj: { metadata: { name: 'p' }, spec: { containers: [] } }, user: { name: 'alice', groups: [] } }) },
];
for (const tc of cases) {
  test(tc.name, async (t) => {
    const p = plugin.validate(tc.attrs);
    if (!tc.want) return void (await t.notThrowsAsync(p));
    const err = await t.throwsAsync(p);
    t.true(isForbidden(err));
    t.is(err!.message, tc.want);
  });
}
