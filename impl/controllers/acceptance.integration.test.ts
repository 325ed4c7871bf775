/**
 * Issue #9 acceptance on a real single-node cluster: `kubets up` (apiserver with Node,RBAC,
 * controller-manager with per-controller service account credentials, scheduler, kubelet on
 * containerd) driven with the real kubectl. Each test is one acceptance point; pods really run.
 * Skips with a message when containerd, runc or kubectl are missing. Set
 * KUBETS_ACCEPTANCE_KEEP=1 to leave the cluster's data dir for inspection, and
 * KUBETS_ACCEPTANCE_AUTHORIZATION_MODE (e.g. AlwaysAllow) to change `--authorization-mode`.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNotFound, loadKubeconfig, RestClient, type KubeObject } from '#impl/client/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KUBETS = join(ROOT, 'bin', 'kubets.js');

let dir = '';
let kubeconfig = '';
let rest: RestClient | undefined;
let skipReason = '';

function upArgs(data: string): string[] {
  const mode = process.env.KUBETS_ACCEPTANCE_AUTHORIZATION_MODE;
  return ['--data-dir', data, '--secure-port', '0', '--kubelet-port', '0', '--kubeconfig-out', kubeconfig, '--detach', ...(mode ? ['--authorization-mode', mode] : [])];
}

function have(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}

function kubets(args: string[], timeoutMs = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [KUBETS, ...args], { cwd: ROOT, timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(new Error(`kubets ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** kubectl runs the real kubectl against the cluster and returns stdout. */
function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 180_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const api = (group: string, version: string, resource: string, ns?: string) => {
  const r = rest!.resource(group, version, resource);
  return ns ? r.namespace(ns) : r;
};

async function gone(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

const ready = (p: KubeObject): boolean => !p.metadata?.deletionTimestamp && (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');

function skip(t: ExecutionContext): boolean {
  if (!rest) {
    t.log(`skipped: ${skipReason}`);
    t.pass();
    return true;
  }
  return false;
}

test.before(async () => {
  const missing = ['containerd', 'runc', 'kubectl'].filter((b) => !have(b));
  if (missing.length) {
    skipReason = `needs ${missing.join(', ')} (bash tools/setup.sh installs them)`;
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'kubets-kcm-acceptance-'));
  kubeconfig = join(dir, 'kubeconfig');
  await kubets(['up', ...upArgs(join(dir, 'data'))]);
  rest = new RestClient(loadKubeconfig({ path: kubeconfig }));
  await waitFor('the node to be Ready', async () => (await api('', 'v1', 'nodes').list()).items.some((n) => (n.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')), 120_000);
  await waitFor('the default ServiceAccount', () => api('', 'v1', 'serviceaccounts', 'default').get('default'), 60_000);
});

test.after.always(async () => {
  rest?.close();
  if (!dir) return;
  const log = join(dir, 'data', 'logs', 'kubets.log');
  try {
    // One line per denied user and resource (object names folded), with a count.
    const denied = new Map<string, number>();
    for (const l of readFileSync(log, 'utf8').split('\n')) {
      if (!l.includes('apiserver: forbidden:')) continue;
      const k = l.replace(/"[^"]*" is forbidden/, '"…" is forbidden');
      denied.set(k, (denied.get(k) ?? 0) + 1);
    }
    if (denied.size) process.stderr.write(`acceptance: apiserver denials in ${log}:\n${[...denied].map(([l, n]) => `${n}x ${l}`).join('\n')}\n`);
  } catch {
    /* no log */
  }
  await kubets(['down', '--data-dir', join(dir, 'data')]).catch((err: unknown) => process.stderr.write(`kubets down: ${String(err)}\n`));
  if (!process.env.KUBETS_ACCEPTANCE_KEEP) rmSync(dir, { recursive: true, force: true });
});

test.serial('1: deployment create, set image within maxUnavailable, history, undo, restart, progress deadline', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a1']);
  await kubectl(['-n', 'a1', 'create', 'deployment', 'web', '--image=busybox', '--replicas=3', '--', 'sleep', '3600']);
  await kubectl(['-n', 'a1', 'rollout', 'status', 'deployment/web', '--timeout=120s']);
  const pods = api('', 'v1', 'pods', 'a1');
  t.is((await pods.list({ labelSelector: 'app=web' })).items.filter(ready).length, 3);
  // Watch the rollout: with 3 replicas and the default 25% maxUnavailable (0 pods), 3 stay Ready throughout.
  let minReady = 3;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const n = (await pods.list({ labelSelector: 'app=web' })).items.filter(ready).length;
      minReady = Math.min(minReady, n);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await kubectl(['-n', 'a1', 'set', 'image', 'deployment/web', 'busybox=docker.io/library/busybox:latest']);
  await kubectl(['-n', 'a1', 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  watching = false;
  await watcher;
  t.true(minReady >= 3, `ready pods dropped to ${minReady} during the rollout (maxUnavailable 0)`);
  const history = await kubectl(['-n', 'a1', 'rollout', 'history', 'deployment/web']);
  t.regex(history, /^1\s/m);
  t.regex(history, /^2\s/m);
  await kubectl(['-n', 'a1', 'rollout', 'undo', 'deployment/web']);
  await kubectl(['-n', 'a1', 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const d = await api('apps', 'v1', 'deployments', 'a1').get('web');
  t.is(d.spec?.template?.spec?.containers?.[0]?.image, 'busybox');
  t.is(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
  await kubectl(['-n', 'a1', 'rollout', 'restart', 'deployment/web']);
  await kubectl(['-n', 'a1', 'rollout', 'status', 'deployment/web', '--timeout=180s']);
  const restarted = await api('apps', 'v1', 'deployments', 'a1').get('web');
  t.truthy(restarted.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  t.is(restarted.metadata?.annotations?.['deployment.kubernetes.io/revision'], '4');
  // A bad image with a 10 s deadline: Progressing=False, ProgressDeadlineExceeded.
  await kubectl(['-n', 'a1', 'patch', 'deployment/web', '-p', '{"spec":{"progressDeadlineSeconds":10}}']);
  await kubectl(['-n', 'a1', 'set', 'image', 'deployment/web', 'busybox=127.0.0.1:1/no-such-image:1']);
  const cond = await waitFor(
    'Progressing=False',
    async () => ((await api('apps', 'v1', 'deployments', 'a1').get('web')).status?.conditions ?? []).find((c: { type: string; status: string }) => c.type === 'Progressing' && c.status === 'False'),
    90_000,
  );
  t.is(cond.reason, 'ProgressDeadlineExceeded');
  await t.throwsAsync(kubectl(['-n', 'a1', 'rollout', 'status', 'deployment/web', '--timeout=20s']), { message: /exceeded its progress deadline/ });
});

test.serial('2: deleting a namespace with a Deployment, Services, ConfigMaps and custom resources finishes within 30 s', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['apply', '-f', '-'], `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.acceptance.kubets.io}
spec:
  group: acceptance.kubets.io
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`);
  await waitFor('the CRD to be served', async () => (await kubectl(['api-resources', '--api-group=acceptance.kubets.io'])).includes('widgets'));
  await kubectl(['create', 'namespace', 'a2']);
  // Containers that stop on SIGTERM: the 30 s budget is the controllers', not busybox sleep ignoring TERM as PID 1.
  await kubectl(['-n', 'a2', 'create', 'deployment', 'web', '--image=busybox', '--replicas=2', '--', 'sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait']);
  await kubectl(['-n', 'a2', 'create', 'service', 'clusterip', 'web', '--tcp=80:80']);
  await kubectl(['-n', 'a2', 'create', 'service', 'clusterip', 'other', '--tcp=81:81']);
  await kubectl(['-n', 'a2', 'create', 'configmap', 'one', '--from-literal=a=b']);
  await kubectl(['-n', 'a2', 'create', 'configmap', 'two', '--from-literal=c=d']);
  await kubectl(['-n', 'a2', 'apply', '-f', '-'], 'apiVersion: acceptance.kubets.io/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 1}\n');
  await kubectl(['-n', 'a2', 'rollout', 'status', 'deployment/web', '--timeout=120s']);
  const start = Date.now();
  await kubectl(['delete', 'namespace', 'a2', '--timeout=30s']);
  const took = Date.now() - start;
  t.log(`kubectl delete ns took ${took} ms`);
  t.true(took <= 30_000);
  t.true(await gone(() => api('', 'v1', 'namespaces').get('a2')));
  for (const [g, v, r] of [['', 'v1', 'pods'], ['', 'v1', 'configmaps'], ['', 'v1', 'services'], ['apps', 'v1', 'replicasets'], ['acceptance.kubets.io', 'v1', 'widgets']] as const) {
    t.is((await api(g, v, r, 'a2').list()).items.length, 0, `${r} left in a2`);
  }
});

test.serial('3: garbage collection of Deployments: background, foreground and orphan', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a3']);
  for (const name of ['bg', 'fg', 'orphan']) await kubectl(['-n', 'a3', 'create', 'deployment', name, '--image=busybox', '--replicas=2', '--', 'sleep', '3600']);
  for (const name of ['bg', 'fg', 'orphan']) await kubectl(['-n', 'a3', 'rollout', 'status', `deployment/${name}`, '--timeout=120s']);
  const rss = api('apps', 'v1', 'replicasets', 'a3');
  const pods = api('', 'v1', 'pods', 'a3');
  const live = async (sel: string, r = pods) => (await r.list({ labelSelector: sel })).items.filter((o) => !o.metadata?.deletionTimestamp);

  // background: the Deployment goes at once, then its ReplicaSet and pods.
  await kubectl(['-n', 'a3', 'delete', 'deployment', 'bg', '--cascade=background']);
  await waitFor('bg ReplicaSets and pods to go', async () => (await live('app=bg', rss)).length === 0 && (await live('app=bg')).length === 0, 60_000);

  // foreground: the Deployment stays (foregroundDeletion) until its ReplicaSet is gone.
  await kubectl(['-n', 'a3', 'delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false']);
  const d = await api('apps', 'v1', 'deployments', 'a3').get('fg').catch(() => undefined);
  if (d) t.true((d.metadata?.finalizers ?? []).includes('foregroundDeletion'));
  let ownerSeenWithoutRs = false;
  await waitFor(
    'fg to go after its dependents',
    async () => {
      const ownerGone = await gone(() => api('apps', 'v1', 'deployments', 'a3').get('fg'));
      const rsLeft = (await rss.list({ labelSelector: 'app=fg' })).items.length;
      if (!ownerGone && rsLeft === 0) ownerSeenWithoutRs = true;
      if (ownerGone) t.is(rsLeft, 0, 'the owner went before its ReplicaSet');
      return ownerGone;
    },
    90_000,
    100,
  );
  t.log(`foreground: owner observed without ReplicaSets before it went: ${ownerSeenWithoutRs}`);

  // orphan: ReplicaSet and pods stay, without owner references.
  await kubectl(['-n', 'a3', 'delete', 'deployment', 'orphan', '--cascade=orphan']);
  await waitFor('orphan deployment to go', () => gone(() => api('apps', 'v1', 'deployments', 'a3').get('orphan')));
  await waitFor('the ReplicaSet to lose its owner reference', async () => (await rss.list({ labelSelector: 'app=orphan' })).items.every((r) => (r.metadata?.ownerReferences ?? []).length === 0));
  await new Promise((r) => setTimeout(r, 3000));
  const left = await rss.list({ labelSelector: 'app=orphan' });
  t.is(left.items.length, 1);
  t.is((await live('app=orphan')).length, 2);
});

test.serial('4: Job completions/parallelism, backoffLimit, CronJob every minute with history limits', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a4']);
  await kubectl(['-n', 'a4', 'apply', '-f', '-'], `apiVersion: batch/v1
kind: Job
metadata: {name: ok}
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sh, -c, "sleep 1"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: fails}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: every-minute}
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 1
  failedJobsHistoryLimit: 1
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          containers: [{name: c, image: busybox, command: [sh, -c, "true"]}]
`);
  const jobs = api('batch', 'v1', 'jobs', 'a4');
  const hasCond = (j: KubeObject, type: string) => (j.status?.conditions ?? []).find((c: { type: string; status: string }) => c.type === type && c.status === 'True');
  const ok = await waitFor('job ok to complete', async () => {
    const j = await jobs.get('ok');
    return hasCond(j, 'Complete') ? j : undefined;
  }, 120_000);
  t.is(ok.status?.succeeded, 3);
  const failed = await waitFor('job fails to fail', async () => hasCond(await jobs.get('fails'), 'Failed'), 120_000);
  t.is(failed.reason, 'BackoffLimitExceeded');
  // Two scheduled runs (up to ~2 minutes): the history keeps one successful Job.
  const cj = await waitFor('a first successful CronJob run', async () => {
    const c = await api('batch', 'v1', 'cronjobs', 'a4').get('every-minute');
    return c.status?.lastSuccessfulTime ? { c } : undefined;
  }, 150_000, 1000);
  t.truthy(cj.c.status?.lastScheduleTime);
  await waitFor('a second run and the history limit', async () => {
    const c = await api('batch', 'v1', 'cronjobs', 'a4').get('every-minute');
    const owned = (await jobs.list()).items.filter((j) => (j.metadata?.ownerReferences ?? []).some((r) => r.kind === 'CronJob'));
    return c.status?.lastScheduleTime !== cj.c.status?.lastScheduleTime && c.status?.lastSuccessfulTime && owned.filter((j) => hasCond(j, 'Complete')).length === 1;
  }, 150_000, 1000);
  t.pass();
});

test.serial('5: StatefulSet of 3 with a volumeClaimTemplate: pods 0,1,2 in order with bound local PVCs; scale down removes 2 first', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a5']);
  await kubectl(['-n', 'a5', 'apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox
        command: [sh, -c, "hostname > /data/id; sleep 3600"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
`);
  const pods = api('', 'v1', 'pods', 'a5');
  await waitFor('3 Ready pods', async () => (await pods.list()).items.filter(ready).length === 3, 180_000, 500);
  const list = (await pods.list()).items;
  const created = (n: string) => Date.parse(list.find((p) => p.metadata?.name === n)!.metadata!.creationTimestamp!);
  t.true(created('web-0') <= created('web-1') && created('web-1') <= created('web-2'), 'pods created in order');
  const readyAt = (n: string) => Date.parse(list.find((p) => p.metadata?.name === n)!.status.conditions.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime);
  t.true(readyAt('web-0') <= created('web-1') + 1000, 'web-1 created after web-0 was Ready');
  for (const i of [0, 1, 2]) {
    const pvc = await api('', 'v1', 'persistentvolumeclaims', 'a5').get(`data-web-${i}`);
    t.is(pvc.status?.phase, 'Bound');
    t.is(pvc.spec?.storageClassName, 'standard');
    const pv = await api('', 'v1', 'persistentvolumes').get(pvc.spec!.volumeName!);
    t.is(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], 'kubets.io/local-path');
    t.is((await kubectl(['-n', 'a5', 'exec', `web-${i}`, '--', 'cat', '/data/id'])).trim(), `web-${i}`);
  }
  await kubectl(['-n', 'a5', 'scale', 'statefulset/web', '--replicas=2']);
  await waitFor('web-2 to go', () => gone(() => pods.get('web-2')), 60_000);
  t.truthy(await pods.get('web-1'));
  t.truthy(await pods.get('web-0'));
});

test.serial('6: DaemonSet: one pod per node (fake nodes count), rolling update', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a6']);
  for (const n of ['fake-a6-1', 'fake-a6-2']) {
    await api('', 'v1', 'nodes').create({ metadata: { name: n, labels: { 'kubernetes.io/hostname': n } }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, capacity: { cpu: '4', memory: '8Gi', pods: '110' } } });
  }
  await kubectl(['-n', 'a6', 'apply', '-f', '-'], `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 3}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
`);
  const ds = api('apps', 'v1', 'daemonsets', 'a6');
  await waitFor('3 scheduled daemon pods', async () => (await ds.get('agent')).status?.desiredNumberScheduled === 3 && (await ds.get('agent')).status?.currentNumberScheduled === 3, 60_000);
  const pods = (await api('', 'v1', 'pods', 'a6').list()).items;
  t.deepEqual(new Set(pods.map((p) => p.spec?.nodeName ?? p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0])).size, 3);
  // Fake nodes never run pods: drop them, then roll the real node's pod.
  for (const n of ['fake-a6-1', 'fake-a6-2']) await api('', 'v1', 'nodes').delete(n);
  await waitFor('1 desired daemon pod', async () => (await ds.get('agent')).status?.desiredNumberScheduled === 1, 60_000);
  await kubectl(['-n', 'a6', 'rollout', 'status', 'daemonset/agent', '--timeout=120s']);
  const before = (await api('', 'v1', 'pods', 'a6').list()).items.filter(ready).map((p) => p.metadata?.name);
  await kubectl(['-n', 'a6', 'set', 'image', 'daemonset/agent', 'c=docker.io/library/busybox:latest']);
  await kubectl(['-n', 'a6', 'rollout', 'status', 'daemonset/agent', '--timeout=120s']);
  const after = (await api('', 'v1', 'pods', 'a6').list()).items.filter(ready);
  t.is(after.length, 1);
  t.not(after[0]!.metadata?.name, before[0]);
  t.is(after[0]!.spec?.containers?.[0]?.image, 'docker.io/library/busybox:latest');
  t.is((await ds.get('agent')).status?.updatedNumberScheduled, 1);
});

test.serial('7: a node whose kubelet stops heartbeating goes Unknown with the unreachable taints; its pods are evicted after tolerationSeconds', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  // The kubelet of `kubets up` runs in the cluster's process; this node's "kubelet" is the test,
  // which renews the node Lease and then stops, as a stopped kubelet does.
  const name = 'fake-a7';
  await api('', 'v1', 'nodes').create({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } });
  const node = await api('', 'v1', 'nodes').get(name);
  const leases = api('coordination.k8s.io', 'v1', 'leases', 'kube-node-lease');
  const micro = () => new Date().toISOString().replace('Z', '000Z');
  await leases.create({ metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid }] }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() } });
  await kubectl(['create', 'namespace', 'a7']);
  await api('', 'v1', 'pods', 'a7').create({
    metadata: { name: 'stranded' },
    spec: {
      nodeName: name,
      containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }],
      tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }],
    },
  });
  // What the kubelet would have reported while it ran.
  const running = await api('', 'v1', 'pods', 'a7').get('stranded');
  running.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  await api('', 'v1', 'pods', 'a7').update(running, { subresource: 'status' });
  // Heartbeat for 5 s, then stop.
  for (let i = 0; i < 5; i++) {
    const l = await leases.get(name);
    l.spec.renewTime = micro();
    await leases.update(l);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const stopped = Date.now();
  const gracePlus10 = 40_000 + 10_000;
  const unknownAt = await waitFor('Ready=Unknown with the unreachable taints', async () => {
    const n = await api('', 'v1', 'nodes').get(name);
    const readyCond = (n.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
    const taints = (n.spec?.taints ?? []).filter((x: { key: string }) => x.key === 'node.kubernetes.io/unreachable').map((x: { effect: string }) => x.effect).sort();
    return readyCond?.status === 'Unknown' && taints.join() === 'NoExecute,NoSchedule' ? Date.now() : undefined;
  }, gracePlus10 + 5000, 500);
  t.log(`Unknown + taints ${unknownAt - stopped} ms after the last heartbeat`);
  t.true(unknownAt - stopped <= gracePlus10);
  const pod = await api('', 'v1', 'pods', 'a7').get('stranded');
  t.is((pod.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status, 'False');
  const evictedAt = await waitFor('the pod to be evicted', async () => {
    const p = await api('', 'v1', 'pods', 'a7').get('stranded').catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    return !p || p.metadata?.deletionTimestamp ? Date.now() : undefined;
  }, 30_000, 250);
  t.log(`evicted ${evictedAt - unknownAt} ms after the taint (tolerationSeconds 5)`);
  t.true(evictedAt - unknownAt >= 3000, 'not evicted before tolerationSeconds');
  await api('', 'v1', 'nodes').delete(name);
});

test.serial('8: bad input is rejected or reported, and a restart re-syncs without duplicating pods', async (t) => {
  if (skip(t)) return;
  t.timeout(600_000);
  await kubectl(['create', 'namespace', 'a8']);
  await t.throwsAsync(
    kubectl(['-n', 'a8', 'apply', '-f', '-'], 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: bad}\nspec:\n  schedule: "not a schedule"\n  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}}\n'),
    { message: /schedule/ },
  );
  await t.throwsAsync(
    kubectl(['-n', 'a8', 'apply', '-f', '-'], 'apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: bad}\nspec:\n  selector: {matchExpressions: [{key: a, operator: In, values: []}]}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: busybox}]}}\n'),
    { message: /selector|values/ },
  );
  // A dependent of an owner that never existed is collected by the garbage collector.
  await api('', 'v1', 'configmaps', 'a8').create({ metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' }] } });
  await waitFor('the dangling dependent to be collected', () => gone(() => api('', 'v1', 'configmaps', 'a8').get('dangling')), 60_000);
  // A PodDisruptionBudget whose selector matches nothing only gets status.
  await kubectl(['-n', 'a8', 'create', 'poddisruptionbudget', 'nothing', '--selector=app=none', '--min-available=1']);
  await kubectl(['-n', 'a8', 'create', 'deployment', 'keep', '--image=busybox', '--replicas=3', '--', 'sleep', '3600']);
  await kubectl(['-n', 'a8', 'rollout', 'status', 'deployment/keep', '--timeout=120s']);
  const names = async () => (await api('', 'v1', 'pods', 'a8').list({ labelSelector: 'app=keep' })).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();
  const before = await names();
  t.is(before.length, 3);
  // Restart the whole control plane (controller-manager included) on the same state.
  const data = join(dir, 'data');
  await kubets(['down', '--data-dir', data]);
  await kubets(['up', ...upArgs(data)]);
  rest!.close();
  rest = new RestClient(loadKubeconfig({ path: kubeconfig }));
  await kubectl(['-n', 'a8', 'rollout', 'status', 'deployment/keep', '--timeout=180s']);
  await new Promise((r) => setTimeout(r, 5000));
  t.deepEqual(await names(), before, 'the same 3 pods after the restart');
  t.is((await api('apps', 'v1', 'replicasets', 'a8').list({ labelSelector: 'app=keep' })).items.length, 1);
});
