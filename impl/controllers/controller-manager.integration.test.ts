/**
 * kube-controller-manager against a real apiserver (SQLite storage, no kubelet): namespace
 * deletion, the default ServiceAccount and kube-root-ca.crt, garbage collection (background and
 * foreground), and a ReplicaSet creating, adopting and scaling down pods.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isNotFound, loadKubeconfig, RestClient, type KubeObject } from '#impl/client/index.ts';
import { startControllerManager, type RunningControllerManager } from './index.ts';

interface Env {
  stopApi(): Promise<void>;
  cm: RunningControllerManager;
  rest: RestClient;
  dir: string;
}

let env: Env | undefined;
let skipReason = '';

test.before(async () => {
  let startApiServer: typeof import('#impl/apiserver/index.ts').startApiServer;
  try {
    ({ startApiServer } = await import('#impl/apiserver/index.ts'));
  } catch (err) {
    skipReason = `apiserver not available: ${String(err)}`;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kcm-'));
  const api = await startApiServer({ dataDir: dir, securePort: 0, log: () => undefined });
  await api.ready;
  const cm = await startControllerManager({ kubeconfig: api.kubeconfigPath, namespaceDeletionGracePeriodMs: 0 });
  await cm.started;
  const rest = new RestClient(loadKubeconfig({ path: api.kubeconfigPath }));
  env = { stopApi: () => api.stop(), cm, rest, dir };
});

test.after.always(async () => {
  if (!env) return;
  await env.cm.stop();
  env.rest.close();
  await env.stopApi();
  rmSync(env.dir, { recursive: true, force: true });
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function gone(rc: { get(name: string): Promise<unknown> }, name: string): Promise<boolean> {
  try {
    await rc.get(name);
    return false;
  } catch (err) {
    if (isNotFound(err)) return true;
    throw err;
  }
}

async function makeNamespace(rest: RestClient, name: string): Promise<void> {
  await rest.resource('', 'v1', 'namespaces').create({ metadata: { name } });
}

test.serial('a new namespace gets the default ServiceAccount and kube-root-ca.crt', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-new');
  const sa = await eventually('default SA', () => env!.rest.resource('', 'v1', 'serviceaccounts').namespace('kcm-new').get('default'));
  t.is(sa.metadata?.name, 'default');
  const cm = await eventually('kube-root-ca.crt', () => env!.rest.resource('', 'v1', 'configmaps').namespace('kcm-new').get('kube-root-ca.crt'));
  t.true(String(cm.data?.['ca.crt']).includes('BEGIN CERTIFICATE'));
  t.truthy(cm.metadata?.annotations?.['kubernetes.io/description']);
  // Deleted: re-created.
  await env.rest.resource('', 'v1', 'serviceaccounts').namespace('kcm-new').delete('default');
  const again = await eventually('default SA re-created', () => env!.rest.resource('', 'v1', 'serviceaccounts').namespace('kcm-new').get('default'));
  t.not(again.metadata?.uid, sa.metadata?.uid);
});

test.serial('deleting a namespace with ConfigMaps and Secrets finishes and the namespace disappears', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-del');
  for (let i = 0; i < 3; i++) {
    await env.rest.resource('', 'v1', 'configmaps').namespace('kcm-del').create({ metadata: { name: `cm-${i}` }, data: { i: String(i) } });
    await env.rest.resource('', 'v1', 'secrets').namespace('kcm-del').create({ metadata: { name: `s-${i}` }, stringData: { i: String(i) } });
  }
  const started = Date.now();
  await env.rest.resource('', 'v1', 'namespaces').delete('kcm-del');
  await eventually('namespace gone', () => gone(env!.rest.resource('', 'v1', 'namespaces'), 'kcm-del'), 30_000);
  t.log(`namespace deleted in ${Date.now() - started} ms`);
  const left = await env.rest.resource('', 'v1', 'configmaps').namespace('kcm-del').list();
  t.is(left.items.length, 0);
});

test.serial('background deletion: deleting an owner ConfigMap deletes its dependent', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-gc');
  const cms = env.rest.resource('', 'v1', 'configmaps').namespace('kcm-gc');
  const owner = await cms.create({ metadata: { name: 'owner' } });
  await cms.create({ metadata: { name: 'dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] } });
  await cms.delete('owner');
  await eventually('dependent collected', () => gone(cms, 'dependent'));
  t.pass();
});

test.serial('a dependent whose owner never existed is collected', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  const cms = env.rest.resource('', 'v1', 'configmaps').namespace('kcm-gc');
  await cms.create({ metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000001' }] } });
  await eventually('dangling dependent collected', () => gone(cms, 'dangling'));
  t.pass();
});

test.serial('foreground deletion: the owner waits for its blocking dependent', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  const cms = env.rest.resource('', 'v1', 'configmaps').namespace('kcm-gc');
  const owner = await cms.create({ metadata: { name: 'fg-owner' } });
  await cms.create({
    metadata: {
      name: 'fg-dependent',
      finalizers: ['example.com/hold'],
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }],
    },
  });
  await cms.delete('fg-owner', { propagationPolicy: 'Foreground' });
  // The dependent is deleted (held by its finalizer) while the owner waits.
  const dep = await eventually('dependent marked for deletion', async () => {
    const d = await cms.get('fg-dependent');
    return d.metadata?.deletionTimestamp ? d : undefined;
  });
  t.truthy(dep.metadata?.deletionTimestamp);
  const o = await cms.get('fg-owner');
  t.truthy(o.metadata?.deletionTimestamp);
  t.deepEqual(o.metadata?.finalizers, ['foregroundDeletion']);
  // Release the dependent: then the owner goes too.
  await cms.patch('fg-dependent', { metadata: { finalizers: null } });
  await eventually('dependent gone', () => gone(cms, 'fg-dependent'));
  await eventually('owner gone', () => gone(cms, 'fg-owner'));
  t.pass();
});

test.serial('orphan deletion: dependents lose the owner reference and stay', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  const cms = env.rest.resource('', 'v1', 'configmaps').namespace('kcm-gc');
  const owner = await cms.create({ metadata: { name: 'or-owner' } });
  await cms.create({ metadata: { name: 'or-dependent', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'or-owner', uid: owner.metadata!.uid! }] } });
  await cms.delete('or-owner', { propagationPolicy: 'Orphan' });
  await eventually('owner gone', () => gone(cms, 'or-owner'));
  const dep = await cms.get('or-dependent');
  t.deepEqual(dep.metadata?.ownerReferences ?? [], []);
});

test.serial('a ReplicaSet creates, adopts and scales down pods and reports status.replicas', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-rs');
  const pods = env.rest.resource('', 'v1', 'pods').namespace('kcm-rs');
  const rss = env.rest.resource('apps', 'v1', 'replicasets').namespace('kcm-rs');
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] } };
  // An orphan that matches is adopted, so only two more pods are created.
  await pods.create({ metadata: { name: 'orphan', labels: { app: 'web' } }, spec: template.spec });
  const rs = await rss.create({ metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template } });
  const owned = (list: KubeObject[]): KubeObject[] =>
    list.filter((p) => !p.metadata?.deletionTimestamp && (p.metadata?.ownerReferences ?? []).some((r) => r.uid === rs.metadata?.uid && r.controller === true));
  const three = await eventually('3 pods', async () => {
    const l = owned((await pods.list()).items);
    return l.length === 3 ? l : undefined;
  });
  t.true(three.some((p) => p.metadata?.name === 'orphan'), 'orphan adopted');
  t.true(three.filter((p) => p.metadata?.name !== 'orphan').every((p) => p.metadata?.name?.startsWith('web-')));
  const withStatus = await eventually('status.replicas 3', async () => {
    const r = await rss.get('web');
    return r.status?.replicas === 3 && r.status?.observedGeneration === r.metadata?.generation ? r : undefined;
  });
  t.is(withStatus.status?.fullyLabeledReplicas, 3);
  t.is(withStatus.status?.readyReplicas ?? 0, 0);
  await rss.patch('web', { spec: { replicas: 1 } });
  await eventually('1 pod', async () => owned((await pods.list()).items).length === 1);
  await eventually('status.replicas 1', async () => (await rss.get('web')).status?.replicas === 1);
  // Deleting the ReplicaSet (background) lets the garbage collector remove its pod.
  await rss.delete('web');
  await eventually('pods collected', async () => (await pods.list()).items.filter((p) => !p.metadata?.deletionTimestamp).length === 0);
  t.pass();
});

/** markPodsReady plays the kubelet: every pod of the namespace gets Running + Ready through pods/status. */
function markPodsReady(rest: RestClient, ns: string, signal: AbortSignal): Promise<void> {
  const pods = rest.resource('', 'v1', 'pods').namespace(ns);
  return (async () => {
    while (!signal.aborted) {
      try {
        for (const p of (await pods.list()).items) {
          if (p.metadata?.deletionTimestamp || p.status?.phase === 'Running') continue;
          const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
          await pods
            .update({ ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, { subresource: 'status' })
            .catch(() => undefined);
        }
      } catch {
        /* retry */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

test.serial('a Deployment rolls out, rolls over to a new template with revisions, and becomes Available', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-deploy');
  const stopReady = new AbortController();
  const readyLoop = markPodsReady(env.rest, 'kcm-deploy', stopReady.signal);
  try {
    const deps = env.rest.resource('apps', 'v1', 'deployments').namespace('kcm-deploy');
    const rss = env.rest.resource('apps', 'v1', 'replicasets').namespace('kcm-deploy');
    const pods = env.rest.resource('', 'v1', 'pods').namespace('kcm-deploy');
    const template = (image: string): KubeObject => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });
    await deps.create({ metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('busybox:1') } });
    const done = async (image: string): Promise<KubeObject | undefined> => {
      const d = await deps.get('web');
      const s = d.status ?? {};
      const progressing = (s.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
      const ok = s.updatedReplicas === 3 && s.availableReplicas === 3 && s.replicas === 3 && s.observedGeneration === d.metadata?.generation && progressing?.reason === 'NewReplicaSetAvailable';
      return ok && d.spec.template.spec.containers[0].image === image ? d : undefined;
    };
    const d1 = await eventually('first rollout complete', () => done('busybox:1'), 30_000);
    t.is(d1.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    t.is((d1.status.conditions as Array<{ type: string; status: string }>).find((c) => c.type === 'Available')?.status, 'True');
    await deps.patch('web', { spec: { template: template('busybox:2') } });
    const d2 = await eventually('second rollout complete', () => done('busybox:2'), 30_000);
    t.is(d2.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const list = (await rss.list()).items;
    t.is(list.length, 2);
    const byRev = Object.fromEntries(list.map((rs) => [rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], rs]));
    t.is(byRev['1']?.spec.replicas, 0);
    t.is(byRev['2']?.spec.replicas, 3);
    t.truthy(byRev['2']?.metadata?.labels?.['pod-template-hash']);
    t.is(byRev['2']?.metadata?.name, `web-${byRev['2']?.metadata?.labels?.['pod-template-hash']}`);
    await eventually('old pods gone', async () => (await pods.list()).items.filter((p) => !p.metadata?.deletionTimestamp).length === 3);
    // What `kubectl rollout undo` does: the old template comes back, so the revision-1 ReplicaSet becomes revision 3.
    await deps.patch('web', { spec: { template: { ...template('busybox:1'), metadata: { creationTimestamp: null, labels: { app: 'web' } } } } });
    const d3 = await eventually('undo complete', () => done('busybox:1'), 30_000);
    t.is(d3.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    t.is((await rss.list()).items.length, 2);
    t.is(byRev['1']?.metadata?.name, (await rss.list()).items.find((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3')?.metadata?.name);
    // Scaling keeps the template (no new revision).
    await deps.patch('web', { spec: { replicas: 1 } });
    await eventually('scaled to 1', async () => (await deps.get('web')).status?.replicas === 1);
    t.is((await rss.list()).items.length, 2);
  } finally {
    stopReady.abort();
    await readyLoop;
  }
});

/** finishPods plays the kubelet for Job pods: every pending pod ends in `phase`. */
function finishPods(rest: RestClient, ns: string, phase: 'Succeeded' | 'Failed', signal: AbortSignal): Promise<void> {
  const pods = rest.resource('', 'v1', 'pods').namespace(ns);
  return (async () => {
    while (!signal.aborted) {
      try {
        for (const p of (await pods.list()).items) {
          if (p.metadata?.deletionTimestamp || p.status?.phase === phase) continue;
          await pods.update({ ...p, status: { phase } }, { subresource: 'status' }).catch(() => undefined);
        }
      } catch {
        /* retry */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

test.serial('a Job with completions=3, parallelism=2 completes; a failing Job stops at backoffLimit', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-job');
  await makeNamespace(env.rest, 'kcm-job-fail');
  const stop = new AbortController();
  const loops = [finishPods(env.rest, 'kcm-job', 'Succeeded', stop.signal), finishPods(env.rest, 'kcm-job-fail', 'Failed', stop.signal)];
  try {
    const spec = (extra: Record<string, unknown>): Record<string, unknown> => ({ template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } }, ...extra });
    const jobs = env.rest.resource('batch', 'v1', 'jobs');
    await jobs.namespace('kcm-job').create({ metadata: { name: 'ok' }, spec: spec({ completions: 3, parallelism: 2 }) });
    await jobs.namespace('kcm-job-fail').create({ metadata: { name: 'bad' }, spec: spec({ backoffLimit: 0 }) });
    const finished = (ns: string, name: string, type: string) => async (): Promise<KubeObject | undefined> => {
      const j = await jobs.namespace(ns).get(name);
      return (j.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === type && c.status === 'True') ? j : undefined;
    };
    const ok = await eventually('job complete', finished('kcm-job', 'ok', 'Complete'), 30_000);
    t.is(ok.status?.succeeded, 3);
    t.truthy(ok.status?.completionTime);
    const bad = await eventually('job failed', finished('kcm-job-fail', 'bad', 'Failed'), 30_000);
    t.is((bad.status?.conditions as Array<{ type: string; reason: string }>).find((c) => c.type === 'Failed')?.reason, 'BackoffLimitExceeded');
    await eventually('tracking finalizers removed', async () => {
      const pods = (await env!.rest.resource('', 'v1', 'pods').namespace('kcm-job').list()).items;
      return pods.length === 3 && pods.every((p) => !(p.metadata?.finalizers ?? []).includes('batch.kubernetes.io/job-tracking'));
    });
  } finally {
    stop.abort();
    await Promise.all(loops);
  }
});

test.serial('a Service with a selector gets Endpoints and an EndpointSlice from its pods', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-svc');
  const pods = env.rest.resource('', 'v1', 'pods').namespace('kcm-svc');
  await env.rest.resource('', 'v1', 'services').namespace('kcm-svc').create({ metadata: { name: 'web' }, spec: { selector: { app: 'ep' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } });
  for (const [name, ip, ready] of [['p1', '198.18.0.11', true], ['p2', '198.18.0.12', false]] as const) {
    const p = await pods.create({ metadata: { name, labels: { app: 'ep' } }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'web', containerPort: 8080 }] }] } });
    await pods.update({ ...p, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, { subresource: 'status' });
  }
  const ep = await eventually('endpoints', async () => {
    const e = await env!.rest.resource('', 'v1', 'endpoints').namespace('kcm-svc').get('web');
    const s = e.subsets?.[0];
    return s?.addresses?.length === 1 && s?.notReadyAddresses?.length === 1 ? e : undefined;
  });
  t.is(ep.subsets[0].addresses[0].ip, '198.18.0.11');
  t.deepEqual(ep.subsets[0].ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  const slice = await eventually('endpointslice', async () => {
    const l = await env!.rest.resource('discovery.k8s.io', 'v1', 'endpointslices').namespace('kcm-svc').list({ labelSelector: 'kubernetes.io/service-name=web' });
    return l.items.length === 1 && (l.items[0]!.endpoints ?? []).length === 2 ? l.items[0] : undefined;
  });
  t.is(slice.addressType, 'IPv4');
  t.is(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
  const byIp = Object.fromEntries((slice.endpoints as Array<{ addresses: string[]; conditions: { ready: boolean } }>).map((e) => [e.addresses[0], e.conditions.ready]));
  t.deepEqual(byIp, { '198.18.0.11': true, '198.18.0.12': false });
  t.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
  // Settled: no rewrite loop.
  const epRV = ep.metadata?.resourceVersion;
  await new Promise((r) => setTimeout(r, 700));
  const slices = env.rest.resource('discovery.k8s.io', 'v1', 'endpointslices').namespace('kcm-svc');
  t.is((await slices.get(slice.metadata!.name!)).metadata?.resourceVersion, slice.metadata?.resourceVersion);
  t.is((await env.rest.resource('', 'v1', 'endpoints').namespace('kcm-svc').get('web')).metadata?.resourceVersion, epRV);
  // A deleted pod leaves both.
  await pods.delete('p1', { gracePeriodSeconds: 0 });
  await eventually('endpoints updated', async () => {
    const e = await env!.rest.resource('', 'v1', 'endpoints').namespace('kcm-svc').get('web');
    return (e.subsets?.[0]?.addresses ?? []).length === 0;
  });
  t.pass();
});

test.serial('a DaemonSet places one pod per eligible node and records a ControllerRevision', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-ds');
  const nodes = env.rest.resource('', 'v1', 'nodes');
  await nodes.create({ metadata: { name: 'ds-node-a', labels: { role: 'worker' } } });
  await nodes.create({ metadata: { name: 'ds-node-b', labels: { role: 'worker' } }, spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  await nodes.create({ metadata: { name: 'ds-node-c', labels: { role: 'other' } } });
  try {
    const dss = env.rest.resource('apps', 'v1', 'daemonsets').namespace('kcm-ds');
    await dss.create({
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { role: 'worker' }, containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const pods = await eventually('daemon pod', async () => {
      const l = (await env!.rest.resource('', 'v1', 'pods').namespace('kcm-ds').list()).items;
      return l.length === 1 ? l : undefined;
    });
    const terms = pods[0]!.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    t.deepEqual(terms[0].matchFields, [{ key: 'metadata.name', operator: 'In', values: ['ds-node-a'] }]);
    t.truthy(pods[0]!.metadata?.labels?.['controller-revision-hash']);
    const ds = await eventually('status', async () => {
      const d = await dss.get('agent');
      return d.status?.desiredNumberScheduled === 1 && d.status?.currentNumberScheduled === 1 ? d : undefined;
    });
    t.is(ds.status.numberMisscheduled, 0);
    const revs = (await env.rest.resource('apps', 'v1', 'controllerrevisions').namespace('kcm-ds').list()).items;
    t.is(revs.length, 1);
    t.is(revs[0]!.revision, 1);
  } finally {
    for (const n of ['ds-node-a', 'ds-node-b', 'ds-node-c']) await nodes.delete(n).catch(() => undefined);
  }
});

test.serial('a StatefulSet creates pods 0,1,2 in order with their PVCs and scales down from the top', async (t) => {
  if (!env) return t.pass(`skipped: ${skipReason}`);
  await makeNamespace(env.rest, 'kcm-sts');
  const stop = new AbortController();
  const loop = markPodsReady(env.rest, 'kcm-sts', stop.signal);
  try {
    const sets = env.rest.resource('apps', 'v1', 'statefulsets').namespace('kcm-sts');
    const pods = env.rest.resource('', 'v1', 'pods').namespace('kcm-sts');
    await sets.create({
      metadata: { name: 'db' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    });
    const three = await eventually('3 pods', async () => {
      const l = (await pods.list()).items.filter((p) => !p.metadata?.deletionTimestamp);
      return l.length === 3 ? l : undefined;
    }, 30_000);
    const order = [...three].sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion));
    t.deepEqual(three.map((p) => p.metadata?.name).sort(), ['db-0', 'db-1', 'db-2']);
    t.is(order[0]!.metadata?.name, 'db-0');
    t.is(three.find((p) => p.metadata?.name === 'db-1')!.spec.hostname, 'db-1');
    t.is(three.find((p) => p.metadata?.name === 'db-1')!.spec.subdomain, 'db');
    const pvcs = (await env.rest.resource('', 'v1', 'persistentvolumeclaims').namespace('kcm-sts').list()).items.map((p) => p.metadata?.name).sort();
    t.deepEqual(pvcs, ['data-db-0', 'data-db-1', 'data-db-2']);
    await eventually('status ready 3', async () => (await sets.get('db')).status?.readyReplicas === 3);
    await sets.patch('db', { spec: { replicas: 1 } });
    await eventually('scaled to 1', async () => {
      const l = (await pods.list()).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name);
      return l.length === 1 && l[0] === 'db-0';
    }, 30_000);
    t.pass();
  } finally {
    stop.abort();
    await loop;
  }
});
