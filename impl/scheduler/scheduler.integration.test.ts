/**
 * The scheduler against a real apiserver (SQLite in memory) with fake Node objects (API objects
 * only, no kubelet): placement, FailedScheduling with the upstream message and the
 * PodScheduled=False condition, and scheduling once a fitting node appears.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Event, Node, Pod } from '#generated/k8s/index.ts';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import { startScheduler, type RunningScheduler } from './index.ts';

type ApiServerModule = typeof import('#impl/apiserver/index.ts');
let apiserver: ApiServerModule | undefined;
try {
  apiserver = await import('#impl/apiserver/index.ts');
} catch {
  apiserver = undefined;
}

const ctx: { dir?: string; srv?: Awaited<ReturnType<ApiServerModule['startApiServer']>>; client?: RestClient; sched?: RunningScheduler } = {};

function node(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never } = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints },
    status: {
      capacity: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

type PodSpec = NonNullable<Pod['spec']>;
function pod(
  name: string,
  o: { cpu?: string; nodeSelector?: Record<string, string>; tolerations?: PodSpec['tolerations']; labels?: Record<string, string>; affinity?: PodSpec['affinity']; spread?: PodSpec['topologySpreadConstraints']; priorityClassName?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: o.cpu ? { requests: { cpu: o.cpu } } : undefined }],
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      affinity: o.affinity,
      topologySpreadConstraints: o.spread,
      priorityClassName: o.priorityClassName,
    },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pods = () => ctx.client!.resource('', 'v1', 'pods').namespace('default').as<Pod>();
const nodes = () => ctx.client!.resource('', 'v1', 'nodes').as<Node>();

test.before(async () => {
  if (!apiserver) return;
  const { newSqliteStorage } = await import('#impl/storage/sqlite/store.ts');
  ctx.dir = mkdtempSync(join(tmpdir(), 'kubets-scheduler-'));
  ctx.srv = await apiserver.startApiServer({ dataDir: ctx.dir, securePort: 0, storage: newSqliteStorage({ path: ':memory:' }), log: () => {} });
  await ctx.srv.ready;
  ctx.client = new RestClient(loadKubeconfig({ path: ctx.srv.kubeconfigPath }));
  await nodes().create(node('node-a', { cpu: '2' }));
  await nodes().create(node('node-b', { cpu: '4', labels: { disk: 'ssd' } }));
  await nodes().create(node('node-tainted', { cpu: '8', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }));
  ctx.sched = await startScheduler({ kubeconfig: ctx.srv.kubeconfigPath, securePort: 0, logger: pino({ level: 'silent' }) });
  await ctx.sched.synced;
});

test.after.always(async () => {
  await ctx.sched?.stop();
  ctx.client?.close();
  await ctx.srv?.stop();
  await ctx.srv?.storage.close();
  if (ctx.dir) rmSync(ctx.dir, { recursive: true, force: true });
});

const boundNode = (name: string) => until(`${name} bound`, async () => (await pods().get(name)).spec?.nodeName || undefined);

test.serial('a pod with a nodeSelector lands on the matching node and gets a Scheduled event', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await pods().create(pod('web', { nodeSelector: { disk: 'ssd' } }));
  t.is(await boundNode('web'), 'node-b');
  const ev = await until('Scheduled event', async () => {
    const list = await ctx.client!.resource('', 'v1', 'events').namespace('default').as<Event>().list();
    return list.items.find((e) => e.reason === 'Scheduled' && e.involvedObject.name === 'web');
  });
  t.is(ev.message, 'Successfully assigned default/web to node-b');
  const p = await pods().get('web');
  t.is(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
});

test.serial('a pod that fits only one node by cpu lands there', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await pods().create(pod('big', { cpu: '3' }));
  t.is(await boundNode('big'), 'node-b');
});

test.serial('a pod tolerating the taint may use the tainted node', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await pods().create(pod('infra', { cpu: '6', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] }));
  t.is(await boundNode('infra'), 'node-tainted');
});

test.serial('required node affinity, preferred node affinity and required pod affinity each give the expected node', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await pods().create(
    pod('req-affinity', {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] } } },
    }),
  );
  t.is(await boundNode('req-affinity'), 'node-b');
  await pods().create(
    pod('pref-affinity', {
      labels: { app: 'pref' },
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a'] }] } }] } },
    }),
  );
  t.is(await boundNode('pref-affinity'), 'node-a');
  await pods().create(
    pod('pod-affinity', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'pref' } }, topologyKey: 'kubernetes.io/hostname' }] } } }),
  );
  t.is(await boundNode('pod-affinity'), 'node-a');
});

test.serial('an unschedulable pod gets FailedScheduling with the upstream message, PodScheduled=False, and is scheduled when a fitting node appears', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await pods().create(pod('huge', { cpu: '5' }));
  const want =
    '0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
  const cond = await until('PodScheduled=False', async () => {
    const p = await pods().get('huge');
    return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  });
  t.is(cond.reason, 'Unschedulable');
  t.is(cond.message, want);
  const ev = await until('FailedScheduling event', async () => {
    const list = await ctx.client!.resource('', 'v1', 'events').namespace('default').as<Event>().list();
    return list.items.find((e) => e.reason === 'FailedScheduling' && e.involvedObject.name === 'huge');
  });
  t.is(ev.type, 'Warning');
  t.is(ev.message, want);
  t.is((await pods().get('huge')).spec?.nodeName, undefined);
  await nodes().create(node('node-c', { cpu: '8' }));
  t.is(await boundNode('huge'), 'node-c');
});

test.serial('required anti-affinity spreads replicas one per node, and a fourth replica gets the upstream message', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  for (const n of ['spread-1', 'spread-2', 'spread-3']) await nodes().create(node(n, { labels: { pool: 'spread', 'topology.kubernetes.io/zone': n === 'spread-3' ? 'z2' : 'z1' } }));
  const anti: PodSpec['affinity'] = {
    podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'anti' } }, topologyKey: 'kubernetes.io/hostname' }] },
  };
  const placed = new Set<string>();
  for (let i = 0; i < 3; i++) {
    await pods().create(pod(`anti-${i}`, { labels: { app: 'anti' }, nodeSelector: { pool: 'spread' }, affinity: anti }));
    placed.add(await boundNode(`anti-${i}`));
  }
  t.deepEqual([...placed].sort(), ['spread-1', 'spread-2', 'spread-3']);
  await pods().create(pod('anti-3', { labels: { app: 'anti' }, nodeSelector: { pool: 'spread' }, affinity: anti }));
  const cond = await until('anti-3 PodScheduled=False', async () => (await pods().get('anti-3')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
  t.regex(cond.message ?? '', /^0\/\d+ nodes are available: .*3 node\(s\) didn't match pod anti-affinity rules/);
  t.regex(cond.message ?? '', /didn't match Pod's node affinity\/selector/);
  await pods().delete('anti-3', { gracePeriodSeconds: 0 });
});

test.serial('topology spread across zone labels keeps the skew within maxSkew', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  const spread: PodSpec['topologySpreadConstraints'] = [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'zoned' } } },
  ];
  const zones: Record<string, number> = {};
  const zoneOf: Record<string, string> = { 'spread-1': 'z1', 'spread-2': 'z1', 'spread-3': 'z2' };
  for (let i = 0; i < 4; i++) {
    await pods().create(pod(`zoned-${i}`, { labels: { app: 'zoned' }, nodeSelector: { pool: 'spread' }, spread }));
    const z = zoneOf[await boundNode(`zoned-${i}`)]!;
    zones[z] = (zones[z] ?? 0) + 1;
  }
  t.deepEqual(zones, { z1: 2, z2: 2 });
});

/** finishDeletion plays the kubelet (there is none here): a pod marked for deletion is deleted at once. */
async function finishDeletion(name: string): Promise<void> {
  await until(`${name} deletion`, async () => {
    try {
      const p = await pods().get(name);
      if (!p.metadata?.deletionTimestamp) return undefined;
      await pods().delete(name, { gracePeriodSeconds: 0 });
      return true;
    } catch {
      return true;
    }
  });
}

const priorityClasses = () => ctx.client!.resource('scheduling.k8s.io', 'v1', 'priorityclasses');

test.serial('a high-priority pod (PriorityClass) preempts a lower-priority one, gets nominatedNodeName, and the victim a Preempted event', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await priorityClasses().create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-test-low' }, value: 10 });
  await priorityClasses().create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-test-high' }, value: 1000 });
  await nodes().create(node('prio-node', { cpu: '1', labels: { pool: 'prio' } }));
  await pods().create(pod('low', { cpu: '1', priorityClassName: 'sched-test-low', nodeSelector: { pool: 'prio' } }));
  t.is(await boundNode('low'), 'prio-node');
  t.is((await pods().get('low')).spec?.priority, 10, 'Priority admission resolved the class');
  await pods().create(pod('high', { cpu: '1', priorityClassName: 'sched-test-high', nodeSelector: { pool: 'prio' } }));
  await finishDeletion('low');
  const nominated = await until('nominatedNodeName', async () => {
    const high = await pods().get('high');
    return high.status?.nominatedNodeName || (high.spec?.nodeName ? 'bound' : undefined);
  });
  t.true(nominated === 'prio-node' || nominated === 'bound');
  t.is(await boundNode('high'), 'prio-node');
  const preempted = await until('Preempted event', async () => {
    const list = await ctx.client!.resource('', 'v1', 'events').namespace('default').as<Event>().list();
    return list.items.find((e) => e.reason === 'Preempted' && e.involvedObject.name === 'low');
  });
  t.regex(preempted.message ?? '', /^Preempted by pod \S+ on node prio-node$/);
});

test.serial('a PriorityClass with preemptionPolicy Never does not preempt; the message says why', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await priorityClasses().create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-test-never' }, value: 2000, preemptionPolicy: 'Never' });
  await pods().create(pod('polite', { cpu: '1', priorityClassName: 'sched-test-never', nodeSelector: { pool: 'prio' } }));
  const cond = await until('polite PodScheduled=False', async () => (await pods().get('polite')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
  t.regex(cond.message ?? '', /^0\/\d+ nodes are available: 1 Insufficient cpu, .*\. preemption: not eligible due to preemptionPolicy=Never\.$/);
  t.truthy((await pods().get('high')).spec?.nodeName, 'the running pod was not preempted');
  await pods().delete('polite', { gracePeriodSeconds: 0 });
});

test.serial('preemption spares the pod protected by an exhausted PodDisruptionBudget', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  await nodes().create(node('pdb-1', { cpu: '1', labels: { pool: 'pdb' } }));
  await nodes().create(node('pdb-2', { cpu: '1', labels: { pool: 'pdb' } }));
  // Without the PDB the guarded pod would be the victim: its priority is the lowest.
  await priorityClasses().create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'sched-test-lowest' }, value: 5 });
  await pods().create(pod('guarded', { cpu: '1', priorityClassName: 'sched-test-lowest', labels: { app: 'guarded' }, nodeSelector: { pool: 'pdb' } }));
  await pods().create(pod('unguarded', { cpu: '1', priorityClassName: 'sched-test-low', labels: { app: 'unguarded' }, nodeSelector: { pool: 'pdb' } }));
  await boundNode('guarded');
  const freeNode = await boundNode('unguarded');
  // The disruption controller does not run here: the test writes the PDB status it would compute.
  const pdbs = ctx.client!.resource('policy', 'v1', 'poddisruptionbudgets').namespace('default');
  const created = await pdbs.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guard' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } });
  await pdbs.update({ ...created, status: { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, observedGeneration: 1 } }, { subresource: 'status' });
  await until('PDB status seen', async () => ((await pdbs.get('guard')).status?.expectedPods === 1 ? true : undefined));
  await new Promise((r) => setTimeout(r, 300)); // let the scheduler's PDB informer catch up
  await pods().create(pod('urgent', { cpu: '1', priorityClassName: 'sched-test-high', nodeSelector: { pool: 'pdb' } }));
  await finishDeletion('unguarded');
  t.is(await boundNode('urgent'), freeNode);
  t.falsy((await pods().get('guarded')).metadata?.deletionTimestamp);
});

test.serial('volume binding: a WaitForFirstConsumer claim lands the pod on the node of a matching local PV, PreBind writes the claimRef; an unbound Immediate claim gets the upstream message', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  const c = ctx.client!;
  await nodes().create(node('vol-1', { labels: { pool: 'vol' } }));
  await nodes().create(node('vol-2', { labels: { pool: 'vol' } }));
  const sc = c.resource('storage.k8s.io', 'v1', 'storageclasses');
  await sc.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sched-local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' });
  await sc.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sched-immediate' }, provisioner: 'example.com/none', volumeBindingMode: 'Immediate' });
  const pvs = c.resource('', 'v1', 'persistentvolumes');
  const pv = await pvs.create({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'sched-local-pv' },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'sched-local',
      local: { path: '/mnt/disk1' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['vol-2'] }] }] } },
    },
  });
  // No PV controller runs here: the test marks the PV Available, as the controller would.
  await pvs.update({ ...pv, status: { phase: 'Available' } }, { subresource: 'status' });
  const pvcs = c.resource('', 'v1', 'persistentvolumeclaims').namespace('default');
  const claim = await pvcs.create({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sched-local', resources: { requests: { storage: '500Mi' } } },
  });
  const withClaim = (name: string, claimName: string): Pod => {
    const p = pod(name, { nodeSelector: { pool: 'vol' } });
    p.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
    return p;
  };
  await pods().create(withClaim('stateful', 'data'));
  // PreBind binds the PV to the claim (claimRef); then the test plays the PV controller.
  const bound = await until('PV claimRef', async () => {
    const cur = await pvs.get('sched-local-pv');
    return cur.spec?.claimRef ? cur : undefined;
  });
  t.like(bound.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: claim.metadata?.uid });
  t.is((await pods().get('stateful')).spec?.nodeName, undefined, 'not bound before the volume binding completes');
  await pvs.update({ ...bound, status: { phase: 'Bound' } }, { subresource: 'status' });
  const cur = await pvcs.get('data');
  await pvcs.update({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata?.annotations, 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { ...cur.spec, volumeName: 'sched-local-pv' } });
  t.is(await boundNode('stateful'), 'vol-2');

  await pvcs.create({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'now' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'sched-immediate', resources: { requests: { storage: '1Gi' } } },
  });
  await pods().create(withClaim('impatient', 'now'));
  const cond = await until('impatient PodScheduled=False', async () => (await pods().get('impatient')).status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False'));
  t.regex(cond.message ?? '', /^0\/\d+ nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption: /);
  await pods().delete('impatient', { gracePeriodSeconds: 0 });
});

test.serial('with --leader-elect only the Lease holder schedules, and a second scheduler takes over when it stops', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  const config = { profiles: [{ schedulerName: 'le-scheduler' }], leaderElection: { leaderElect: true, leaseDuration: '4s', renewDeadline: '3s', retryPeriod: '500ms' } };
  const silent = pino({ level: 'silent' });
  const first = await startScheduler({ kubeconfig: ctx.srv!.kubeconfigPath, config, leaderElect: true, identity: 'first', logger: silent });
  const leases = ctx.client!.resource('coordination.k8s.io', 'v1', 'leases').namespace('kube-system');
  await until('lease held by first', async () => {
    try {
      const l = await leases.get('kube-scheduler');
      return l.spec?.holderIdentity === 'first' ? true : undefined;
    } catch {
      return undefined;
    }
  });
  const second = await startScheduler({ kubeconfig: ctx.srv!.kubeconfigPath, config, leaderElect: true, identity: 'second', logger: silent });
  try {
    const p1 = pod('le-1');
    p1.spec!.schedulerName = 'le-scheduler';
    await pods().create(p1);
    await boundNode('le-1');
    await first.stop();
    await until('lease held by second', async () => ((await leases.get('kube-scheduler')).spec?.holderIdentity === 'second' ? true : undefined), 20_000);
    const p2 = pod('le-2');
    p2.spec!.schedulerName = 'le-scheduler';
    await pods().create(p2);
    t.truthy(await boundNode('le-2'));
  } finally {
    await first.stop();
    await second.stop();
  }
});

test.serial('/healthz and /metrics are served with upstream metric names', async (t) => {
  if (!apiserver) return t.pass('skipped: impl/apiserver is not available');
  const url = ctx.sched!.url!;
  const get = async (path: string): Promise<{ code: number; body: string }> => {
    const https = await import('node:https');
    return new Promise((resolve, reject) => {
      https.get(`${url}${path}`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  };
  await pods().create(pod('nowhere', { nodeSelector: { pool: 'does-not-exist' } }));
  await until('nowhere PodScheduled=False', async () => (await pods().get('nowhere')).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
  const h = await get('/healthz');
  t.is(h.code, 200);
  t.is(h.body, 'ok');
  const m = await get('/metrics');
  t.is(m.code, 200);
  t.regex(m.body, /scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} [1-9]/);
  t.regex(m.body, /scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} [1-9]/);
  t.regex(m.body, /scheduler_pending_pods\{queue="active"\} 0/);
  t.regex(m.body, /scheduler_scheduling_attempt_duration_seconds_bucket/);
  t.regex(m.body, /scheduler_pending_pods\{queue="unschedulable"\} [1-9]/);
  t.regex(m.body, /scheduler_unschedulable_pods\{plugin="NodeAffinity",profile="default-scheduler"\} 1/);
  t.regex(m.body, /scheduler_preemption_attempts_total [1-9]/);
  t.regex(m.body, /scheduler_preemption_victims_count [1-9]/);
  t.regex(m.body, /scheduler_framework_extension_point_duration_seconds_bucket\{[^}]*extension_point="PreBind"/);
  await pods().delete('nowhere', { gracePeriodSeconds: 0 });
});
