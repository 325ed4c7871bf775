import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import selfsigned from 'selfsigned';

const program = path.join(path.dirname(fileURLToPath(import.meta.url)), 'files', 'agnhost', 'agnhost.mjs');

interface Handlers {
  [path: string]: (req: Record<string, unknown>) => unknown;
}
const { webhookHandlers, conversionResponse } = (await import(program)) as {
  webhookHandlers: (o?: { sidecarImage?: string }) => Handlers;
  conversionResponse: (request: Record<string, unknown>) => Record<string, unknown>;
};

const decodePatch = (r: { patch?: string }) => (r.patch ? JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) : undefined);
const cmReq = (operation: string, data: Record<string, string>) => ({
  operation,
  resource: { group: '', version: 'v1', resource: 'configmaps' },
  ...(operation === 'DELETE' ? { oldObject: { data } } : { object: { data } }),
});
const podReq = (pod: Record<string, unknown>) => ({ operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods' }, object: pod });

const handlerCases: Array<{ name: string; path: string; req: Record<string, unknown>; allowed: boolean; message?: string; reason?: string; patch?: unknown; opts?: { sidecarImage?: string } }> = [
  { name: 'always-deny', path: '/always-deny', req: cmReq('CREATE', {}), allowed: false, message: 'this webhook denies all requests' },
  { name: 'configmap with the disallowed value is denied on create', path: '/configmaps', req: cmReq('CREATE', { 'webhook-e2e-test': 'webhook-disallow' }), allowed: false, reason: 'the configmap contains unwanted key and value' },
  { name: 'configmap with the disallowed value may be deleted', path: '/configmaps', req: cmReq('DELETE', { 'webhook-e2e-test': 'webhook-disallow' }), allowed: true },
  { name: 'non-deletable configmap', path: '/configmaps', req: cmReq('DELETE', { 'webhook-e2e-test': 'webhook-nondeletable' }), allowed: false, reason: 'the configmap cannot be deleted because it contains unwanted key and value' },
  { name: 'configmap mutation stage 1', path: '/mutating-configmaps', req: cmReq('CREATE', { 'mutation-start': 'yes' }), allowed: true, patch: [{ op: 'add', path: '/data/mutation-stage-1', value: 'yes' }] },
  { name: 'configmap mutation stage 2', path: '/mutating-configmaps', req: cmReq('CREATE', { 'mutation-start': 'yes', 'mutation-stage-1': 'yes' }), allowed: true, patch: [{ op: 'add', path: '/data/mutation-stage-2', value: 'yes' }] },
  {
    name: 'pod with the disallowed label and container name',
    path: '/pods',
    req: podReq({ metadata: { labels: { 'webhook-e2e-test': 'webhook-disallow' } }, spec: { containers: [{ name: 'webhook-disallow' }] } }),
    allowed: false,
    message: 'the pod contains unwanted label; the pod contains unwanted container name;',
  },
  {
    name: 'pod to be mutated gets an init container',
    path: '/mutating-pods',
    req: podReq({ metadata: { name: 'webhook-to-be-mutated' }, spec: { containers: [{ name: 'c' }] } }),
    allowed: true,
    patch: [{ op: 'add', path: '/spec/initContainers', value: [{ image: 'webhook-added-image', name: 'webhook-added-init-container', resources: {} }] }],
  },
  { name: 'sidecar without --sidecar-image', path: '/mutating-pods-sidecar', req: podReq({ spec: { containers: [] } }), allowed: false, message: 'No image specified by the sidecar-image parameter' },
  {
    name: 'sidecar appended',
    path: '/mutating-pods-sidecar',
    opts: { sidecarImage: 'busybox' },
    req: podReq({ spec: { containers: [{ name: 'c' }] } }),
    allowed: true,
    patch: [{ op: 'add', path: '/spec/containers/-', value: { image: 'busybox', name: 'webhook-added-sidecar', resources: {} } }],
  },
  {
    name: 'attach with stdin to container1 is denied',
    path: '/pods/attach',
    req: { name: 'to-be-attached-pod', subResource: 'attach', resource: { group: '', version: 'v1', resource: 'pods' }, object: { kind: 'PodAttachOptions', stdin: true, container: 'container1' } },
    allowed: false,
    message: "attaching to pod 'to-be-attached-pod' is not allowed",
  },
  { name: 'add-label to an object without labels', path: '/add-label', req: { object: { metadata: {} } }, allowed: true, patch: [{ op: 'add', path: '/metadata/labels', value: { 'added-label': 'yes' } }] },
  { name: 'add-label next to other labels', path: '/add-label', req: { object: { metadata: { labels: { a: 'b' } } } }, allowed: true, patch: [{ op: 'add', path: '/metadata/labels/added-label', value: 'yes' }] },
  {
    name: 'CRD with the disallowed label',
    path: '/crd',
    req: { resource: { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' }, object: { metadata: { labels: { 'webhook-e2e-test': 'webhook-disallow' } } } },
    allowed: false,
    message: 'the crd contains unwanted label',
  },
  { name: 'custom resource with disallowed data', path: '/custom-resource', req: { operation: 'UPDATE', object: { data: { 'webhook-e2e-test': 'webhook-disallow' } } }, allowed: false, reason: 'the custom resource contains unwanted data' },
];

for (const tc of handlerCases) {
  test(`handler ${tc.path}: ${tc.name}`, async (t) => {
    const r = (await webhookHandlers(tc.opts)[tc.path]!(tc.req)) as { allowed: boolean; status?: { message?: string; reason?: string }; patch?: string; patchType?: string };
    t.is(r.allowed, tc.allowed);
    if (tc.message !== undefined) t.is(r.status?.message, tc.message);
    if (tc.reason !== undefined) t.is(r.status?.reason, tc.reason);
    t.deepEqual(decodePatch(r), tc.patch);
    if (tc.patch) t.is(r.patchType, 'JSONPatch');
  });
}

const v1 = 'stable.example.com/v1';
const v2 = 'stable.example.com/v2';
const conversionCases: Array<{ name: string; desired: string; objects: Record<string, unknown>[]; want: Record<string, unknown> }> = [
  {
    name: 'v1 hostPort splits into v2 host and port',
    desired: v2,
    objects: [{ apiVersion: v1, kind: 'E2e', metadata: { name: 'a' }, hostPort: 'localhost:8080' }],
    want: { uid: 'u', convertedObjects: [{ apiVersion: v2, kind: 'E2e', metadata: { name: 'a' }, host: 'localhost', port: '8080' }], result: { status: 'Success' } },
  },
  {
    name: 'v2 host and port join into v1 hostPort (a non-homogeneous list)',
    desired: v1,
    objects: [
      { apiVersion: v2, kind: 'E2e', metadata: { name: 'b' }, host: 'h', port: '1' },
      { apiVersion: v2, kind: 'E2e', metadata: { name: 'c' }, host: 'h' },
    ],
    want: { uid: 'u', convertedObjects: [{ apiVersion: v1, kind: 'E2e', metadata: { name: 'b' }, hostPort: 'h:1' }, { apiVersion: v1, kind: 'E2e', metadata: { name: 'c' }, hostPort: 'h:' }], result: { status: 'Success' } },
  },
  {
    name: 'a bad hostPort fails the whole request',
    desired: v2,
    objects: [{ apiVersion: v1, kind: 'E2e', hostPort: 'nope' }],
    want: { uid: 'u', result: { status: 'Failure', message: 'invalid hostPort value `nope`' } },
  },
  {
    name: 'converting to the same version is refused',
    desired: v1,
    objects: [{ apiVersion: v1, kind: 'E2e' }],
    want: { uid: 'u', result: { status: 'Failure', message: `conversion from a version to itself should not call the webhook: ${v1}` } },
  },
];
for (const tc of conversionCases) {
  test(`crd-conversion-webhook: ${tc.name}`, (t) => {
    t.deepEqual(conversionResponse({ uid: 'u', desiredAPIVersion: tc.desired, objects: tc.objects }), tc.want);
  });
}

/** freePort picks a free port; tests that start servers on such ports run serially, so two never get the same one. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  return port;
}

function request(mod: typeof http | typeof https, opts: https.RequestOptions, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = mod.request(opts, (res) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** retry calls `fn` until it resolves (the server may still be starting), for up to 30 s. */
async function retry<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
test.after.always(async () => {
  for (const c of children) c.kill('SIGTERM');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test.serial('webhook serves AdmissionReview over HTTPS with agnhost flags, echoing uid and apiVersion', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agnhost-'));
  dirs.push(dir);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'e2e-test-webhook.ns.svc' }], { keySize: 2048 });
  await writeFile(path.join(dir, 'tls.crt'), pems.cert);
  await writeFile(path.join(dir, 'tls.key'), pems.private);
  const port = await freePort();
  const child = spawn(process.execPath, [program, 'webhook', `--tls-cert-file=${path.join(dir, 'tls.crt')}`, '--tls-private-key-file', path.join(dir, 'tls.key'), `--port=${port}`], { stdio: 'ignore' });
  children.push(child);
  const base = { host: '127.0.0.1', port, rejectUnauthorized: false };
  const ready = await retry(() => request(https, { ...base, path: '/readyz' }));
  t.is(ready.body, 'ok');
  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
    const review = { apiVersion, kind: 'AdmissionReview', request: { uid: 'u-1', ...cmReq('CREATE', {}) } };
    const res = await request(https, { ...base, method: 'POST', path: '/always-deny?timeout=10s', headers: { 'Content-Type': 'application/json' } }, JSON.stringify(review));
    t.is(res.status, 200);
    t.deepEqual(JSON.parse(res.body), { apiVersion, kind: 'AdmissionReview', response: { uid: 'u-1', allowed: false, status: { message: 'this webhook denies all requests' } } });
  }
  const bad = await request(https, { ...base, method: 'POST', path: '/always-deny', headers: { 'Content-Type': 'application/json' } }, '{"kind":"Pod"}');
  t.is(bad.status, 400);
});

test.serial('netexec answers /hostname, /echo and /shell', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [program, 'netexec', `--http-port=${port}`, '--udp-port=-1'], { stdio: 'ignore' });
  children.push(child);
  const base = { host: '127.0.0.1', port };
  const hostname = await retry(() => request(http, { ...base, path: '/hostname' }));
  t.is(hostname.body, os.hostname());
  t.is((await request(http, { ...base, path: '/echo?msg=hello%20there' })).body, 'hello there');
  const shell = JSON.parse((await request(http, { ...base, path: `/shell?cmd=${encodeURIComponent('echo hi')}` })).body) as { output: string };
  t.is(shell.output, 'hi\n');
});

test('unknown subcommand exits 2 with usage', async (t) => {
  const child = spawn(process.execPath, [program, 'no-such-command'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number];
  t.is(code, 2);
  t.regex(stderr, /usage: agnhost \{webhook\|crd-conversion-webhook\|netexec\|porter\|serve-hostname\|pause\}/);
});

test.serial('crd-conversion-webhook serves ConversionReview on /crdconvert over HTTPS', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agnhost-conv-'));
  dirs.push(dir);
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'e2e-test-crd-conversion-webhook.ns.svc' }], { keySize: 2048 });
  await writeFile(path.join(dir, 'tls.crt'), pems.cert);
  await writeFile(path.join(dir, 'tls.key'), pems.private);
  const port = await freePort();
  const child = spawn(process.execPath, [program, 'crd-conversion-webhook', `--tls-cert-file=${path.join(dir, 'tls.crt')}`, `--tls-private-key-file=${path.join(dir, 'tls.key')}`, `--port=${port}`], { stdio: 'ignore' });
  children.push(child);
  const base = { host: '127.0.0.1', port, rejectUnauthorized: false };
  await retry(() => request(https, { ...base, path: '/readyz' }));
  const review = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', request: { uid: 'c-1', desiredAPIVersion: v2, objects: [{ apiVersion: v1, kind: 'E2e', hostPort: 'a:1' }] } };
  const res = await request(https, { ...base, method: 'POST', path: '/crdconvert', headers: { 'Content-Type': 'application/json' } }, JSON.stringify(review));
  t.is(res.status, 200);
  t.deepEqual(JSON.parse(res.body), {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: { uid: 'c-1', convertedObjects: [{ apiVersion: v2, kind: 'E2e', host: 'a', port: '1' }], result: { status: 'Success' } },
  });
});

test.serial('porter answers each SERVE_PORT_<n> value on its port; serve-hostname answers the host name', async (t) => {
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  children.push(spawn(process.execPath, [program, 'porter'], { stdio: 'ignore', env: { ...process.env, [`SERVE_PORT_${p1}`]: 'foo', [`SERVE_PORT_${p2}`]: 'bar' } }));
  children.push(spawn(process.execPath, [program, 'serve-hostname', `--port=${p3}`, '--close'], { stdio: 'ignore' }));
  t.is((await retry(() => request(http, { host: '127.0.0.1', port: p1, path: '/any' }))).body, 'foo');
  t.is((await retry(() => request(http, { host: '127.0.0.1', port: p2, path: '/' }))).body, 'bar');
  t.is((await retry(() => request(http, { host: '127.0.0.1', port: p3, path: '/' }))).body, os.hostname());
});

test.serial('porter --json-response answers {Method, Body} for every verb', async (t) => {
  const port = await freePort();
  children.push(spawn(process.execPath, [program, 'porter', '--json-response'], { stdio: 'ignore', env: { ...process.env, [`SERVE_PORT_${port}`]: 'foo' } }));
  for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
    t.deepEqual(JSON.parse((await retry(() => request(http, { host: '127.0.0.1', port, path: '/some/path', method }))).body), { Method: method, Body: 'foo' });
  }
});
