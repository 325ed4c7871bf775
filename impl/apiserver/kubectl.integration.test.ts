/**
 * Real kubectl against `startApiServer` on both storage backends (issue #3 acceptance 2).
 * Skips with a message when /usr/bin/kubectl (or etcd, for the etcd3 run) is missing.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdAvailable, startEtcdServer, type EtcdServer } from '#impl/storage/testing/etcd-server.ts';
import { startApiServer, type RunningApiServer } from './server.ts';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: join(kubeconfig, '..') }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: "1"
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1, maximum: 10}
              color: {type: string, enum: [red, blue], default: red}
`;

async function scenario(t: import('ava').ExecutionContext, srv: RunningApiServer, dir: string): Promise<void> {
  const kc = srv.kubeconfigPath;
  const k = (args: string[], stdin?: string) => kubectl(kc, args, stdin);
  const ok = async (args: string[], stdin?: string) => {
    const r = await k(args, stdin);
    t.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  t.regex(await ok(['api-resources']), /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
  const versions = await ok(['api-versions']);
  t.true(versions.split('\n').includes('apps/v1'));
  t.true(versions.split('\n').includes('v1'));
  t.regex(await ok(['explain', 'deployment.spec.replicas']), /FIELD: replicas <integer>/);

  t.regex(await ok(['apply', '-f', '-'], APP), /deployment.apps\/web created[\s\S]*service\/web created[\s\S]*configmap\/cfg created/);
  // Moving from client-side to server-side apply takes over the fields without conflicts.
  t.regex(await ok(['apply', '--server-side', '-f', '-'], APP), /deployment.apps\/web serverside-applied/);
  t.regex(await ok(['get', 'deploy', 'web', '-o', 'wide']), /web\s+0\/2\s+0\s+0\s+\S+\s+nginx\s+nginx:1.25\s+app=web/);
  t.regex(await ok(['get', 'svc', 'web', '-o', 'yaml']), /clusterIP: 198\.19\./);
  t.is(await ok(['get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}']), '1');

  // get -w sees an update.
  const watch = spawn(KUBECTL, ['get', 'cm', 'cfg', '-w', '-o', 'jsonpath={.data.a}{"\\n"}'], { env: { ...process.env, KUBECONFIG: kc, HOME: dir } });
  let watched = '';
  watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
  for (let i = 0; i < 200 && !watched.includes('1'); i++) await new Promise((r) => setTimeout(r, 100));
  await ok(['patch', 'cm', 'cfg', '--type=merge', '-p', '{"data":{"a":"2"}}']);
  for (let i = 0; i < 200 && !watched.includes('2'); i++) await new Promise((r) => setTimeout(r, 100));
  watch.kill();
  t.deepEqual(watched.trim().split('\n'), ['1', '2']);

  await ok(['label', 'deploy', 'web', 'tier=front']);
  await ok(['annotate', 'deploy', 'web', 'note=hi']);
  await ok(['patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
  await ok(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"add","path":"/spec/minReadySeconds","value":5}]']);
  await ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}']);
  t.is(
    await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.labels.tier} {.metadata.annotations.note} {.spec.replicas} {.spec.minReadySeconds} {.spec.template.spec.containers[0].image} {.metadata.generation}']),
    'front hi 3 5 nginx:1.26 4',
  );
  await ok(['scale', 'deploy', 'web', '--replicas=4']);
  t.is(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']), '4');

  // Server-side apply twice with two managers -> conflict, then forced.
  const cmA = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  key: one\n';
  await ok(['apply', '--server-side', '--field-manager=alice', '-f', '-'], cmA);
  const conflict = await k(['apply', '--server-side', '--field-manager=bob', '-f', '-'], cmA.replace('one', 'two'));
  t.not(conflict.code, 0);
  t.regex(conflict.stderr, /Apply failed with 1 conflict: conflict with "alice".*\.data\.key/);
  await ok(['apply', '--server-side', '--field-manager=bob', '--force-conflicts', '-f', '-'], cmA.replace('one', 'two'));
  t.is(await ok(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.key}']), 'two');

  // create --dry-run=server stores nothing.
  t.regex(await ok(['create', '--dry-run=server', '-f', '-'], cmA.replace('name: ssa', 'name: dry')), /configmap\/dry created \(server dry run\)/);
  t.regex((await k(['get', 'cm', 'dry'])).stderr, /configmaps "dry" not found/);

  // Selectors and chunking over 10 objects.
  const many = Array.from({ length: 10 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\n  labels: {batch: "${i % 2 ? 'odd' : 'even'}"}\n`).join('---\n');
  await ok(['apply', '-f', '-'], many);
  t.is((await ok(['get', 'cm', '-l', 'batch=odd', '-o', 'name'])).trim().split('\n').length, 5);
  t.is((await ok(['get', 'cm', '--field-selector', 'metadata.name=c3', '-o', 'name'])).trim(), 'configmap/c3');
  t.regex((await k(['get', 'cm', '--field-selector', 'spec.foo=x'])).stderr, /field label not supported: spec.foo/);
  const chunked = await k(['get', 'cm', '-l', 'batch', '--chunk-size=2', '-v=6']);
  t.is(chunked.code, 0);
  t.is(chunked.stdout.trim().split('\n').length, 11);
  t.true((chunked.stderr.match(/limit=2/g) ?? []).length >= 5);

  // delete --cascade=foreground leaves the object with the foregroundDeletion finalizer (no GC controller here).
  await ok(['delete', 'deploy', 'web', '--cascade=foreground', '--wait=false']);
  t.is(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.finalizers[0]}']), 'foregroundDeletion');
  await ok(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
  t.regex((await k(['get', 'deploy', 'web'])).stderr, /not found/);

  // A CRD, then a custom resource by short name, and a schema violation rejected.
  await ok(['apply', '-f', '-'], CRD);
  await ok(['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=10s']);
  await ok(['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n');
  t.regex(await ok(['get', 'wd']), /w1/);
  t.is(await ok(['get', 'wd', 'w1', '-o', 'jsonpath={.spec.color}']), 'red');
  const bad = await k(['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: 30}\n');
  t.not(bad.code, 0);
  t.regex(bad.stderr, /spec.size: Invalid value: 30: spec.size in body should be less than or equal to 10/);
  await ok(['delete', 'crd', 'widgets.example.com']);
  t.regex((await k(['get', 'wd'])).stderr, /the server doesn't have a resource type "wd"|the server could not find the requested resource/);
}

const haveKubectl = existsSync(KUBECTL);

test('kubectl against the apiserver on SQLite', async (t) => {
  t.timeout(180_000); // kubectl steps are slow on a loaded machine
  if (!haveKubectl) {
    t.log(`skipped: ${KUBECTL} not found`);
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-sqlite-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
  try {
    await srv.ready;
    await scenario(t, srv, dir);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubectl against the apiserver on etcd3', async (t) => {
  t.timeout(180_000);
  if (!haveKubectl || !etcdAvailable()) {
    t.log(`skipped: ${haveKubectl ? 'etcd' : KUBECTL} not found`);
    t.pass();
    return;
  }
  const etcd: EtcdServer = await startEtcdServer();
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-etcd-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, storageBackend: 'etcd3', etcdServers: etcd.endpoint, log: () => {} });
  try {
    await srv.ready;
    await scenario(t, srv, dir);
  } finally {
    await srv.stop();
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

