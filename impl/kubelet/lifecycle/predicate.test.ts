import test from 'ava';
import type { Node, Pod } from '#generated/k8s/index.ts';
import { canAdmitPod, podRequests } from './predicate.ts';

const node: Node = {
  metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1', disk: 'ssd' } },
  spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }, { key: 'soft', effect: 'NoSchedule' }] },
  status: { allocatable: { cpu: '2', memory: '1Gi', pods: '3', 'ephemeral-storage': '10Gi' } },
};
const tolerateAll = [{ operator: 'Exists' }];
function pod(spec: Partial<NonNullable<Pod['spec']>> = {}, cpu?: string): Pod {
  return { metadata: { name: 'p', uid: 'u' }, spec: { tolerations: tolerateAll, containers: [{ name: 'c', image: 'i', resources: cpu ? { requests: { cpu } } : undefined }], ...spec } };
}

const cases: { name: string; pod: Pod; admitted?: Pod[]; want: string }[] = [
  { name: 'an empty node admits a pod', pod: pod(), want: 'admit' },
  { name: 'max pods reached: OutOfpods', pod: pod(), admitted: [pod(), pod(), pod()], want: 'OutOfpods' },
  { name: 'cpu fits exactly', pod: pod({}, '1'), admitted: [pod({}, '1')], want: 'admit' },
  { name: 'cpu over allocatable: OutOfcpu', pod: pod({}, '1500m'), admitted: [pod({}, '1')], want: 'OutOfcpu' },
  { name: 'nodeSelector matches', pod: pod({ nodeSelector: { disk: 'ssd' } }), want: 'admit' },
  { name: 'nodeSelector mismatch: NodeAffinity', pod: pod({ nodeSelector: { disk: 'hdd' } }), want: 'NodeAffinity' },
  { name: 'required affinity NotIn excludes this node', pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1'] }] }] } } } }), want: 'NodeAffinity' },
  { name: 'matchFields on metadata.name', pod: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } }), want: 'admit' },
  { name: 'untolerated NoExecute taint: Taint', pod: pod({ tolerations: [] }), want: 'Taint' },
  { name: 'NoSchedule taints do not matter on the node', pod: pod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoExecute' }] }), want: 'admit' },
];
for (const tc of cases) {
  test(`canAdmitPod: ${tc.name}`, (t) => {
    const r = canAdmitPod(tc.pod, node, tc.admitted ?? []);
    t.is(r.admit ? 'admit' : r.reason, tc.want, r.admit ? '' : r.message);
  });
}

test('podRequests takes the larger of the containers sum and the biggest init container', (t) => {
  const p: Pod = { spec: { containers: [{ name: 'a', image: 'i', resources: { requests: { cpu: '100m' } } }, { name: 'b', image: 'i', resources: { requests: { cpu: '200m' } } }], initContainers: [{ name: 'i', image: 'i', resources: { requests: { cpu: '500m', memory: '1Mi' } } }] } };
  t.deepEqual(podRequests(p), { cpu: 500, memory: 1048576, 'ephemeral-storage': 0 });
});

test('canAdmitPod message follows upstream', (t) => {
  const r = canAdmitPod(pod({}, '3'), node, []);
  t.false(r.admit);
  if (!r.admit) t.is(r.message, "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000");
});
