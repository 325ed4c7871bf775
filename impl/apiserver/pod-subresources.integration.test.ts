/**
 * pods/log, exec, port-forward, pods/proxy and nodes/proxy end to end: a REAL apiserver
 * (startApiServer, SQLite), the kubets kubelet on a REAL containerd (tools/runtime) and the real
 * kubectl, against a busybox pod that logs two lines and serves HTTP on 8080. exec, exec -i,
 * cp and port-forward are skipped (logged) while the kubelet server does not serve /exec and
 * /portForward yet. Skips with the reason without the Debian packages, kubectl, or root.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Node, Pod } from '#generated/k8s/index.ts';
import { loadKubeconfig, RestClient } from '#impl/client/index.ts';
import { runtimeDown, runtimeUp } from '../../tools/runtime/index.ts';
import { startKubelet, type KubeletHandle } from '../kubelet/index.ts';
import { startApiServer, type RunningApiServer } from './server.ts';
import { runKubectl, until, type KubectlRun } from './testing/integration.ts';

const missing = ['containerd', 'runc', 'docker-registry', 'skopeo', 'busybox', 'kubectl'].filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (process.getuid?.() !== 0) missing.push('root');
const skipReason = missing.length ? `needs ${missing.join(', ')} (apt-get install containerd runc containernetworking-plugins busybox-static docker-registry skopeo iptables; kubectl)` : '';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`pod subresources integration skipped: ${skipReason}`, (t) => t.pass());

const NODE = 'kubets-sub-node';
const tmp = skipReason ? '' : mkdtempSync('/tmp/kubets-podsub-');
let srv: RunningApiServer | undefined;
let kubelet: KubeletHandle | undefined;
let rest: RestClient;
const children: ChildProcess[] = [];


/** kubectl runs the real kubectl asynchronously (the apiserver lives in this process). */
const kubectl = (...args: string[]): Promise<KubectlRun> => runKubectl(srv!.kubeconfigPath, args);

/** kubeletServes reports whether the kubelet answers a path (nodes/proxy) with anything but 404. */
async function kubeletServes(p: string): Promise<boolean> {
  const r = await kubectl('get', '--raw', `/api/v1/nodes/${NODE}/proxy/${p}`);
  return !/NotFound|could not find|404/.test(r.err);
}

test.before(async () => {
  if (skipReason) return;
  const info = await runtimeUp({ dataDir: path.join(tmp, 'rt') });
  srv = await startApiServer({ dataDir: path.join(tmp, 'api'), securePort: 0, log: () => {} });
  await srv.ready;
  rest = new RestClient(loadKubeconfig({ path: srv.kubeconfigPath }));
  kubelet = startKubelet({ kubeconfig: srv.kubeconfigPath, containerRuntimeEndpoint: info.endpoint, rootDir: path.join(tmp, 'kubelet'), hostnameOverride: NODE, port: 0 });
  await kubelet.registered;
  await until('node Ready', async () => {
    const n = (await rest.resource('', 'v1', 'nodes').get(NODE)) as Node;
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  });
  await rest.resource('', 'v1', 'pods').namespace('default').create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'busybox', ports: [{ containerPort: 8080 }], command: ['sh', '-c', 'echo hello-1; echo hello-2; mkdir -p /www; echo served > /www/index.html; exec httpd -f -p 8080 -h /www'] }],
    },
  } as Pod);
  await until('pod web Running', async () => {
    const p = (await rest.resource('', 'v1', 'pods').namespace('default').get('web')) as Pod;
    return p.status?.phase === 'Running' && p.status.podIP;
  });
});

test.after.always(async () => {
  if (skipReason) return;
  for (const c of children) if (c.pid && c.exitCode === null) process.kill(c.pid);
  if (rest) {
    await rest.resource('', 'v1', 'pods').namespace('default').delete('web', { gracePeriodSeconds: 1 }).catch(() => {});
    await until('pod gone', async () => {
      await rest.resource('', 'v1', 'pods').namespace('default').get('web');
      return false;
    }, 30_000).catch(() => {});
  }
  await kubelet?.stop().catch(() => {});
  rest?.close();
  await runtimeDown({ dataDir: path.join(tmp, 'rt') }).catch(() => {});
  await srv?.stop().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

it('kubectl logs reads the container log through the apiserver and the kubelet', async (t) => {
  const all = await until('log lines', async () => {
    const r = await kubectl('logs', 'web');
    return r.code === 0 && r.out.includes('hello-2') ? r : undefined;
  });
  t.is(all.out, 'hello-1\nhello-2\n');
  const tail = await kubectl('logs', 'web', '--tail=1');
  t.is(tail.code, 0, tail.err);
  t.is(tail.out, 'hello-2\n');
  const bad = await kubectl('logs', 'web', '-c', 'nope');
  t.not(bad.code, 0);
  t.regex(bad.err, /container nope is not valid for pod web/);
});

it('kubectl logs -f streams until interrupted', async (t) => {
  const child = spawn('kubectl', ['--kubeconfig', srv!.kubeconfigPath, 'logs', '-f', 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  await until('followed lines', async () => out.includes('hello-2'), 20_000);
  await sleep(500);
  t.is(child.exitCode, null, 'follow keeps the stream open');
  child.kill();
  t.is(out, 'hello-1\nhello-2\n');
});

it('nodes/proxy reaches the kubelet (healthz, pods)', async (t) => {
  const h = await kubectl('get', '--raw', `/api/v1/nodes/${NODE}/proxy/healthz`);
  t.is(h.code, 0, h.err);
  t.is(h.out.trim(), 'ok');
  const pods = await kubectl('get', '--raw', `/api/v1/nodes/${NODE}/proxy/pods`);
  t.is(pods.code, 0, pods.err);
  t.true((JSON.parse(pods.out).items as Pod[]).some((p) => p.metadata?.name === 'web'));
});

it('pods/proxy reaches the pod IP', async (t) => {
  const r = await until('pod proxy', async () => {
    const x = await kubectl('get', '--raw', '/api/v1/namespaces/default/pods/web:8080/proxy/index.html');
    return x.code === 0 ? x : undefined;
  }, 20_000);
  t.is(r.out, 'served\n');
});

it('kubectl exec -- echo hi', async (t) => {
  if (!(await kubeletServes('exec/default/web/web?command=true&stdout=true'))) {
    t.log('SKIPPED: the kubelet server does not serve /exec yet (impl/kubelet/server)');
    t.pass();
    return;
  }
  const r = await kubectl('exec', 'web', '--', 'echo', 'hi');
  t.is(r.code, 0, r.err);
  t.is(r.out, 'hi\n');
  const rc = await kubectl('exec', 'web', '--', 'sh', '-c', 'exit 3');
  t.is(rc.code, 3, rc.err);
});

it('kubectl exec -i feeds stdin; kubectl cp round-trips a file', async (t) => {
  if (!(await kubeletServes('exec/default/web/web?command=true&stdout=true'))) {
    t.log('SKIPPED: the kubelet server does not serve /exec yet (impl/kubelet/server)');
    t.pass();
    return;
  }
  const piped = await new Promise<{ code: number; out: string }>((resolve) => {
    const child = spawn('kubectl', ['--kubeconfig', srv!.kubeconfigPath, 'exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin!.end('shout\n');
  });
  t.is(piped.code, 0);
  t.is(piped.out, 'SHOUT\n');
  const local = path.join(tmp, 'cp-in.txt');
  writeFileSync(local, 'round trip\n');
  const up = await kubectl('cp', local, 'default/web:/tmp/cp.txt');
  t.is(up.code, 0, up.err);
  const back = path.join(tmp, 'cp-out.txt');
  const down = await kubectl('cp', 'default/web:/tmp/cp.txt', back);
  t.is(down.code, 0, down.err);
  t.is(readFileSync(back, 'utf8'), 'round trip\n');
});

it('kubectl port-forward reaches the pod port', async (t) => {
  if (!(await kubeletServes('portForward/default/web'))) {
    t.log('SKIPPED: the kubelet server does not serve /portForward yet (impl/kubelet/server)');
    t.pass();
    return;
  }
  const child = spawn('kubectl', ['--kubeconfig', srv!.kubeconfigPath, 'port-forward', 'pod/web', ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  t.is(body, 'served\n', out);
});
