/**
 * Scheduler preemption (upstream test/e2e/scheduling/preemption.go) and the resource-limit and
 * host-port predicates (predicates.go): nodes advertise an extended resource through their
 * status (as e2enode.AddExtendedResource does) so the cases control exactly what fits.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { createPod, waitForPod, waitForPodRunning } from '../framework/pods.ts';

const TEST_EXTENDED_RESOURCE = 'scheduling.k8s.io/foo';
const PC_PREEMPTION = '[sig-scheduling] SchedulerPreemption';
const PC_PREDICATES = '[sig-scheduling] SchedulerPredicates';

/** readySchedulableNodes lists Ready nodes without NoSchedule taints and not cordoned. */
async function readySchedulableNodes(ctx: CaseContext): Promise<KubeObject[]> {
  const nodes = (await ctx.api('', 'v1', 'nodes').list()).items;
  const ready = nodes.filter(
    (n) =>
      !n.spec?.unschedulable &&
      (n.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True') &&
      !(n.spec?.taints ?? []).some((t: KubeObject) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
  );
  if (ready.length === 0) fail('no Ready schedulable node');
  return ready;
}

/**
 * waitForResourceReleased waits until no pod outside this case's namespace still holds the
 * extended resource (pods of an earlier case may still be terminating; upstream waits for the
 * other test namespaces to be gone, CheckTestingNSDeletedExcept).
 */
async function waitForResourceReleased(ctx: CaseContext, name: string): Promise<void> {
  let holders: string[] = [];
  await ctx.waitFor(
    async () => {
      const pods = (await ctx.api('', 'v1', 'pods').list()).items;
      holders = pods
        .filter((p) => p.metadata?.namespace !== ctx.ns && p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
        .filter((p) => (p.spec?.containers ?? []).some((c: KubeObject) => c.resources?.requests?.[name] !== undefined))
        .map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
      return holders.length === 0;
    },
    { timeoutMs: 120_000, intervalMs: 1000, message: `pods of other namespaces to release ${name}`, describe: () => holders.join(', ') },
  );
}

/**
 * addExtendedResource writes `name: quantity` into the node's status capacity and allocatable
 * and waits until both show it (the kubelet must keep entries it does not manage); the cleanup
 * removes them again.
 */
async function addExtendedResource(ctx: CaseContext, nodeName: string, name: string, quantity: string): Promise<void> {
  const nodes = ctx.api('', 'v1', 'nodes');
  await waitForResourceReleased(ctx, name);
  ctx.step(`Adding extended resource ${name}=${quantity} to node ${nodeName}`);
  await ctx.waitFor(
    async () => {
      const node = await nodes.get(nodeName);
      node.status.capacity = { ...node.status.capacity, [name]: quantity };
      node.status.allocatable = { ...node.status.allocatable, [name]: quantity };
      try {
        await nodes.update(node, { subresource: 'status' });
        return true;
      } catch {
        return false; // a concurrent kubelet status update: read again
      }
    },
    { timeoutMs: 30_000, intervalMs: 200, message: `status update of node ${nodeName}` },
  );
  ctx.defer(() => removeExtendedResource(ctx, nodeName, name));
  await ctx.waitFor(
    async () => {
      const node = await nodes.get(nodeName);
      return node.status?.capacity?.[name] === quantity && node.status?.allocatable?.[name] === quantity;
    },
    { timeoutMs: 30_000, intervalMs: 500, message: `node ${nodeName} to keep ${name}=${quantity} in capacity and allocatable` },
  );
}

async function removeExtendedResource(ctx: CaseContext, nodeName: string, name: string): Promise<void> {
  const nodes = ctx.api('', 'v1', 'nodes');
  const key = name.replaceAll('~', '~0').replaceAll('/', '~1');
  const node = await nodes.get(nodeName);
  const ops = ['capacity', 'allocatable'].filter((f) => node.status?.[f]?.[name] !== undefined).map((f) => ({ op: 'remove', path: `/status/${f}/${key}` }));
  if (ops.length > 0) await nodes.patch(nodeName, ops, { type: 'json', subresource: 'status' });
}

/** createPriorityClasses creates low/medium/high classes (1, 100, 1000) named after the case. */
async function createPriorityClasses(ctx: CaseContext): Promise<{ low: string; medium: string; high: string }> {
  const pcs = ctx.api('scheduling.k8s.io', 'v1', 'priorityclasses');
  const names = { low: `${ctx.ns}-low-priority`, medium: `${ctx.ns}-medium-priority`, high: `${ctx.ns}-high-priority` };
  for (const [key, value] of [['low', 1], ['medium', 100], ['high', 1000]] as const) {
    await pcs.create({ metadata: { name: names[key] }, value });
    ctx.defer(() => pcs.delete(names[key]).catch(() => undefined));
  }
  return names;
}

interface PausePodConfig {
  name: string;
  ns?: string;
  priorityClassName?: string;
  resources?: Record<string, string>;
  nodeName?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  ports?: KubeObject[];
  /** Limits only (requests default to them), as upstream's additional pod. */
  limits?: Record<string, string>;
  affinity?: KubeObject;
}

/** pausePod mirrors upstream initPausePod: grace period 1 s, optional node affinity by name. */
function pausePod(ctx: CaseContext, c: PausePodConfig): KubeObject {
  return {
    metadata: { name: c.name, labels: c.labels, finalizers: c.finalizers },
    spec: {
      terminationGracePeriodSeconds: 1,
      priorityClassName: c.priorityClassName,
      nodeSelector: c.nodeSelector,
      affinity: c.affinity ?? (c.nodeName ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [c.nodeName] }] }] } } } : undefined),
      containers: [{ name: c.name, image: ctx.images.pause, ports: c.ports, resources: c.resources ? { requests: c.resources, limits: c.resources } : c.limits ? { limits: c.limits } : undefined }],
    },
  };
}

/** isPreempted: gone, or being deleted. */
async function isPreempted(ctx: CaseContext, name: string, ns = ctx.ns): Promise<boolean> {
  try {
    return !!(await ctx.core('pods', ns).get(name)).metadata?.deletionTimestamp;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

/**
 * basicPreemption is the body of "validates basic preemption works" and "... by critical pod":
 * two pods per node use 4 of 5 units of the extended resource (the first pod low priority, the
 * rest medium); a preemptor asking for the low pod's 2 units must evict exactly that pod.
 */
async function basicPreemption(ctx: CaseContext, preemptor: { name: string; ns: string; priorityClassName: (p: { high: string }) => string }): Promise<void> {
  const classes = await createPriorityClasses(ctx);
  const nodes = await readySchedulableNodes(ctx);
  const pods: string[] = [];
  ctx.step('Create pods that use 4/5 of node resources.');
  for (const [i, node] of nodes.entries()) {
    await addExtendedResource(ctx, String(node.metadata?.name), TEST_EXTENDED_RESOURCE, '5');
    for (let j = 0; j < 2; j++) {
      const priorityClassName = pods.length === 0 ? classes.low : classes.medium;
      const name = `pod${i}-${j}-${priorityClassName}`;
      await createPod(ctx, pausePod(ctx, { name, priorityClassName, resources: { [TEST_EXTENDED_RESOURCE]: '2' }, nodeName: String(node.metadata?.name) }));
      pods.push(name);
    }
  }
  ctx.step('Wait for pods to be scheduled.');
  for (const name of pods) await waitForPodRunning(ctx, name);

  ctx.step(`Run a ${preemptor.name} pod that has same requirements as that of lower priority pod`);
  ctx.defer(() => ctx.core('pods', preemptor.ns).delete(preemptor.name, { gracePeriodSeconds: 0 }).catch(() => undefined));
  await createPod(ctx, pausePod(ctx, { name: preemptor.name, priorityClassName: preemptor.priorityClassName(classes), resources: { [TEST_EXTENDED_RESOURCE]: '2' } }), preemptor.ns);
  await waitForPodRunning(ctx, preemptor.name, preemptor.ns);

  expectTrue(await isPreempted(ctx, pods[0]!), `expected pod ${pods[0]} (lowest priority) to be preempted`);
  for (const name of pods.slice(1)) {
    const live = await ctx.core('pods').get(name);
    expectEqual(live.metadata?.deletionTimestamp, undefined, `deletionTimestamp of medium-priority pod ${name}`);
  }
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'SC-09',
    codename: `${PC_PREEMPTION} validates basic preemption works [Conformance] [Serial]`,
    run: (ctx) => basicPreemption(ctx, { name: 'preemptor-pod', ns: ctx.ns, priorityClassName: (c) => c.high }),
  }),

  defineCase(import.meta.url, {
    id: 'SC-10',
    codename: `${PC_PREEMPTION} validates lower priority pod preemption by critical pod [Conformance] [Serial]`,
    run: (ctx) => basicPreemption(ctx, { name: 'critical-pod', ns: 'kube-system', priorityClassName: () => 'system-cluster-critical' }),
  }),

  defineCase(import.meta.url, {
    id: 'SC-11',
    codename: `${PC_PREEMPTION} validates pod disruption condition is added to the preempted pod [Conformance] [Serial]`,
    async run(ctx) {
      const classes = await createPriorityClasses(ctx);
      const [node] = await readySchedulableNodes(ctx);
      const nodeName = String(node!.metadata?.name);
      await addExtendedResource(ctx, nodeName, TEST_EXTENDED_RESOURCE, '1');
      const finalizer = 'example.com/test-finalizer';
      ctx.step('Create a low priority pod that consumes 1/1 of node resources');
      await createPod(ctx, pausePod(ctx, { name: 'victim-pod', priorityClassName: classes.low, resources: { [TEST_EXTENDED_RESOURCE]: '1' }, finalizers: [finalizer], nodeName }));
      // Remove the finalizer so that the victim pod can be deleted.
      ctx.defer(async () => {
        const p = await ctx.core('pods').get('victim-pod').catch(() => undefined);
        if (p?.metadata?.finalizers?.includes(finalizer)) await ctx.core('pods').patch('victim-pod', [{ op: 'remove', path: '/metadata/finalizers' }], { type: 'json' });
      });
      ctx.step('Wait for the victim pod to be scheduled');
      await waitForPodRunning(ctx, 'victim-pod');
      ctx.step('Create a high priority pod to trigger preemption of the lower priority pod');
      await createPod(ctx, pausePod(ctx, { name: 'preemptor-pod', priorityClassName: classes.high, resources: { [TEST_EXTENDED_RESOURCE]: '1' }, nodeName }));
      ctx.step('Waiting for the victim pod to be terminating');
      const victim = await waitForPod(ctx, 'victim-pod', (p) => !!p.metadata?.deletionTimestamp, 'to be terminating');
      ctx.step('Verifying the pod has the pod disruption condition');
      const cond = (victim.status?.conditions ?? []).find((c: KubeObject) => c.type === 'DisruptionTarget');
      if (!cond) fail(`pod ${ctx.ns}/victim-pod does not have the expected condition DisruptionTarget; conditions: ${JSON.stringify(victim.status?.conditions ?? [])}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'SC-07',
    codename: `${PC_PREEMPTION} PreemptionExecutionPath runs ReplicaSets to verify preemption running path [Conformance] [Serial]`,
    async run(ctx) {
      const fakecpu = 'example.com/fakecpu';
      const [node] = await readySchedulableNodes(ctx);
      const nodeName = String(node!.metadata?.name);
      const hostname = node!.metadata?.labels?.['kubernetes.io/hostname'];
      if (!hostname) fail(`error getting kubernetes.io/hostname label on node ${nodeName}`);
      await addExtendedResource(ctx, nodeName, fakecpu, '1000');
      const pcs = ctx.api('scheduling.k8s.io', 'v1', 'priorityclasses');
      const pc = (i: number): string => `${ctx.ns}-p${i}`;
      for (let i = 1; i <= 4; i++) {
        await pcs.create({ metadata: { name: pc(i) }, value: i });
        ctx.defer(() => pcs.delete(pc(i)).catch(() => undefined));
      }
      // Count pod creations per ReplicaSet from a watch, as upstream's informer does.
      const seen = [new Set<string>(), new Set<string>(), new Set<string>()];
      const watch = ctx.core('pods').watch({});
      ctx.defer(() => watch.stop());
      void (async () => {
        for await (const ev of watch) {
          const name = String((ev.object as KubeObject).metadata?.name ?? '');
          if (ev.type !== 'ADDED') continue;
          for (const i of [0, 1, 2]) if (name.startsWith(`rs-pod${i + 1}`)) seen[i]!.add(name);
        }
      })().catch(() => undefined);
      const counts = (): number[] => seen.map((x) => x.size);

      const rs = ctx.api('apps', 'v1', 'replicasets', true);
      for (const [i, units] of [[1, '200'], [2, '300'], [3, '450']] as const) {
        const labels = { name: `pod${i}` };
        const template = pausePod(ctx, { name: `pod${i}`, labels, priorityClassName: pc(i), nodeSelector: { 'kubernetes.io/hostname': hostname }, resources: { [fakecpu]: units } });
        await rs.create({ metadata: { name: `rs-pod${i}` }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: template.spec } } });
        await ctx.waitFor(async () => ((await rs.get(`rs-pod${i}`)).status?.availableReplicas ?? 0) >= 1, { timeoutMs: 120_000, intervalMs: 500, message: `ReplicaSet rs-pod${i} to have 1 available replica` });
      }
      ctx.log(`pods created so far: [${counts().join(' ')}]`);

      ctx.step('Create a preemptor pod pod4 (priority p4, 500 fakecpu)');
      await createPod(ctx, pausePod(ctx, { name: 'pod4', labels: { name: 'pod4' }, priorityClassName: pc(4), nodeSelector: { 'kubernetes.io/hostname': hostname }, resources: { [fakecpu]: '500' } }));
      await waitForPod(ctx, 'pod4', (p) => !!p.spec?.nodeName, 'to be scheduled (preempting)', { timeoutMs: 120_000 });

      // ReplicaSets 1 and 2 are preempted once each (one re-created pod, which stays pending); 3 never.
      const expected = [2, 2, 1];
      await ctx.waitFor(
        () => {
          const got = counts();
          const over = got.findIndex((n, i) => n > expected[i]!);
          if (over >= 0) fail(`rs${over + 1} had more than ${expected[over]} pods created: ${got[over]}`);
          return got.every((n, i) => n === expected[i]);
        },
        { timeoutMs: 60_000, intervalMs: 500, message: `pod creations per ReplicaSet to be [${expected.join(' ')}]`, describe: () => `[${counts().join(' ')}]` },
      );
      // The state must be stable: no over-preemption afterwards.
      await new Promise((r) => setTimeout(r, 5000));
      const got = counts();
      got.forEach((n, i) => {
        if (n < expected[i]!) fail(`pods of ReplicaSet${i + 1} have been under-preempted: expect ${expected[i]} pod names, but got ${n}`);
        if (n > expected[i]!) fail(`pods of ReplicaSet${i + 1} have been over-preempted: expect ${expected[i]} pod names, but got ${n}`);
      });
    },
  }),

  defineCase(import.meta.url, {
    id: 'SC-03',
    codename: `${PC_PREDICATES} validates resource limits of pods that are allowed to run [Conformance] [Serial]`,
    async run(ctx) {
      const nodes = await readySchedulableNodes(ctx);
      const nodeApi = ctx.api('', 'v1', 'nodes');
      const free = new Map<string, number>();
      let maxAllocatable = 0;
      for (const node of nodes) {
        const name = String(node.metadata?.name);
        await nodeApi.patch(name, { metadata: { labels: { node: name } } }, { type: 'strategic' });
        ctx.defer(() => nodeApi.patch(name, { metadata: { labels: { node: null } } }, { type: 'strategic' }));
        const cpu = milliCPU(node.status?.allocatable?.cpu);
        free.set(name, cpu);
        maxAllocatable = Math.max(maxAllocatable, cpu);
      }
      for (const pod of (await ctx.api('', 'v1', 'pods').list()).items) {
        const node = pod.spec?.nodeName;
        if (node && free.has(node) && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') free.set(node, free.get(node)! - requestedCPU(pod));
      }
      ctx.step('Starting Pods to consume most of the cluster CPU.');
      const fillers: string[] = [];
      for (const [node, cpu] of free) {
        const name = ctx.uniqueName('filler-pod');
        const requested = Math.floor((cpu * 7) / 10);
        const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node', operator: 'In', values: [node] }] }] } } };
        await createPod(ctx, pausePod(ctx, { name, resources: { cpu: `${requested}m` }, affinity }));
        fillers.push(name);
      }
      for (const name of fillers) await waitForPodRunning(ctx, name);
      ctx.step('Creating another pod that requires unavailable amount of CPU.');
      await createPod(ctx, pausePod(ctx, { name: 'additional-pod', labels: { name: 'additional' }, limits: { cpu: `${Math.floor((maxAllocatable * 5) / 10)}m` } }));
      await expectUnschedulable(ctx, 'additional-pod', /Insufficient cpu/);
      const scheduled = (await ctx.core('pods').list()).items.filter((p) => p.spec?.nodeName).length;
      expectEqual(scheduled, fillers.length, 'scheduled pods in the namespace');
    },
  }),

  defineCase(import.meta.url, {
    id: 'SC-06',
    codename: `${PC_PREDICATES} validates that there exists conflict between pods with same hostPort and protocol but one using 0.0.0.0 hostIP [Conformance] [Serial]`,
    async run(ctx) {
      const [node] = await readySchedulableNodes(ctx);
      const nodeName = String(node!.metadata?.name);
      const nodeApi = ctx.api('', 'v1', 'nodes');
      const k = `kubernetes.io/e2e-${ctx.uid}`;
      ctx.step(`Trying to apply a random label on the found node: ${k}=95`);
      await nodeApi.patch(nodeName, { metadata: { labels: { [k]: '95' } } }, { type: 'strategic' });
      ctx.defer(() => nodeApi.patch(nodeName, { metadata: { labels: { [k]: null } } }, { type: 'strategic' }));
      const port = 54322;
      const hostPortPod = (name: string, hostIP: string): KubeObject =>
        pausePod(ctx, { name, nodeSelector: { [k]: '95' }, ports: [{ containerPort: 8080, hostPort: port, protocol: 'TCP', ...(hostIP ? { hostIP } : {}) }] });
      ctx.step(`Trying to create a pod(pod4) with hostport ${port} and hostIP 0.0.0.0(empty string here) and expect scheduled`);
      await createPod(ctx, hostPortPod('pod4', ''));
      const pod4 = await waitForPod(ctx, 'pod4', (p) => !!p.spec?.nodeName, 'to be scheduled');
      expectEqual(pod4.spec?.nodeName, nodeName, 'node of pod4');
      ctx.step(`Trying to create another pod(pod5) with hostport ${port} but hostIP 127.0.0.1 on the node which pod4 resides and expect not scheduled`);
      await createPod(ctx, hostPortPod('pod5', '127.0.0.1'));
      await expectUnschedulable(ctx, 'pod5', /free ports/);
    },
  }),
];

/** expectUnschedulable waits for PodScheduled=False (reason Unschedulable) whose message matches, and checks the pod stays unbound. */
async function expectUnschedulable(ctx: CaseContext, name: string, message: RegExp): Promise<void> {
  const p = await waitForPod(ctx, name, (x) => (x.status?.conditions ?? []).some((c: KubeObject) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'), 'to be reported Unschedulable', { timeoutMs: 60_000 });
  const cond = (p.status?.conditions ?? []).find((c: KubeObject) => c.type === 'PodScheduled');
  expectTrue(message.test(cond?.message ?? ''), `PodScheduled message of ${name} should match ${message}: ${cond?.message}`);
  expectEqual(p.spec?.nodeName ?? '', '', `spec.nodeName of ${name}`);
}

/** milliCPU parses a CPU quantity (`2`, `1500m`) into millicores. */
function milliCPU(q: unknown): number {
  const s = String(q ?? '0');
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}

/** requestedCPU sums the containers' CPU requests (upstream getRequestedCPU). */
function requestedCPU(pod: KubeObject): number {
  return (pod.spec?.containers ?? []).reduce((sum: number, c: KubeObject) => sum + milliCPU(c.resources?.requests?.cpu), 0);
}
