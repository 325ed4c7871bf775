/**
 * The kubelet against a REAL containerd (tools/runtime in a temp dir) and a REAL apiserver
 * (startApiServer, SQLite): the node registers and becomes Ready with a Lease; a busybox pod
 * bound to the node reaches Running with a pod IP in 198.18.0.0/16; a pod exiting 3 with
 * restartPolicy Never reaches Failed with exitCode 3; deleting a pod stops and removes its
 * containers and the pod object disappears. Skips (with the reason) without the Debian packages,
 * root, or the apiserver.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lease, Node, Pod } from '#generated/k8s/index.ts';
import { isNotFound, loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { connectCri, type CriClients } from '#impl/cri/index.ts';
import { runtimeDown, runtimeUp, type RuntimeInfo } from '../../tools/runtime/index.ts';
import { startKubelet, type KubeletHandle, type KubeletLogger } from './index.ts';
import { KUBERNETES_POD_UID_LABEL } from './kuberuntime/labels.ts';
import { mountPointsUnder } from './volumemanager/volume-manager.ts';
import { destroyPodCgroup } from './cm/pod-container-manager.ts';
import { podCgroupParent } from './kuberuntime/sandbox.ts';

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

const createdUIDs = new Set<string>();
const podsClient = (): ReturnType<RestClient['resource']> => rest.resource('', 'v1', 'pods').namespace('default');
/** pods is the default-namespace pod client; it remembers the UIDs it creates for cleanup. */
const pods = (): ReturnType<RestClient['resource']> => {
  const c = podsClient();
  const create = c.create.bind(c);
  c.create = (async (obj: Parameters<typeof create>[0], o?: Parameters<typeof create>[1]) => {
    const made = await create(obj, o);
    if (made.metadata?.uid) createdUIDs.add(made.metadata.uid);
    return made;
  }) as typeof c.create;
  return c;
};

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
    containerGCPeriodMs: 1000,
    port: 0,
    logger: logger(),
  });
});

test.after.always(async () => {
  if (skipReason) return;
  // Let the kubelet finish every pod (stop, remove, pod cgroups) before the runtime goes down.
  const uids = new Set<string>(createdUIDs);
  if (rest) {
    for (const p of (await pods().list().catch(() => ({ items: [] as Pod[] }))).items as Pod[]) if (p.metadata?.uid) uids.add(p.metadata.uid);
  }
  if (kubelet && rest) {
    await pods().deleteCollection({ gracePeriodSeconds: 1 }).catch(() => {});
    await until('all pods gone', async () => (await pods().list()).items.length === 0, 30_000).catch(() => {});
  }
  await kubelet?.stop().catch(() => {});
  cri?.close();
  rest?.close();
  await runtimeDown({ dataDir: path.join(tmp, 'rt') }).catch(() => {});
  // Pods the kubelet could not finish were removed by runtimeDown: drop their (empty) pod cgroups too.
  for (const uid of uids) {
    for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as const) await destroyPodCgroup(podCgroupParent({ metadata: { uid } }, '/', qos));
  }
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
  const reasons = await until('events', async () => {
    const list = await rest.resource('', 'v1', 'events').namespace('default').list();
    const mine = list.items.filter((e) => e.involvedObject?.name === 'hello' && e.source?.component === 'kubelet').map((e) => String(e.reason));
    return ['Pulling', 'Pulled', 'Created', 'Started'].every((r) => mine.includes(r)) ? mine : undefined;
  }, 15_000);
  t.true(reasons.includes('Started'));
});

it('the kubelet server serves container logs to a client with a cluster certificate, and 401 without', async (t) => {
  const node = (await rest.resource('', 'v1', 'nodes').get(NODE)) as Node;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  t.truthy(port);
  const cfg = loadKubeconfig({ path: srv!.kubeconfigPath });
  const get = (p: string, withCert: boolean): Promise<{ code: number; body: string }> =>
    new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false, ...(withCert ? { cert: cfg.cert, key: cfg.key } : {}) }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  t.is((await get('/healthz', false)).body, 'ok');
  t.is((await get('/containerLogs/default/hello/main', false)).code, 401);
  const logs = await get('/containerLogs/default/hello/main', true);
  t.is(logs.code, 200);
  t.is(logs.body, 'hello\n');
  const ts = await get('/containerLogs/default/hello/main?timestamps=true', true);
  t.regex(ts.body, /^\d{4}-\d\d-\d\dT\S+Z hello\n$/);
  t.is((await get('/containerLogs/default/hello/nope', true)).code, 404);
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

async function podWhere(name: string, what: string, pred: (p: Pod) => boolean, ms = 60_000): Promise<Pod> {
  return until(`${name}: ${what}`, async () => {
    const p = (await pods().get(name)) as Pod;
    return pred(p) ? p : undefined;
  }, ms);
}

async function execIn(pod: Pod, container: string, cmd: string[]): Promise<string> {
  const id = (pod.status?.containerStatuses?.find((c) => c.name === container)?.containerID ?? '').replace('containerd://', '');
  const r = await cri.runtime.execSync({ containerId: id, cmd, timeout: '10' });
  return Buffer.from(r.stdout).toString('utf8') + Buffer.from(r.stderr).toString('utf8');
}

it('termination messages: from the file, and from the log with FallbackToLogsOnError', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'msg' },
    spec: {
      nodeName: NODE,
      restartPolicy: 'Never',
      containers: [
        { name: 'file', image: 'busybox', command: ['sh', '-c', 'printf bye > /dev/termination-log; exit 1'] },
        { name: 'logs', image: 'busybox', command: ['sh', '-c', 'echo from-the-log; exit 2'], terminationMessagePolicy: 'FallbackToLogsOnError' },
      ],
    },
  });
  const p = await podWhere('msg', 'Failed', (x) => x.status?.phase === 'Failed');
  const byName = Object.fromEntries((p.status?.containerStatuses ?? []).map((c) => [c.name, c.state?.terminated]));
  t.is(byName.file?.message, 'bye');
  t.is(byName.file?.exitCode, 1);
  t.is(byName.logs?.message, 'from-the-log\n');
  t.is(byName.logs?.exitCode, 2);
});

it('init container, emptyDir, configMap/secret volumes and env from ConfigMap, Secret and the downward API', async (t) => {
  await rest.resource('', 'v1', 'configmaps').namespace('default').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { color: 'blue', 'file.txt': 'from-configmap' } });
  await rest.resource('', 'v1', 'secrets').namespace('default').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { password: Buffer.from('s3cret').toString('base64') } });
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'full', labels: { app: 'full' } },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      volumes: [
        { name: 'work', emptyDir: {} },
        { name: 'cm', configMap: { name: 'cfg' } },
        { name: 'sec', secret: { secretName: 'sec' } },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
      ],
      initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'echo initialized > /work/ready'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      containers: [{
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', 'sleep 3600'],
        workingDir: '/work',
        env: [
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'color' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
          { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'MY_APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'GREETING', value: 'hello $(MY_POD)' },
        ],
        volumeMounts: [
          { name: 'work', mountPath: '/work' },
          { name: 'cm', mountPath: '/etc/cfg', readOnly: true },
          { name: 'sec', mountPath: '/etc/sec', readOnly: true },
          { name: 'mem', mountPath: '/mem' },
          { name: 'podinfo', mountPath: '/etc/podinfo', readOnly: true },
        ],
      }],
    },
  });
  const p = await podWhere('full', 'Running', (x) => x.status?.phase === 'Running');
  t.is(p.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  t.is(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  const env = await execIn(p, 'main', ['sh', '-c', 'echo "$COLOR|$PASSWORD|$MY_POD|$MY_IP|$MY_APP|$GREETING|$(pwd)"']);
  t.is(env.trim(), `blue|s3cret|full|${p.status?.podIP}|full|hello full|/work`);
  const files = await execIn(p, 'main', ['sh', '-c', 'cat /work/ready /etc/cfg/file.txt /etc/sec/password; echo; grep full /etc/hosts']);
  t.regex(files, /^initialized\nfrom-configmaps3cret\n/);
  const svcEnv = await execIn(p, 'main', ['sh', '-c', 'echo "$KUBERNETES_SERVICE_HOST|$KUBERNETES_SERVICE_PORT|$KUBERNETES_PORT"']);
  t.regex(svcEnv.trim(), /^198\.19\.\d+\.\d+\|443\|tcp:\/\/198\.19\.\d+\.\d+:443$/);
  const mem = await execIn(p, 'main', ['sh', '-c', 'grep " /mem " /proc/mounts; cat /etc/podinfo/labels; echo; cat /etc/podinfo/name']);
  t.regex(mem, /^tmpfs \/mem tmpfs .*size=16384k/);
  t.regex(mem, /app="full"\nfull$/);
  t.regex(files, new RegExp(`${p.status?.podIP?.replace(/\./g, '\\.')}\\s+full`));
});

it('restartPolicy OnFailure: a container exiting 0 makes the pod Succeeded', async (t) => {
  await pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok' }, spec: { nodeName: NODE, restartPolicy: 'OnFailure', containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 0'] }] } });
  const p = await podWhere('ok', 'Succeeded', (x) => x.status?.phase === 'Succeeded');
  t.is(p.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
  t.is(p.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

it('a sidecar (init container with restartPolicy Always) starts before the main container, is ready, is restarted when it exits, and the pod is deleted', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sidecar' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 2,
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [{
        name: 'side',
        image: 'busybox',
        restartPolicy: 'Always',
        command: ['sh', '-c', 'trap "exit 0" TERM; echo up >> /work/up; while true; do sleep 1; done'],
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
    },
  });
  const p = await podWhere('sidecar', 'Running and Ready', (x) => x.status?.phase === 'Running' && x.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
  const side = p.status?.initContainerStatuses?.[0];
  t.truthy(side?.state?.running, 'sidecar running');
  t.true(side?.ready, 'sidecar ready without a readiness probe');
  t.true(side?.started, 'sidecar started');
  t.is(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  t.true(p.status?.containerStatuses?.[0]?.ready);
  const main = p.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '';
  t.true(Date.parse(main) >= Date.parse(side?.state?.running?.startedAt ?? ''), 'main started after the sidecar');
  // The sidecar exits: it is restarted while the main container keeps running.
  const sideId = (side?.containerID ?? '').replace('containerd://', '');
  await cri.runtime.execSync({ containerId: sideId, cmd: ['kill', '1'], timeout: '10' });
  const restarted = await podWhere('sidecar', 'sidecar restarted', (x) => (x.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!x.status?.initContainerStatuses?.[0]?.state?.running);
  t.is(restarted.status?.phase, 'Running');
  t.is(restarted.status?.containerStatuses?.[0]?.restartCount, 0);
  t.is(restarted.status?.containerStatuses?.[0]?.containerID, p.status?.containerStatuses?.[0]?.containerID);
  await pods().delete('sidecar');
  await until('sidecar pod gone', async () => {
    try {
      await pods().get('sidecar');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
});

it('restartPolicy Never with a sidecar: the main container exits 0, the sidecar is stopped, the pod is Succeeded', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sidecar-job' },
    spec: {
      nodeName: NODE,
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 2,
      initContainers: [{ name: 'side', image: 'busybox', restartPolicy: 'Always', command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] }],
      containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 1; exit 0'] }],
    },
  });
  const p = await podWhere('sidecar-job', 'Succeeded', (x) => x.status?.phase === 'Succeeded');
  t.is(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  t.truthy(p.status?.initContainerStatuses?.[0]?.state?.terminated, 'sidecar stopped');
  t.is(p.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  await pods().delete('sidecar-job');
});

it('a crashing container is restarted with CrashLoopBackOff and a rising restartCount', async (t) => {
  await pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'crash' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'exit 2'] }] } });
  const p = await podWhere('crash', 'CrashLoopBackOff', (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
  const cs = p.status?.containerStatuses?.[0];
  t.true((cs?.restartCount ?? 0) >= 1);
  t.is(cs?.lastState?.terminated?.exitCode, 2);
  t.regex(cs?.state?.waiting?.message ?? '', /^back-off \d+s restarting failed container=main pod=crash_default\(/);
  t.is(p.status?.phase, 'Running');
  // Container GC keeps one dead instance per container.
  await podWhere('crash', 'restarted twice', (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 30_000);
  await until('dead containers collected', async () => {
    const list = await cri.runtime.listContainers({ filter: { labelSelector: { [KUBERNETES_POD_UID_LABEL]: p.metadata?.uid ?? '' } } });
    return list.containers.length === 1;
  }, 15_000);
  t.pass();
});

it('a missing image gives ErrImagePull, then ImagePullBackOff with a message', async (t) => {
  await pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'noimage' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'kubets-does-not-exist:1.0' }] } });
  const reasons = new Set<string>();
  const p = await podWhere('noimage', 'ImagePullBackOff', (x) => {
    const w = x.status?.containerStatuses?.[0]?.state?.waiting;
    if (w?.reason) reasons.add(w.reason);
    return w?.reason === 'ImagePullBackOff';
  });
  t.is(p.status?.phase, 'Pending');
  t.is(p.status?.containerStatuses?.[0]?.state?.waiting?.message, 'Back-off pulling image "kubets-does-not-exist:1.0"');
  t.true(reasons.has('ErrImagePull') || reasons.has('ImagePullBackOff'));
});

it('a pod whose nodeSelector does not match the node is rejected: Failed with reason NodeAffinity', async (t) => {
  await pods().create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'reject' }, spec: { nodeName: NODE, nodeSelector: { 'kubets.io/test': 'other' }, containers: [{ name: 'main', image: 'busybox' }] } });
  const p = await podWhere('reject', 'Failed', (x) => x.status?.phase === 'Failed');
  t.is(p.status?.reason, 'NodeAffinity');
  t.regex(p.status?.message ?? '', /^Pod was rejected: Predicate NodeAffinity failed/);
});

it('probes: httpGet readiness makes the pod Ready; a failing exec liveness probe restarts the container', async (t) => {
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'probed' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: 'busybox',
          command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 1 },
        },
        {
          name: 'live',
          image: 'busybox',
          command: ['sh', '-c', 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 600'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
        },
        {
          name: 'unready',
          image: 'busybox',
          command: ['sleep', '600'],
          readinessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 },
        },
      ],
    },
  });
  const p = await podWhere('probed', 'web ready and live restarted', (x) => {
    const cs = Object.fromEntries((x.status?.containerStatuses ?? []).map((c) => [c.name, c]));
    return cs.web?.ready === true && (cs.live?.restartCount ?? 0) >= 1;
  }, 60_000);
  const cs = Object.fromEntries((p.status?.containerStatuses ?? []).map((c) => [c.name, c]));
  t.is(cs.unready?.ready, false);
  t.is(cs.unready?.started, true);
  t.is(p.status?.phase, 'Running');
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  t.is(ready?.status, 'False');
  t.regex(ready?.message ?? '', /unready/);
  const events = await rest.resource('', 'v1', 'events').namespace('default').list();
  const unhealthy = events.items.filter((e) => e.involvedObject?.name === 'probed' && e.reason === 'Unhealthy').map((e) => String(e.message));
  t.true(unhealthy.some((m) => m.startsWith('Liveness probe failed: cat')), unhealthy.join('\n'));
  t.true(unhealthy.some((m) => m.startsWith('Readiness probe failed: dial tcp')), unhealthy.join('\n'));
  await pods().delete('probed', { gracePeriodSeconds: 1 });
});

it('lifecycle hooks: postStart runs after start, preStop runs before the stop; SIGKILL after the grace period', async (t) => {
  const hooks = path.join(tmp, 'hooks');
  mkdirSync(hooks, { recursive: true });
  await pods().create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hooked' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 3,
      volumes: [{ name: 'hooks', hostPath: { path: hooks } }],
      containers: [{
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"],
        volumeMounts: [{ name: 'hooks', mountPath: '/hooks' }],
        lifecycle: {
          postStart: { exec: { command: ['sh', '-c', 'echo started > /hooks/poststart'] } },
          preStop: { exec: { command: ['sh', '-c', 'echo stopping > /hooks/prestop'] } },
        },
      }],
    },
  });
  await podWhere('hooked', 'Running', (x) => x.status?.phase === 'Running');
  t.is(readFileSync(path.join(hooks, 'poststart'), 'utf8'), 'started\n');
  t.false(existsSync(path.join(hooks, 'prestop')));
  const started = Date.now();
  await pods().delete('hooked');
  await until('hooked gone', async () => {
    try {
      await pods().get('hooked');
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });
  t.is(readFileSync(path.join(hooks, 'prestop'), 'utf8'), 'stopping\n');
  // The container ignores SIGTERM: it only goes away with SIGKILL after the (remaining) grace period.
  t.true(Date.now() - started >= 2000, `deleted after ${Date.now() - started} ms`);
});

it('a kubelet restart adopts running pods: same container ID, restartCount unchanged', async (t) => {
  const before = (await pods().get('hello')) as Pod;
  const id = before.status?.containerStatuses?.[0]?.containerID;
  await kubelet!.stop();
  kubelet = startKubelet({
    kubeconfig: srv!.kubeconfigPath,
    containerRuntimeEndpoint: info.endpoint,
    rootDir: path.join(tmp, 'kubelet'),
    hostnameOverride: NODE,
    podWorkerBackOffMs: 1000,
    port: 0,
    logger: logger(),
  });
  await kubelet.registered;
  await sleep(3000);
  const after = (await pods().get('hello')) as Pod;
  t.is(after.status?.phase, 'Running');
  t.is(after.status?.containerStatuses?.[0]?.containerID, id);
  t.is(after.status?.containerStatuses?.[0]?.restartCount, 0);
  const failed = (await pods().get('fail')) as Pod;
  t.is(failed.status?.phase, 'Failed');
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
  t.false(existsSync(`/sys/fs/cgroup/memory/kubepods/besteffort/pod${uid}`), 'pod cgroup removed');
  t.false(existsSync(path.join(tmp, 'kubelet', 'pods', uid)), 'pod dir removed');
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

it('kubets kubelet (the CLI) with --config registers its node with labels and taints, holds a Lease, runs a static pod with a mirror pod, stops on SIGTERM', async (t) => {
  // One runtime, one kubelet: let the first one finish every pod, then stop it, so the CLI
  // kubelet does not see them as orphans.
  await pods().deleteCollection({ gracePeriodSeconds: 1 });
  await until('all pods gone', async () => (await pods().list()).items.length === 0, 30_000);
  t.deepEqual(mountPointsUnder(path.join(tmp, 'kubelet')), [], 'no volume left mounted');
  await kubelet!.stop();
  kubelet = undefined;
  const configFile = path.join(tmp, 'kubelet-config.yaml');
  const manifests = path.join(tmp, 'manifests');
  mkdirSync(manifests, { recursive: true });
  writeFileSync(path.join(manifests, 'static-web.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: main\n    image: busybox\n    command: [sleep, "3600"]\n');
  writeFileSync(configFile, `apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nport: 0\nnodeStatusUpdateFrequency: 1s\nmaxPods: 42\nstaticPodPath: ${manifests}\nfileCheckFrequency: 1s\n`);
  const child = spawn(process.execPath, [
    path.join(import.meta.dirname, '../../bin/kubets.js'),
    'kubelet',
    '--kubeconfig', srv!.kubeconfigPath,
    '--container-runtime-endpoint', info.endpoint,
    '--root-dir', path.join(tmp, 'kubelet-cli'),
    '--hostname-override', 'kubets-it-cli',
    '--node-labels', 'role=cli',
    '--register-with-taints', 'dedicated=cli:NoSchedule',
    '--config', configFile,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const node = await until('CLI node Ready', async () => {
      const n = (await rest.resource('', 'v1', 'nodes').get('kubets-it-cli')) as Node;
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    }, 30_000);
    t.is(node.metadata?.labels?.role, 'cli');
    t.is(node.status?.capacity?.pods, '42');
    t.not(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
    t.deepEqual(node.spec?.taints, [{ key: 'dedicated', value: 'cli', effect: 'NoSchedule' }]);
    await until('lease', async () => (await rest.resource('coordination.k8s.io', 'v1', 'leases').namespace('kube-node-lease').get('kubets-it-cli')) as Lease);
    // The static pod runs and its mirror pod in the API shows it Running.
    const mirror = await podWhere('static-web-kubets-it-cli', 'mirror Running', (x) => x.status?.phase === 'Running', 30_000);
    t.is(mirror.metadata?.annotations?.['kubernetes.io/config.source'], 'file');
    t.regex(mirror.metadata?.annotations?.['kubernetes.io/config.mirror'] ?? '', /^[0-9a-f]{32}$/);
    t.regex(mirror.status?.podIP ?? '', /^198\.18\./);
    // Removing the manifest stops the pod and removes the mirror.
    rmSync(path.join(manifests, 'static-web.yaml'));
    await until('mirror gone', async () => {
      try {
        await pods().get('static-web-kubets-it-cli');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    }, 30_000);
  } finally {
    child.kill('SIGTERM');
  }
  t.is(await exited, 0, stderr.slice(-2000));
  t.regex(stderr, /kubelet ready/);
});
