import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { bySizeNewer, bySizeOlder, getProportion, getReplicaSetFraction, MAX_REPLICAS_ANNOTATION } from './deployment-util.ts';

const deployment = (replicas: number, statusReplicas = 0): KubeObject => ({
  metadata: { name: 'd' },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } },
  status: { replicas: statusReplicas },
});
const rs = (name: string, replicas: number, maxReplicas?: number, created = '2026-01-01T00:00:00Z'): KubeObject => ({
  metadata: { name, creationTimestamp: created, annotations: maxReplicas === undefined ? {} : { [MAX_REPLICAS_ANNOTATION]: String(maxReplicas) } },
  spec: { replicas },
});

// Upstream's proportional-scaling e2e numbers: 8 + 5 replicas of a 10-replica (max 13) rollout scaled to 30 (max 33).
const fractionCases: { name: string; rs: KubeObject; d: KubeObject; want: number }[] = [
  { name: 'first ReplicaSet of the e2e rollout: round(8*33/13) - 8', rs: rs('a', 8, 13), d: deployment(30), want: 12 },
  { name: 'second ReplicaSet of the e2e rollout: round(5*33/13) - 5', rs: rs('b', 5, 13), d: deployment(30), want: 8 },
  { name: 'no annotation: the Deployment status.replicas is the base, round(4*33/8 = 16.5) - 4', rs: rs('c', 4), d: deployment(30, 8), want: 13 },
  { name: 'scaling to zero removes everything', rs: rs('d', 4, 13), d: deployment(0), want: -4 },
  { name: 'scaling down: round(5*5/10 = 2.5) - 5', rs: rs('e', 5, 10), d: deployment(2), want: -2 },
];
for (const tc of fractionCases) {
  test(`getReplicaSetFraction: ${tc.name}`, (t) => t.is(getReplicaSetFraction(tc.rs, tc.d), tc.want));
}

const proportionCases: { name: string; rs?: KubeObject; toAdd: number; added: number; want: number }[] = [
  { name: 'bounded by what is left to add', rs: rs('a', 8, 13), toAdd: 20, added: 15, want: 5 },
  { name: 'the full fraction when enough is left', rs: rs('a', 8, 13), toAdd: 20, added: 0, want: 12 },
  { name: 'nothing for an empty ReplicaSet', rs: rs('z', 0, 13), toAdd: 20, added: 0, want: 0 },
  { name: 'nothing once everything is added', rs: rs('a', 8, 13), toAdd: 20, added: 20, want: 0 },
  { name: 'nothing without a ReplicaSet', toAdd: 20, added: 0, want: 0 },
];
for (const tc of proportionCases) {
  test(`getProportion: ${tc.name}`, (t) => t.is(getProportion(tc.rs, deployment(30), tc.toAdd, tc.added), tc.want));
}

test('bySizeNewer puts the largest first and the newest first on ties; bySizeOlder the oldest', (t) => {
  const list = [rs('old', 5, 13, '2026-01-01T00:00:00Z'), rs('new', 5, 13, '2026-01-02T00:00:00Z'), rs('big', 8, 13, '2026-01-01T00:00:00Z')];
  t.deepEqual([...list].sort(bySizeNewer).map((r) => r.metadata!.name), ['big', 'new', 'old']);
  t.deepEqual([...list].sort(bySizeOlder).map((r) => r.metadata!.name), ['big', 'old', 'new']);
});
