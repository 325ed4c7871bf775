/**
 * The whole kubelet on fakes (FakeKubeletClient + FakeRuntimeService, real timers with short
 * periods): registration, the pod lifecycle through the sync loop, the status manager and the
 * delete flow — what kubelet.integration.test.ts checks on containerd, runnable anywhere.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pod } from '#generated/k8s/index.ts';
import { FakeKubeletClient } from './fake-kubelet-client.ts';
import { FakeRuntimeService } from './kuberuntime/fake-runtime-service.ts';
import type { EventRecorder, ObjectLike } from '#impl/client/tools/record/index.ts';
import { startKubelet, type KubeletHandle } from './kubelet.ts';
import type { MachineInfo } from './nodestatus/setters.ts';

const machine: MachineInfo = {
  numCores: 4,
  memoryCapacityBytes: 8 * 1024 ** 3,
  rootfsCapacityBytes: 100 * 1024 ** 3,
  machineID: 'm',
  systemUUID: 's',
  bootID: 'b',
  kernelVersion: '6.1.0',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  operatingSystem: 'linux',
  architecture: 'amd64',
};

let lastSetup: { client: FakeKubeletClient; runtime: FakeRuntimeService } | undefined;

async function until<T>(what: string, fn: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) {
      const ctx = lastSetup ? `\nstatus writes: ${lastSetup.client.statusWrites.join(', ')}\ndeletes: ${lastSetup.client.deletes.join(', ')}\nCRI calls (last 30): ${lastSetup.runtime.calls.filter((c) => !c.startsWith('list')).slice(-30).join(' ')}` : '';
      throw new Error(`timed out waiting for ${what}${ctx}`);
    }
    await sleep(20);
  }
}

function setup(t: { teardown(fn: () => Promise<void> | void): void }, extra: { podManifestPath?: string; evictionHard?: string; evictionMonitoringPeriodMs?: number; recorder?: EventRecorder } = {}): { client: FakeKubeletClient; runtime: FakeRuntimeService; kubelet: KubeletHandle } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-kubelet-'));
  const client = new FakeKubeletClient();
  const runtime = new FakeRuntimeService();
  const kubelet = startKubelet({
    client,
    runtimeService: runtime,
    imageService: runtime,
    rootDir: dir,
    hostnameOverride: 'node-a',
    machineInfo: () => machine,
    plegRelistPeriodMs: 30,
    housekeepingPeriodMs: 50,
    podWorkerBackOffMs: 50,
    nodeStatusUpdateFrequencyMs: 100,
    leaseRenewIntervalMs: 100,
    port: 0,
    fileCheckFrequencyMs: 50,
    ...extra,
  });
  lastSetup = { client, runtime };
  t.teardown(async () => {
    await kubelet.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { client, runtime, kubelet };
}

const busybox = (name: string, command: string[], restartPolicy = 'Always'): Pod => ({
  metadata: { name },
  spec: { nodeName: 'node-a', restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.35', command }] },
});

test.serial('registers the Node with capacity, labels, nodeInfo and conditions, and a Lease', async (t) => {
  const { client, kubelet } = setup(t);
  await kubelet.registered;
  const node = await client.getNode('node-a');
  t.like(node.metadata?.labels, { 'kubernetes.io/hostname': 'node-a', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
  t.like(node.status?.capacity, { cpu: '4', memory: '8388608Ki', pods: '110' });
  t.is(node.status?.allocatable?.memory, `${8 * 1024 * 1024 - 100 * 1024}Ki`);
  t.is(node.status?.nodeInfo?.containerRuntimeVersion, 'fake://0.0.1');
  t.is(node.status?.nodeInfo?.kubeletVersion, 'v1.35.0');
  t.deepEqual(node.status?.conditions?.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  t.true((node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0) > 0);
  const lease = await until('lease', () => client.leases.get('kube-node-lease/node-a'));
  t.is(lease.spec?.holderIdentity, 'node-a');
  t.is(lease.spec?.leaseDurationSeconds, 40);
  t.regex(lease.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const first = lease.spec?.renewTime;
  await until('lease renewed', () => client.leases.get('kube-node-lease/node-a')?.spec?.renewTime !== first);
  t.pass();
});

test.serial('node events on start: Starting, the condition transitions and NodeAllocatableEnforced, about the Node with uid = name', async (t) => {
  const events: { obj: ObjectLike; type: string; reason: string; message: string }[] = [];
  const recorder: EventRecorder = {
    event: (obj, type, reason, message) => events.push({ obj, type, reason, message }),
    eventf: () => {},
    annotatedEventf: () => {},
  };
  const { kubelet } = setup(t, { recorder });
  await kubelet.registered;
  await until('NodeAllocatableEnforced', () => events.some((e) => e.reason === 'NodeAllocatableEnforced'));
  const node = events.filter((e) => (e.obj as { kind?: string }).kind === 'Node');
  t.deepEqual(node.map((e) => e.reason), ['Starting', 'NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady', 'NodeAllocatableEnforced']);
  t.is(node[0].message, 'Starting kubelet.');
  t.is(node[1].message, 'Node node-a status is now: NodeHasSufficientMemory');
  t.is(node[4].message, 'Node node-a status is now: NodeReady');
  t.like(node[0].obj, { kind: 'Node', name: 'node-a', uid: 'node-a' });
});

test.serial('a pod runs, fails with restartPolicy Never, and is deleted after its containers are removed', async (t) => {
  const { client, runtime, kubelet } = setup(t);
  await kubelet.registered;
  client.addPod(busybox('p1', ['sleep', '3600'], 'Never'));
  const running = await until('Running', () => client.pod('default', 'p1')?.status?.phase === 'Running' && client.pod('default', 'p1'));
  t.regex(running.status?.podIP ?? '', /^198\.18\./);
  t.is(running.status?.containerStatuses?.[0]?.containerID?.startsWith('fake://'), true);
  runtime.exitContainer(runtime.containerByName('main')!.id, 4);
  const failed = await until('Failed', () => client.pod('default', 'p1')?.status?.phase === 'Failed' && client.pod('default', 'p1'));
  t.is(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 4);
  // The sandbox is stopped once the pod is terminal, but containers stay until the pod is deleted.
  await until('sandbox stopped', () => [...runtime.sandboxes.values()].every((s) => s.state !== 0));
  t.is(runtime.containers.size, 1);
  client.markPodDeleted('default', 'p1', 5);
  await until('pod deleted', () => !client.pod('default', 'p1'));
  t.deepEqual(client.deletes, ['default/p1 grace=0']);
  t.is(runtime.containers.size, 0);
  t.is(runtime.sandboxes.size, 0);
});

test.serial('a running pod deleted gracefully is stopped with its grace period', async (t) => {
  const { client, runtime, kubelet } = setup(t);
  await kubelet.registered;
  client.addPod(busybox('p2', ['sleep', '3600']));
  await until('Running', () => client.pod('default', 'p2')?.status?.phase === 'Running');
  runtime.calls.length = 0;
  client.markPodDeleted('default', 'p2', 7);
  await until('pod deleted', () => !client.pod('default', 'p2'));
  t.true(runtime.calls.includes('stopContainer'));
  t.true(runtime.calls.indexOf('stopContainer') < runtime.calls.indexOf('stopPodSandbox'));
  t.true(runtime.calls.includes('removePodSandbox'));
  t.is(runtime.containers.size, 0);
});

test.serial('runtime pods the API does not know are stopped and removed (orphans)', async (t) => {
  const { runtime, kubelet } = setup(t);
  const { podSandboxId } = await runtime.runPodSandbox({ config: { metadata: { name: 'ghost', namespace: 'default', uid: 'ghost-uid' }, labels: { 'io.kubernetes.pod.uid': 'ghost-uid', 'io.kubernetes.pod.name': 'ghost', 'io.kubernetes.pod.namespace': 'default' } } });
  await kubelet.registered;
  await until('orphan removed', () => !runtime.sandboxes.has(podSandboxId));
  t.pass();
});

test.serial('a pod that does not fit is rejected with OutOfcpu', async (t) => {
  const { client, kubelet } = setup(t);
  await kubelet.registered;
  const p = busybox('big', ['sleep', '1']);
  p.spec!.containers[0].resources = { requests: { cpu: '64' } };
  client.addPod(p);
  const failed = await until('rejected', () => client.pod('default', 'big')?.status?.phase === 'Failed' && client.pod('default', 'big'));
  t.is(failed.status?.reason, 'OutOfcpu');
  t.is(failed.status?.message, "Pod was rejected: Node didn't have enough resource: cpu, requested: 64000, used: 0, capacity: 4000");
});

test.serial('the kubelet server answers /healthz and /pods and its port is in daemonEndpoints', async (t) => {
  const { client, kubelet } = setup(t);
  await kubelet.registered;
  client.addPod(busybox('p3', ['sleep', '3600']));
  await until('Running', () => client.pod('default', 'p3')?.status?.phase === 'Running');
  const node = await until('port reported', () => {
    const n = client.nodes.get('node-a');
    return (n?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250) !== 10250 && n;
  });
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const get = (p: string): Promise<{ code: number; body: string }> =>
    new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  t.deepEqual(await get('/healthz'), { code: 200, body: 'ok' });
  const pods = await get('/pods');
  t.is(pods.code, 200);
  t.deepEqual((JSON.parse(pods.body) as { items: Pod[] }).items.map((p) => p.metadata?.name), ['p3']);
  t.is((await get('/nope')).code, 404);
  const stats = await get('/stats/summary');
  t.is(stats.code, 200);
  const summary = JSON.parse(stats.body) as { node: { nodeName: string; memory?: { availableBytes?: number }; fs?: { capacityBytes?: number } }; pods: { podRef: { name: string }; containers: { name: string }[] }[] };
  t.is(summary.node.nodeName, 'node-a');
  t.true((summary.node.memory?.availableBytes ?? 0) > 0);
  t.true((summary.node.fs?.capacityBytes ?? 0) > 0);
  t.deepEqual(summary.pods.map((p) => `${p.podRef.name}/${p.containers.map((c) => c.name).join(',')}`), ['p3/main']);
});

test.serial('a static pod runs from its manifest, gets a mirror pod with its status, and goes when the file goes', async (t) => {
  const manifests = mkdtempSync(path.join(os.tmpdir(), 'kubets-manifests-'));
  t.teardown(() => rmSync(manifests, { recursive: true, force: true }));
  writeFileSync(path.join(manifests, 'web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: main\n    image: busybox:1.35\n    command: [sleep, "3600"]\n');
  const { client, runtime, kubelet } = setup(t, { podManifestPath: manifests });
  await kubelet.registered;
  const mirror = await until('mirror Running', () => client.pod('default', 'web-node-a')?.status?.phase === 'Running' && client.pod('default', 'web-node-a'));
  const hash = mirror.metadata?.annotations?.['kubernetes.io/config.mirror'];
  t.regex(hash ?? '', /^[0-9a-f]{32}$/);
  t.is(mirror.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
  t.is(mirror.metadata?.ownerReferences?.[0]?.kind, 'Node');
  t.is(runtime.containers.size, 1);
  // A deleted mirror pod is recreated; the static pod keeps running.
  const firstUID = mirror.metadata?.uid;
  await client.deletePod('default', 'web-node-a', { gracePeriodSeconds: 0, uid: firstUID ?? '' });
  const again = await until('mirror recreated', () => client.pod('default', 'web-node-a')?.metadata?.uid !== firstUID && client.pod('default', 'web-node-a'));
  t.is(again.metadata?.annotations?.['kubernetes.io/config.mirror'], hash);
  t.is([...runtime.containers.values()].filter((c) => c.state === 1).length, 1);
  // Removing the manifest stops the pod and deletes the mirror.
  rmSync(path.join(manifests, 'web.yaml'));
  await until('mirror deleted', () => !client.pod('default', 'web-node-a'));
  await until('containers removed', () => runtime.containers.size === 0);
  t.pass();
});

test.serial('activeDeadlineSeconds: a pod past its deadline is Failed with DeadlineExceeded and its containers stopped', async (t) => {
  const { client, runtime, kubelet } = setup(t);
  await kubelet.registered;
  const p = busybox('deadline', ['sleep', '3600']);
  p.spec!.activeDeadlineSeconds = 1;
  client.addPod(p);
  // The deadline counts from status.startTime, so on a loaded machine the pod may pass it before its
  // container runs; either way it must end Failed with the deadline reason.
  const failed = await until('Failed', () => client.pod('default', 'deadline')?.status?.phase === 'Failed' && client.pod('default', 'deadline'), 10_000);
  t.is(failed.status?.reason, 'DeadlineExceeded');
  t.is(failed.status?.message, 'Pod was active on the node longer than the specified deadline');
  await until('container stopped', () => [...runtime.containers.values()].every((c) => c.state !== 1));
});

test.serial('hard eviction: below memory.available the BestEffort pod is Failed with reason Evicted and the node reports MemoryPressure', async (t) => {
  // A threshold above the machine's memory is always met.
  const { client, kubelet } = setup(t, { evictionHard: 'memory.available<1000Ti', evictionMonitoringPeriodMs: 100 });
  await kubelet.registered;
  client.addPod(busybox('besteffort', ['sleep', '3600']));
  const evicted = await until('Evicted', () => client.pod('default', 'besteffort')?.status?.reason === 'Evicted' && client.pod('default', 'besteffort'), 10_000);
  t.is(evicted.status?.phase, 'Failed');
  t.regex(evicted.status?.message ?? '', /^The node was low on resource: memory\. Threshold quantity: 1000Ti, available: /);
  t.like(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget'), { status: 'True', reason: 'TerminationByKubelet' });
  await until('MemoryPressure', () => client.nodes.get('node-a')?.status?.conditions?.some((c) => c.type === 'MemoryPressure' && c.status === 'True'), 5_000);
});
