/**
 * Issue #6 acceptance on real components: a REAL apiserver (startApiServer, SQLite, ServiceAccount
 * admission on, so pods get the `kube-api-access-*` projected volume), the kubets kubelet on a REAL
 * containerd (tools/runtime) and the real kubectl (`kubectl apply -f`, exec, logs -f,
 * port-forward, cp). Covers: point 1 (the full pod: init container, two containers, env from
 * ConfigMap/Secret/downward API, configMap + secret + emptyDir + projected volumes with modes, an
 * httpGet readiness and an exec liveness probe), volume updates, the service-account token,
 * PVCs bound to a hostPath PV, activeDeadlineSeconds, /stats/summary through nodes/proxy, point 6
 * (missing ConfigMap, invalid probe) and point 5 (the Lease renews, and goes stale once the kubelet stops). Skips with the reason
 * without the Debian packages, kubectl, or root.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Event, Lease, Node, Pod } from '#generated/k8s/index.ts';
import { loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { hostsToml, runtimeDown, runtimePaths, runtimeUp, startRegistry, stopRegistry, type RuntimeInfo } from '../../tools/runtime/index.ts';
import { startKubelet, type KubeletHandle } from './index.ts';
import { runKubectl, until, type KubectlRun } from '#impl/apiserver/testing/integration.ts';

const missing = ['containerd', 'runc', 'docker-registry', 'skopeo', 'busybox', 'kubectl'].filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (process.getuid?.() !== 0) missing.push('root');
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables; kubectl)` : '';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`kubelet acceptance integration skipped: ${skipReason}`, (t) => t.pass());

const NODE = 'kubets-acc-node';
const tmp = skipReason ? '' : mkdtempSync('/tmp/kubets-acc-');
type ApiServer = { kubeconfigPath: string; ready: Promise<void>; stop(): Promise<void> };
let srv: ApiServer | undefined;
let kubelet: KubeletHandle | undefined;
let rest: RestClient;
let runtimeInfo: RuntimeInfo;
const children: ChildProcess[] = [];


/** kubectl runs the real kubectl asynchronously (the apiserver lives in this process). */
const kubectl = (...args: string[]): Promise<KubectlRun> => runKubectl(srv!.kubeconfigPath, args);

const core = (resource: string, ns = 'default'): ReturnType<RestClient['resource']> => rest.resource('', 'v1', resource).namespace(ns);
const getPod = async (name: string): Promise<Pod> => (await core('pods').get(name)) as Pod;

async function events(name: string): Promise<Event[]> {
  return ((await core('events').list()).items as Event[]).filter((e) => e.involvedObject?.name === name);
}

const ACCEPTANCE_POD = `
apiVersion: v1
kind: ConfigMap
metadata: {name: acc-config}
data: {greeting: hello-from-configmap, mode: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: acc-secret}
stringData: {password: s3cr3t}
---
apiVersion: v1
kind: Pod
metadata:
  name: acc
  labels: {app: acc}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  securityContext: {fsGroup: 2000}
  initContainers:
  - name: init
    image: busybox
    command: [sh, -c, 'echo initialized > /work/init.txt; echo "<h1>acc</h1>" > /work/index.html']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: web
    image: busybox
    command: [sh, -c, 'touch /tmp/healthy; exec httpd -f -p 8080 -h /work']
    ports: [{containerPort: 8080}]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: acc-config, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: acc-secret, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    envFrom: [{prefix: CM_, configMapRef: {name: acc-config}}]
    readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
    livenessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 2}
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: config, mountPath: /etc/config}
    - {name: secret, mountPath: /etc/secret}
    - {name: info, mountPath: /etc/info}
  - name: logger
    image: busybox
    command: [sh, -c, 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 1; done']
  volumes:
  - {name: work, emptyDir: {}}
  - {name: config, configMap: {name: acc-config, items: [{key: greeting, path: greeting.txt, mode: 0600}]}}
  - {name: secret, secret: {secretName: acc-secret, defaultMode: 0400}}
  - name: info
    projected:
      sources:
      - configMap: {name: acc-config, items: [{key: mode, path: mode}]}
      - secret: {name: acc-secret}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
`;

test.before(async () => {
  if (skipReason) return;
  const info = await runtimeUp({ dataDir: path.join(tmp, 'rt') });
  runtimeInfo = info;
  const { startApiServer } = (await import('../apiserver/server.ts')) as unknown as { startApiServer(o: object): Promise<ApiServer> };
  srv = await startApiServer({ dataDir: path.join(tmp, 'api'), securePort: 0, log: () => {}, admission: { enable: ['ServiceAccount'] } });
  await srv.ready;
  rest = new RestClient(loadKubeconfig({ path: srv.kubeconfigPath }));
  // What the serviceaccount and root-ca-cert-publisher controllers would create.
  await core('serviceaccounts').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }).catch(() => {});
  const ca = loadKubeconfig({ path: srv.kubeconfigPath }).ca;
  await core('configmaps').create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': String(ca ?? 'ca') } });
  kubelet = startKubelet({
    kubeconfig: srv.kubeconfigPath,
    containerRuntimeEndpoint: info.endpoint,
    rootDir: path.join(tmp, 'kubelet'),
    hostnameOverride: NODE,
    port: 0,
    leaseRenewIntervalMs: 1000,
    volumeRefreshPeriodMs: 2000,
    podWorkerBackOffMs: 1000,
  });
  await kubelet.registered;
  await until('node Ready', async () => ((await rest.resource('', 'v1', 'nodes').get(NODE)) as Node).status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
});

test.after.always(async () => {
  if (skipReason) return;
  for (const c of children) if (c.exitCode === null) c.kill();
  if (rest && kubelet) {
    await core('pods').deleteCollection({ gracePeriodSeconds: 1 }).catch(() => {});
    await until('pods gone', async () => (await core('pods').list()).items.length === 0, 30_000).catch(() => {});
  }
  await kubelet?.stop().catch(() => {});
  rest?.close();
  await runtimeDown({ dataDir: path.join(tmp, 'rt') }).catch(() => {});
  await srv?.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

it('point 1: kubectl apply -f of the full pod -> Running and Ready, with the service-account volume admission added', async (t) => {
  const file = path.join(tmp, 'acc.yaml');
  writeFileSync(file, ACCEPTANCE_POD);
  const r = await kubectl('apply', '-f', file);
  t.is(r.code, 0, r.err);
  const pod = await until('acc Ready', async () => {
    const p = await getPod('acc');
    return p.status?.phase === 'Running' && p.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
  }, 120_000);
  t.true((pod.spec?.volumes ?? []).some((v) => v.name.startsWith('kube-api-access-')), 'ServiceAccount admission added kube-api-access');
  t.is(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  t.deepEqual(pod.status?.containerStatuses?.map((c) => `${c.name}:${c.ready}`).sort(), ['logger:true', 'web:true']);
});

it('point 1: kubectl exec reads env and the mounted files with their modes; the service-account token is a JWT', async (t) => {
  const env = await kubectl('exec', 'acc', '-c', 'web', '--', 'env');
  t.is(env.code, 0, env.err);
  for (const line of ['GREETING=hello-from-configmap', 'PASSWORD=s3cr3t', 'POD_NAME=acc', 'CM_mode=blue', 'CM_greeting=hello-from-configmap']) t.true(env.out.includes(line), `${line} in\n${env.out}`);
  t.regex(env.out, /POD_IP=198\.18\./);
  const files = await kubectl('exec', 'acc', '-c', 'web', '--', 'sh', '-c',
    'cat /work/init.txt /etc/config/greeting.txt; echo; cat /etc/secret/password; echo; cat /etc/info/mode; echo; cat /etc/info/labels; echo; ' +
    'stat -L -c "%a %g %n" /etc/config/greeting.txt /etc/secret/password /work; ls -a /etc/config | tr "\\n" " "');
  t.is(files.code, 0, files.err);
  const lines = files.out.split('\n');
  t.deepEqual(lines.slice(0, 5), ['initialized', 'hello-from-configmap', 's3cr3t', 'blue', 'app="acc"']);
  // fsGroup 2000: group read added, group owner set; emptyDir is 0777 with setgid.
  t.is(lines[5], '640 2000 /etc/config/greeting.txt');
  t.is(lines[6], '440 2000 /etc/secret/password');
  t.is(lines[7], '2777 2000 /work');
  t.regex(lines[8] ?? '', /\.\.data/);
  const sa = await kubectl('exec', 'acc', '-c', 'web', '--', 'sh', '-c', 'cd /var/run/secrets/kubernetes.io/serviceaccount && cat namespace && echo && head -c 20 ca.crt && echo && cat token');
  t.is(sa.code, 0, sa.err);
  const [ns, ca, token] = sa.out.split('\n');
  t.is(ns, 'default');
  t.truthy(ca);
  t.regex(token ?? '', /^ey[\w-]+\.ey[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from((token ?? '').split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: string; 'kubernetes.io'?: { pod?: { name?: string } } };
  t.is(claims.sub, 'system:serviceaccount:default:default');
  t.is(claims['kubernetes.io']?.pod?.name, 'acc');
});

it('point 1: kubectl logs -f streams the logger container', async (t) => {
  const child = spawn('kubectl', ['--kubeconfig', srv!.kubeconfigPath, 'logs', '-f', 'acc', '-c', 'logger'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  const first = await until('a tick', async () => /tick-(\d+)/.exec(out)?.[1], 20_000);
  await until('a later tick', async () => out.includes(`tick-${Number(first) + 2}\n`), 20_000);
  t.is(child.exitCode, null, 'follow keeps the stream open');
  child.kill();
});

it('point 1: kubectl port-forward reaches the busybox httpd; kubectl cp round-trips a file', async (t) => {
  const child = spawn('kubectl', ['--kubeconfig', srv!.kubeconfigPath, 'port-forward', 'pod/acc', ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const port = await until('forwarding', async () => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000);
  const body = await new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/index.html`, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  child.kill();
  t.is(body, '<h1>acc</h1>\n', out);
  const local = path.join(tmp, 'cp-in.txt');
  writeFileSync(local, 'round trip\n');
  const up = await kubectl('cp', local, 'default/acc:/work/cp.txt', '-c', 'web');
  t.is(up.code, 0, up.err);
  const back = path.join(tmp, 'cp-out.txt');
  const down = await kubectl('cp', 'default/acc:/work/cp.txt', back, '-c', 'web');
  t.is(down.code, 0, down.err);
  t.is(readFileSync(back, 'utf8'), 'round trip\n');
});

it('a ConfigMap update reaches the mounted volume of the running pod', async (t) => {
  await core('configmaps').patch('acc-config', { data: { greeting: 'updated-greeting' } }, { patchType: 'merge' } as never);
  const seen = await until('updated file', async () => {
    const r = await kubectl('exec', 'acc', '-c', 'web', '--', 'cat', '/etc/config/greeting.txt');
    return r.out === 'updated-greeting' ? r.out : undefined;
  }, 60_000);
  t.is(seen, 'updated-greeting');
});

it('/stats/summary through nodes/proxy lists the node and the pod with its containers', async (t) => {
  const r = await until('stats with pod', async () => {
    const x = await kubectl('get', '--raw', `/api/v1/nodes/${NODE}/proxy/stats/summary`);
    return x.code === 0 && x.out.includes('"acc"') ? x : undefined;
  }, 20_000);
  const s = JSON.parse(r.out) as { node: { nodeName: string; memory: { availableBytes: number }; fs: { capacityBytes: number }; runtime: { imageFs?: { usedBytes?: number; capacityBytes?: number } } }; pods: { podRef: { name: string }; containers: { name: string; memory?: { workingSetBytes?: number } }[] }[] };
  t.is(s.node.nodeName, NODE);
  t.true(s.node.memory.availableBytes > 0);
  t.true(s.node.fs.capacityBytes > 0);
  // containerd computes image usage in the background: 0 right after start is possible.
  t.is(typeof s.node.runtime.imageFs?.usedBytes, 'number');
  t.true((s.node.runtime.imageFs?.capacityBytes ?? 0) > 0);
  const pod = s.pods.find((p) => p.podRef.name === 'acc');
  t.deepEqual(pod?.containers.map((c) => c.name).sort(), ['logger', 'web']);
  t.true((pod?.containers[0]?.memory?.workingSetBytes ?? 0) > 0);
});

it('a PVC bound to a hostPath PV is mounted; an unbound claim is reported in a FailedMount event', async (t) => {
  const hostDir = path.join(tmp, 'pv-data');
  mkdirSync(hostDir, { recursive: true });
  await rest.resource('', 'v1', 'persistentvolumes').create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'acc-pv' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: hostDir }, claimRef: { namespace: 'default', name: 'acc-claim' } } });
  const claim = await core('persistentvolumeclaims').create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'acc-claim' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'acc-pv', storageClassName: '' } });
  await core('persistentvolumeclaims').create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'pending-claim' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'nope' } });
  // No PV controller runs here: bind the claim as it would.
  await core('persistentvolumeclaims').update({ ...claim, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } }, { subresource: 'status' });
  const pvcPod = (name: string, claimName: string): Pod => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, restartPolicy: 'Never', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo from-pod > /data/out.txt'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }] },
  });
  await core('pods').create(pvcPod('pvc-pod', 'acc-claim'));
  await core('pods').create(pvcPod('pvc-pending', 'pending-claim'));
  await until('pvc-pod Succeeded', async () => (await getPod('pvc-pod')).status?.phase === 'Succeeded');
  t.is(readFileSync(path.join(hostDir, 'out.txt'), 'utf8'), 'from-pod\n');
  const ev = await until('FailedMount', async () => (await events('pvc-pending')).find((e) => e.reason === 'FailedMount'), 30_000);
  t.regex(ev.message ?? '', /MountVolume\.SetUp failed for volume "d" : error processing PVC default\/pending-claim: PVC is not bound/);
  t.is((await getPod('pvc-pending')).status?.phase, 'Pending');
});

it('activeDeadlineSeconds: the pod is Failed with DeadlineExceeded', async (t) => {
  await core('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'deadline' }, spec: { nodeName: NODE, activeDeadlineSeconds: 3, terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] } });
  const p = await until('Failed', async () => {
    const x = await getPod('deadline');
    return x.status?.phase === 'Failed' ? x : undefined;
  }, 60_000);
  t.is(p.status?.reason, 'DeadlineExceeded');
  t.is(p.status?.message, 'Pod was active on the node longer than the specified deadline');
  await until('container stopped', async () => (await getPod('deadline')).status?.containerStatuses?.[0]?.state?.terminated !== undefined, 30_000);
  t.pass();
});

it('point 6: a missing ConfigMap gives CreateContainerConfigError; an invalid probe is reported in an event; the kubelet keeps running', async (t) => {
  await core('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad-env' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'no-such-config', key: 'k' } } }] }] } });
  await core('pods').create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad-probe' }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'], readinessProbe: { httpGet: { port: 'no-such-port', path: '/' }, periodSeconds: 1 } }] } });
  const waiting = await until('CreateContainerConfigError', async () => {
    const w = (await getPod('bad-env')).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  }, 30_000);
  t.is(waiting.message, 'configmap "no-such-config" not found');
  const ev = await until('probe errored event', async () => (await events('bad-probe')).find((e) => e.reason === 'Unhealthy'), 30_000);
  t.is(ev.type, 'Warning');
  t.is(ev.message, "Readiness probe errored and resulted in unknown state: couldn't find port: no-such-port");
  const p = await getPod('bad-probe');
  t.is(p.status?.phase, 'Running');
  t.is(p.status?.containerStatuses?.[0]?.ready, false);
  const healthz = await kubectl('get', '--raw', `/api/v1/nodes/${NODE}/proxy/healthz`);
  t.is(healthz.out.trim(), 'ok');
});

it('imagePullSecrets: a registry with basic auth refuses an anonymous pull (ErrImagePull) and serves the pod with a dockerconfigjson secret', async (t) => {
  // A second registry with htpasswd (bcrypt) auth, holding a copy of busybox.
  const dir = path.join(tmp, 'private-registry');
  mkdirSync(dir, { recursive: true });
  const hash = spawnSync('python3', ['-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', 's3cret'], { encoding: 'utf8' }).stdout.trim();
  if (!hash.startsWith('$2')) {
    t.log(`SKIPPED: no bcrypt to write an htpasswd file (${hash})`);
    t.pass();
    return;
  }
  writeFileSync(path.join(dir, 'htpasswd'), `puller:${hash}\n`);
  const reg = await startRegistry({ dir, htpasswd: path.join(dir, 'htpasswd') });
  try {
    const copy = spawnSync('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--dest-creds', 'puller:s3cret', `docker://${runtimeInfo.registry}/library/busybox:latest`, `docker://${reg.address}/private/busybox:1`], { encoding: 'utf8' });
    t.is(copy.status, 0, copy.stderr);
    const certs = runtimePaths(path.join(tmp, 'rt')).certsDir;
    mkdirSync(path.join(certs, reg.address), { recursive: true });
    writeFileSync(path.join(certs, reg.address, 'hosts.toml'), hostsToml({ server: `http://${reg.address}`, mirror: `http://${reg.address}` }));
    const image = `${reg.address}/private/busybox:1`;
    const auth = Buffer.from('puller:s3cret').toString('base64');
    await core('secrets').create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [`http://${reg.address}`]: { auth } } })).toString('base64') } });
    const podWith = (name: string, secrets: { name: string }[]): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, automountServiceAccountToken: false, imagePullSecrets: secrets, containers: [{ name: 'c', image, command: ['sleep', '3600'] }] } });
    await core('pods').create(podWith('anon-pull', []));
    await core('pods').create(podWith('auth-pull', [{ name: 'regcred' }]));
    const w = await until('ErrImagePull', async () => {
      const x = (await getPod('anon-pull')).status?.containerStatuses?.[0]?.state?.waiting;
      return x?.reason === 'ErrImagePull' || x?.reason === 'ImagePullBackOff' ? x : undefined;
    }, 60_000);
    t.truthy(w.message);
    const failed = await until('Failed pull event', async () => (await events('anon-pull')).find((e) => e.reason === 'Failed' && /Failed to pull image/.test(e.message ?? '')), 30_000);
    t.regex(failed.message ?? '', /401|[Uu]nauthorized|authoriz/);
    await until('auth-pull Running', async () => (await getPod('auth-pull')).status?.phase === 'Running', 60_000);
  } finally {
    await core('pods').delete('anon-pull', { gracePeriodSeconds: 0 }).catch(() => {});
    await core('pods').delete('auth-pull', { gracePeriodSeconds: 0 }).catch(() => {});
    await stopRegistry(dir).catch(() => {});
  }
});

it('point 5: the Lease renews while the kubelet runs and goes stale once it stops', async (t) => {
  const leases = rest.resource('coordination.k8s.io', 'v1', 'leases').namespace('kube-node-lease');
  const first = ((await leases.get(NODE)) as Lease).spec?.renewTime;
  await until('renewed', async () => ((await leases.get(NODE)) as Lease).spec?.renewTime !== first, 10_000);
  // Pods stay running when the kubelet stops (as upstream); delete them first so cleanup is quick.
  await core('pods').deleteCollection({ gracePeriodSeconds: 1 }).catch(() => {});
  await until('pods gone', async () => (await core('pods').list()).items.length === 0, 60_000);
  await kubelet!.stop();
  kubelet = undefined;
  const last = ((await leases.get(NODE)) as Lease).spec?.renewTime;
  await sleep(3000);
  const after = (await leases.get(NODE)) as Lease;
  t.is(after.spec?.renewTime, last, 'no renewal after the kubelet stopped');
  t.true(Date.parse(String(after.spec?.renewTime)) < Date.now() - 2000);
  t.true(existsSync(tmp));
});
