/**
 * The kubelet against a REAL containerd (tools/runtime in a temp dir) and a REAL apiserver
 * (startApiServer, SQLite): the node registers and becomes Ready with a Lease; a busybox pod
 * bound to the node reaches Running with a pod IP in 198.18.0.0/16; a pod exiting 3 with
 * restartPolicy Never reaches Failed with exitCode 3; deleting a pod stops and removes its
 * containers and the pod object disappears. Skips (with the reason) without the Debian packages,
 * root, or the apiserver.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease, Node, Pod } from '#generated/k8s/index.ts';
import { isNotFound, loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { connectCri, type CriClients } from '#impl/cri/index.ts';
import { runtimeDown, runtimeUp, type RuntimeInfo } from '../../tools/runtime/index.ts';
import { startKubelet, type KubeletHandle, type KubeletLogger } from './index.ts';
import { KUBERNETES_POD_UID_LABEL } from './kuberuntime/labels.ts';

interface ApiServerModule {
  startApiServer(o: { dataDir: string; securePort?: number; log?: (l: string) => void }): Promise<{ url: string; kubeconfigPath: string; ready: Promise<void>; stop(): Promise<void> }>;
}

const missing = ['containerd', 'runc', 'docker-registry', 'skopeo', 'busybox'].filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (process.getuid?.() !== 0) missing.push('root');
let apiserver: ApiServerModule | undefined;
try {
  const modPath = '../apiserver/index.ts';
  apiserver = (await import(modPath)) as ApiServerModule;
  if (typeof apiserver.startApiServer !== 'function') apiserver = undefined;
} catch {
  apiserver = undefined;
}
if (!apiserver) missing.push('impl/apiserver startApiServer');
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables)` : '';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`kubelet integration skipped: ${skipReason}`, (t) => t.pass());

const NODE = 'kubets-it-node';
const tmp = skipReason ? '' : mkdtempSync('/tmp/kubets-kl-');
let info: RuntimeInfo;
let srv: Awaited<ReturnType<ApiServerModule['startApiServer']>> | undefined;
let kubelet: KubeletHandle | undefined;
let rest: RestClient;
let cri: CriClients;
const logs: string[] = [];

function logger(): KubeletLogger {
  const rec = (level: string) => (obj: object, msg?: string) => {
    logs.push(`${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
  };
  return { debug: () => {}, info: rec('info'), warn: rec('warn'), error: rec('error') };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\nkubelet log:\n${logs.slice(-30).join('\n')}`);
}

const pods = (): ReturnType<RestClient['resource']> => rest.resource('', 'v1', 'pods').namespace('default');

test.before(async () => {
  if (skipReason || !apiserver) return;
  info = await runtimeUp({ dataDir: path.join(tmp, 'rt') });
  cri = connectCri({ endpoint: info.endpoint });
  srv = await apiserver.startApiServer({ dataDir: path.join(tmp, 'api'), securePort: 0, log: () => {} });
  await srv.ready;
  rest = new RestClient(loadKubeconfig({ path: srv.kubeconfigPath }));
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfigPath,
    containerRuntimeEndpoint: info.endpoint,
    rootDir: path.join(tmp, 'kubelet'),
    hostnameOverride: NODE,
    nodeLabels: { 'kubets.io/test': 'true' },
    podWorkerBackOffMs: 1000,
    logger: logger(),
  });
});

test.after.always(async () => {
  if (skipReason) return;
  await kubelet?.stop().catch(() => {});
  cri?.close();
  rest?.close();
  await runtimeDown({ dataDir: path.join(tmp, 'rt') }).catch(() => {});
  await srv?.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

it('the node registers, becomes Ready and holds a Lease in kube-node-lease', async (t) => {
  await kubelet!.registered;
  const node = await until('node Ready', async () => {
    const n = (await rest.resource('', 'v1', 'nodes').get(NODE)) as Node;
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
  });
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  t.is(ready?.reason, 'KubeletReady');
  t.is(ready?.message, 'kubelet is posting ready status');
  t.deepEqual(
    node.status?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}`),
    ['MemoryPressure=False:KubeletHasSufficientMemory', 'DiskPressure=False:KubeletHasNoDiskPressure', 'PIDPressure=False:KubeletHasSufficientPID', 'Ready=True:KubeletReady'],
  );
  t.is(node.metadata?.labels?.['kubernetes.io/hostname'], NODE);
  t.is(node.metadata?.labels?.['kubernetes.io/os'], 'linux');
  t.is(node.metadata?.labels?.['kubets.io/test'], 'true');
  t.is(node.status?.capacity?.pods, '110');
  t.truthy(node.status?.capacity?.cpu);
  t.regex(String(node.status?.allocatable?.memory), /^\d+Ki$/);
  t.truthy(node.status?.capacity?.['ephemeral-storage']);
  t.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: NODE }]);
  t.regex(node.status?.nodeInfo?.kubeletVersion ?? '', /^v1\.35\./);
  t.regex(node.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\/1\.6/);
  const lease = await until('lease', async () => (await rest.resource('coordination.k8s.io', 'v1', 'leases').namespace('kube-node-lease').get(NODE)) as Lease);
  t.is(lease.spec?.holderIdentity, NODE);
  t.is(lease.spec?.leaseDurationSeconds, 40);
  t.is(lease.metadata?.ownerReferences?.[0]?.kind, 'Node');
});

it('a busybox pod bound to the node reaches Running with a pod IP in 198.18.0.0/16', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hello' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo hello; sleep 3600'], env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
    },
  });
  const pod = await until('pod Running', async () => {
    const p = (await pods().get('hello')) as Pod;
    return p.status?.phase === 'Running' ? p : undefined;
  });
  t.regex(pod.status?.podIP ?? '', /^198\.18\.\d+\.\d+$/);
  t.is(pod.status?.hostIP, '127.0.0.1');
  t.is(pod.status?.qosClass, 'BestEffort');
  t.truthy(pod.status?.startTime);
  const cs = pod.status?.containerStatuses?.[0];
  t.is(cs?.name, 'main');
  t.truthy(cs?.state?.running?.startedAt);
  t.is(cs?.ready, true);
  t.is(cs?.restartCount, 0);
  t.regex(cs?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
  t.truthy(cs?.imageID);
  const conds = Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status]));
  await until('Ready condition', async () => {
    const p = (await pods().get('hello')) as Pod;
    return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  });
  t.like(conds, { PodReadyToStartContainers: 'True', Initialized: 'True', PodScheduled: 'True' });
});

it('a pod exiting 3 with restartPolicy Never reaches Failed with exitCode 3', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'fail' },
    spec: { nodeName: NODE, restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 3'] }] },
  });
  const pod = await until('pod Failed', async () => {
    const p = (await pods().get('fail')) as Pod;
    return p.status?.phase === 'Failed' ? p : undefined;
  });
  const term = pod.status?.containerStatuses?.[0]?.state?.terminated;
  t.is(term?.exitCode, 3);
  t.is(term?.reason, 'Error');
  t.truthy(term?.finishedAt);
  t.is(pod.status?.containerStatuses?.[0]?.restartCount, 0);
  t.is(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
});

it('deleting a pod stops and removes its containers and the pod object disappears', async (t) => {
  const pod = (await pods().get('hello')) as Pod;
  const uid = pod.metadata?.uid ?? '';
  const before = await cri.runtime.listContainers({ filter: { labelSelector: { [KUBERNETES_POD_UID_LABEL]: uid } } });
  t.is(before.containers.length, 1);
  await pods().delete('hello');
  await until('pod gone', async () => {
    try {
      await pods().get('hello');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
  const containers = await cri.runtime.listContainers({ filter: { labelSelector: { [KUBERNETES_POD_UID_LABEL]: uid } } });
  const sandboxes = await cri.runtime.listPodSandbox({ filter: { labelSelector: { [KUBERNETES_POD_UID_LABEL]: uid } } });
  t.is(containers.containers.length, 0);
  t.is(sandboxes.items.length, 0);
  // The Failed pod goes too, once deleted.
  await pods().delete('fail');
  await until('failed pod gone', async () => {
    try {
      await pods().get('fail');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
  t.pass();
});
