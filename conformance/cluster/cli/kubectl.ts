/**
 * sig-cli: upstream test/e2e/kubectl/kubectl.go, driving the real `kubectl` binary (see
 * `run-kubectl.ts`) against the cluster with the suite's credentials.
 *
 * Image deviations: upstream's agnhost controller (`agnhost-primary-controller.json.in`,
 * agnhost listening on 6379 and logging "Paused") runs busybox here (`echo Paused; exec
 * httpd -f -p 6379`); upstream's httpd image is the project's test server, and upstream's
 * busybox replacement image stays busybox. The pause pod of "Kubectl label" uses the pause
 * image. The expected strings are upstream's, with the image names substituted. Upstream's
 * update-demo nautilus image (data.json naming nautilus.jpg, served on port 80) is busybox
 * httpd serving the same file.
 */
import { createConnection } from 'node:net';
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectContains, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { podLogs, waitForPodRunning } from '../framework/pods.ts';
import { newKubectl, type Kubectl } from './run-kubectl.ts';

const AGNHOST_PORT = 6379;

/** agnhostController is upstream's agnhost-primary RC (+ Service) with busybox in place of agnhost. */
function agnhostController(ctx: CaseContext): KubeObject {
  const labels = { app: 'agnhost', role: 'primary' };
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'agnhost-primary', labels },
    spec: {
      replicas: 1,
      selector: labels,
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: 'agnhost-primary',
            image: ctx.images.busybox,
            command: ['sh', '-c', `echo Paused; exec httpd -f -p ${AGNHOST_PORT}`],
            ports: [{ name: 'agnhost-server', containerPort: AGNHOST_PORT }],
          }],
        },
      },
    },
  };
}

function agnhostService(): KubeObject {
  const labels = { app: 'agnhost', role: 'primary' };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'agnhost-primary', labels },
    spec: { ports: [{ port: AGNHOST_PORT, targetPort: 'agnhost-server' }], selector: labels },
  };
}

/** agnhostPods lists the pods of the agnhost-primary RC. */
async function agnhostPods(ctx: CaseContext): Promise<KubeObject[]> {
  return (await ctx.core('pods').list({ labelSelector: 'app=agnhost' })).items;
}

/** waitForAgnhost is upstream waitForOrFailWithDebug(1): one agnhost pod running. */
async function waitForAgnhost(ctx: CaseContext): Promise<KubeObject[]> {
  ctx.step('Waiting for Agnhost primary to start.');
  const pods = await ctx.waitFor(async () => {
    const ps = (await agnhostPods(ctx)).filter((p) => !p.metadata?.deletionTimestamp);
    return ps.length === 1 && ps[0]!.status?.phase === 'Running' ? ps : undefined;
  }, { timeoutMs: 120_000, intervalMs: 500, message: 'one running pod of ReplicationController agnhost-primary' });
  return pods;
}

/**
 * checkOutput is upstream checkOutputReturnError: each row's strings must appear in order on
 * one line of `output` (the first string starts the search, the rest follow it).
 */
function checkOutput(output: string, required: string[][], what: string): void {
  for (const row of required) {
    let rest = output;
    for (const s of row) {
      const i = rest.indexOf(s);
      if (i < 0) fail(`${what}: missing ${JSON.stringify(s)} (of ${JSON.stringify(row)}) in kubectl output:\n${output}`);
      rest = rest.slice(i + s.length);
    }
  }
}

/** runWithRetry is upstream checkKubectlOutputWithRetry: describe output may lag (events). */
async function checkOutputWithRetry(ctx: CaseContext, k: Kubectl, required: string[][], args: string[], what: string): Promise<void> {
  let last = '';
  await ctx.waitFor(async () => {
    last = await k.runOrDie(args);
    try {
      checkOutput(last, required, what);
      return true;
    } catch {
      return false;
    }
  }, { timeoutMs: 60_000, intervalMs: 2000, message: `${what}: kubectl ${args.join(' ')} to print ${JSON.stringify(required)}`, describe: () => last });
}

async function podImage(ctx: CaseContext, name: string): Promise<string | undefined> {
  return (await ctx.core('pods').get(name)).spec?.containers?.[0]?.image;
}

/** httpGet sends `GET path` with Host localhost over `connect` and returns status and body. */
function httpGet(connect: { port: number } | { path: string }, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = 'port' in connect ? createConnection({ host: '127.0.0.1', port: connect.port }) : createConnection({ path: connect.path });
    let data = '';
    sock.setTimeout(30_000, () => sock.destroy(new Error('timed out')));
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d: Buffer) => (data += d.toString('utf8')));
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      if (!m) return reject(new Error(`not an HTTP response: ${JSON.stringify(data.slice(0, 200))}`));
      const sep = data.indexOf('\r\n\r\n');
      let body = sep >= 0 ? data.slice(sep + 4) : '';
      if (/\r\ntransfer-encoding: *chunked/i.test(data.slice(0, sep))) body = unchunk(body);
      resolve({ status: Number(m[1]), body });
    });
  });
}

function unchunk(s: string): string {
  let out = '';
  for (;;) {
    const nl = s.indexOf('\r\n');
    if (nl < 0) return out;
    const n = parseInt(s.slice(0, nl), 16);
    if (!n) return out;
    out += s.slice(nl + 2, nl + 2 + n);
    s = s.slice(nl + 2 + n + 2);
  }
}

/** apiVersionsVia asks a kubectl proxy for /api/ and returns the APIVersions' versions. */
async function apiVersionsVia(ctx: CaseContext, connect: { port: number } | { path: string }): Promise<string[]> {
  let last = '';
  return ctx.waitFor(async () => {
    try {
      const r = await httpGet(connect, '/api/');
      last = `${r.status} ${r.body.slice(0, 300)}`;
      if (r.status !== 200) return undefined;
      const versions = (JSON.parse(r.body) as { versions?: string[] }).versions ?? [];
      return versions.length ? versions : undefined;
    } catch (err) {
      last = String(err);
      return undefined;
    }
  }, { timeoutMs: 30_000, intervalMs: 500, message: 'kubectl proxy to serve /api/ with at least one version', describe: () => last });
}

/** firstLine reads a started process's stdout until one line is printed. */
function firstLine(child: import('node:child_process').ChildProcess, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const onAbort = (): void => reject(new Error(`kubectl proxy printed nothing before the case ended; stderr: ${err}`));
    signal.addEventListener('abort', onAbort, { once: true });
    child.stderr?.on('data', (d: Buffer) => (err += d));
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) {
        signal.removeEventListener('abort', onAbort);
        resolve(out.split('\n')[0]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`kubectl proxy exited with ${code} before serving; stderr: ${err}`)));
  });
}

/** nautilusRc is upstream's update-demo nautilus-rc.yaml.in, serving data.json with busybox httpd. */
function nautilusRc(ctx: CaseContext): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'update-demo-nautilus' },
    spec: {
      replicas: 2,
      selector: { name: 'update-demo', version: 'nautilus' },
      template: {
        metadata: { labels: { name: 'update-demo', version: 'nautilus' } },
        spec: {
          containers: [{
            name: 'update-demo',
            image: ctx.images.busybox,
            command: ['sh', '-c', `mkdir -p /www && echo '{"image": "nautilus.jpg"}' > /www/data.json && exec httpd -f -p 80 -h /www`],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
          }],
        },
      },
    },
  });
}

const UPDATE_DEMO_SELECTOR = 'name=update-demo';

/**
 * validateController is upstream's: `replicas` pods selected by `name=update-demo`, each with
 * its `update-demo` container running `image` and serving data.json (read through the pod
 * proxy subresource) that names nautilus.jpg; kubectl's go templates read pods and containers.
 */
async function validateController(ctx: CaseContext, k: Kubectl, image: string, replicas: number): Promise<void> {
  const podsTemplate = '--template={{range.items}}{{.metadata.name}} {{end}}';
  const stateTemplate = '--template={{if (exists . "status" "containerStatuses")}}{{range .status.containerStatuses}}{{if (and (eq .name "update-demo") (exists . "state" "running"))}}true{{end}}{{end}}{{end}}';
  const imageTemplate = '--template={{if (exists . "spec" "containers")}}{{range .spec.containers}}{{if eq .name "update-demo"}}{{.image}}{{end}}{{end}}{{end}}';
  ctx.step(`waiting for all containers in ${UPDATE_DEMO_SELECTOR} pods to come up.`);
  let why = '';
  await ctx.waitFor(async () => {
    const pods = (await k.runOrDie(['get', 'pods', '-o', 'template', podsTemplate, '-l', UPDATE_DEMO_SELECTOR])).split(/\s+/).filter(Boolean);
    if (pods.length !== replicas) {
      why = `Replicas for ${UPDATE_DEMO_SELECTOR}: expected=${replicas} actual=${pods.length}`;
      return false;
    }
    for (const pod of pods) {
      if ((await k.runOrDie(['get', 'pods', pod, '-o', 'template', stateTemplate])) !== 'true') {
        why = `${pod} is created but not running`;
        return false;
      }
      const current = await k.runOrDie(['get', 'pods', pod, '-o', 'template', imageTemplate]);
      if (current !== image) {
        why = `${pod} is created but running wrong image; expected: ${image}, actual: ${current}`;
        return false;
      }
      try {
        const body = await ctx.client.request<string | { image?: string }>({ path: `/api/v1/namespaces/${ctx.ns}/pods/${pod}/proxy/data.json`, accept: '*/*', signal: ctx.signal });
        const data = typeof body === 'string' ? (JSON.parse(body) as { image?: string }) : body;
        if (!String(data?.image ?? '').includes('nautilus.jpg')) {
          why = `data served up in container ${pod} is inaccurate: ${JSON.stringify(data)}`;
          return false;
        }
      } catch (err) {
        why = `${pod} is running right image but validator function failed: ${String(err)}`;
        return false;
      }
    }
    return true;
  }, { timeoutMs: 300_000, intervalMs: 2000, message: `${UPDATE_DEMO_SELECTOR} pods to reach valid state`, describe: () => why });
}

/** cleanupKubectlInputs is upstream's: force-delete what was created, then check nothing is left. */
async function cleanupKubectlInputs(ctx: CaseContext, k: Kubectl, input: string, selector: string): Promise<void> {
  await k.runOrDie(['delete', '--grace-period=0', '--force', '-f', '-'], { input });
  await ctx.waitFor(async () => {
    const rcs = await k.runOrDie(['get', 'rc,svc', '-l', selector, '--no-headers']);
    const pods = await k.runOrDie(['get', 'pods', '-l', selector, '-o', 'go-template={{ range .items }}{{ if not .metadata.deletionTimestamp }}{{ .metadata.name }}{{ "\\n" }}{{ end }}{{ end }}']);
    return rcs.trim() === '' && pods.trim() === '';
  }, { timeoutMs: 120_000, intervalMs: 1000, message: `nothing selected by ${selector} to be left after kubectl delete` });
}

/**
 * replaceWithRetry is `kubectl get pod -o json` + `kubectl replace -f -` with the image
 * swapped, retried with a fresh read when the replace fails (the kubelet may write the pod's
 * status in between, making the read resourceVersion stale).
 */
async function replaceWithRetry(ctx: CaseContext, k: Kubectl, pod: string, from: string, to: string, extra: string[]): Promise<void> {
  let last = '';
  await ctx.waitFor(async () => {
    const json = await k.runOrDie(['get', 'pod', pod, '-o', 'json']);
    const replaced = json.replace(`"image": "${from}"`, `"image": "${to}"`);
    if (!replaced.includes(`"image": "${to}"`)) fail(`failed replacing image ${from} with ${to} in:\n${json}`);
    const r = await k.run(['replace', '-f', '-', ...extra], { input: replaced });
    last = `exit ${r.code}: ${r.stderr}${r.stdout}`;
    return r.code === 0;
  }, { timeoutMs: 60_000, intervalMs: 1000, message: `kubectl replace ${extra.join(' ')} of pod ${pod} to succeed`, describe: () => last });
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'CL-02',
    codename: '[sig-cli] Kubectl client Kubectl api-versions should check if v1 is in available api versions [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('validating api versions');
      const out = await k.runOrDie(['api-versions']);
      expectTrue(out.split('\n').includes('v1'), `no v1 in kubectl api-versions:\n${out}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-03',
    codename: '[sig-cli] Kubectl client Kubectl cluster-info should check if Kubernetes control plane services is included in cluster-info [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('validating cluster-info');
      const out = await k.runOrDie(['cluster-info']);
      for (const item of ['Kubernetes control plane', 'is running at']) expectContains(out, item, 'kubectl cluster-info');
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-12',
    codename: '[sig-cli] Kubectl client Kubectl version should check is all data is printed [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const out = await k.runOrDie(['version']);
      for (const item of ['Client Version: ', 'Server Version: ']) {
        // kubectl >= 1.28 prints the short form; older ones the version.Info struct.
        const short = new RegExp(`${item}v\\d\\.\\d+\\.[\\w\\-.+]+`).test(out);
        const long = new RegExp(`${item}version\\.Info\\{Major:"\\d", Minor:"\\d+\\+?", GitVersion:"v\\d\\.\\d+\\.[\\w\\-.+]+", GitCommit:"[0-9a-f]+"`).test(out);
        expectTrue(short || long, `kubectl version: item ${JSON.stringify(item)} has no valid value in:\n${out}`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-07',
    codename: '[sig-cli] Kubectl client Kubectl label should update the label on a resource [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const pod = 'pause';
      ctx.step('creating the pod');
      await k.runOrDie(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod, labels: { name: pod } }, spec: { containers: [{ name: pod, image: ctx.images.pause }] } }) });
      await waitForPodRunning(ctx, pod);
      const [labelName, labelValue] = ['testing-label', 'testing-label-value'];
      ctx.step(`adding the label ${labelName} with value ${labelValue} to a pod`);
      await k.runOrDie(['label', 'pods', pod, `${labelName}=${labelValue}`]);
      ctx.step(`verifying the pod has the label ${labelName} with the value ${labelValue}`);
      expectContains(await k.runOrDie(['get', 'pod', pod, '-L', labelName]), labelValue, `kubectl get pod ${pod} -L ${labelName}`);
      ctx.step(`removing the label ${labelName} of a pod`);
      await k.runOrDie(['label', 'pods', pod, `${labelName}-`]);
      ctx.step(`verifying the pod doesn't have the label ${labelName}`);
      const out = await k.runOrDie(['get', 'pod', pod, '-L', labelName]);
      expectTrue(!out.includes(labelValue), `label ${labelName} still shown after removing it:\n${out}`);
      await k.runOrDie(['delete', 'pod', pod, '--grace-period=0', '--force']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-08',
    codename: '[sig-cli] Kubectl client Kubectl patch should add annotations for pods in rc [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('creating Agnhost RC');
      await k.runOrDie(['create', '-f', '-'], { input: JSON.stringify(agnhostController(ctx)) });
      const pods = await waitForAgnhost(ctx);
      ctx.step('patching all pods');
      for (const p of pods) await k.runOrDie(['patch', 'pod', p.metadata!.name!, '-p', '{"metadata":{"annotations":{"x":"y"}}}']);
      ctx.step('checking annotations');
      for (const p of await agnhostPods(ctx)) {
        expectEqual(p.metadata?.annotations?.x, 'y', `annotation x of pod ${p.metadata?.name} after kubectl patch`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-10',
    codename: '[sig-cli] Kubectl client Kubectl run pod should create a pod from an image when restart is Never [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const pod = 'e2e-test-httpd-pod';
      const image = ctx.images.testServer;
      ctx.step(`running the image ${image}`);
      await k.runOrDie(['run', pod, '--restart=Never', `--image=${image}`]);
      ctx.step(`verifying the pod ${pod} was created`);
      const p = await ctx.core('pods').get(pod);
      expectEqual(p.spec?.containers?.map((c: KubeObject) => c.image), [image], `images of pod ${pod}`);
      expectEqual(p.spec?.restartPolicy, 'Never', `restartPolicy of pod ${pod} created with --restart=Never`);
      await k.runOrDie(['delete', 'pods', pod]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-09',
    codename: "[sig-cli] Kubectl client Kubectl replace should update a single-container pod's image [Conformance]",
    async run(ctx) {
      const k = newKubectl(ctx);
      const pod = 'e2e-test-httpd-pod';
      const [image, busybox] = [ctx.images.testServer, ctx.images.busybox];
      ctx.step(`running the image ${image}`);
      await k.runOrDie(['run', pod, `--image=${image}`, `--labels=run=${pod}`]);
      ctx.step(`verifying the pod ${pod} is running`);
      await waitForPodRunning(ctx, pod);
      ctx.step(`verifying the pod ${pod} was created`);
      const json = await k.runOrDie(['get', 'pod', pod, '-o', 'json']);
      expectContains(json, pod, `kubectl get pod ${pod} -o json`);
      ctx.step('replace the image in the pod');
      await replaceWithRetry(ctx, k, pod, image, busybox, []);
      ctx.step(`verifying the pod ${pod} has the right image ${busybox}`);
      expectEqual(await podImage(ctx, pod), busybox, `image of pod ${pod} after kubectl replace`);
      await k.runOrDie(['delete', 'pods', pod]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-11',
    codename: '[sig-cli] Kubectl client Kubectl server-side dry-run should check if kubectl can dry-run update Pods [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const pod = 'e2e-test-httpd-pod';
      const [image, busybox] = [ctx.images.testServer, ctx.images.busybox];
      ctx.step(`running the image ${image}`);
      await k.runOrDie(['run', pod, `--image=${image}`, `--labels=run=${pod}`]);
      ctx.step('replace the image in the pod with server-side dry-run');
      // The kubelet may update the pod between `get` and `replace` (a 409 on the stale
      // resourceVersion): read it again and retry, as a user would.
      await replaceWithRetry(ctx, k, pod, image, busybox, ['--dry-run=server']);
      ctx.step(`verifying the pod ${pod} has the right image ${image}`);
      expectEqual(await podImage(ctx, pod), image, `image of pod ${pod} after kubectl replace --dry-run=server (must not change)`);
      await k.runOrDie(['delete', 'pods', pod]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-05',
    codename: '[sig-cli] Kubectl client Kubectl diff should check if kubectl diff finds a difference for Deployments [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const [image, busybox] = [ctx.images.testServer, ctx.images.busybox];
      const deployment = (img: string): string => JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'httpd-deployment' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'httpd' } }, template: { metadata: { labels: { app: 'httpd' } }, spec: { containers: [{ name: 'httpd', image: img }] } } },
      });
      ctx.step(`create deployment with ${image} image`);
      await k.runOrDie(['create', '-f', '-'], { input: deployment(image) });
      ctx.step('verify diff finds difference between live and declared image');
      const r = await k.run(['diff', '-f', '-'], { input: deployment(busybox) });
      // kubectl diff exits 1 when it found differences, >1 on an error.
      expectEqual(r.code, 1, `kubectl diff exit code (stderr: ${r.stderr})`);
      for (const item of [image, busybox]) expectContains(r.stdout, item, 'kubectl diff output');
      await k.runOrDie(['delete', '-f', '-'], { input: deployment(busybox) });
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-06',
    codename: '[sig-cli] Kubectl client Kubectl expose should create services for rc [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('creating Agnhost RC');
      await k.runOrDie(['create', '-f', '-'], { input: JSON.stringify(agnhostController(ctx)) });
      const pods = await waitForAgnhost(ctx);
      for (const p of pods) {
        await ctx.waitFor(async () => (await podLogs(ctx, p.metadata!.name!, 'agnhost-primary')).includes('Paused'), { timeoutMs: 120_000, message: `"Paused" in the log of ${p.metadata!.name}` });
      }
      const validateService = async (name: string, servicePort: number): Promise<void> => {
        let last: KubeObject[] = [];
        await ctx.waitFor(async () => {
          last = (await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true).list({ labelSelector: `kubernetes.io/service-name=${name}` })).items;
          const byUid = new Map<string, number[]>();
          for (const s of last) {
            for (const e of s.endpoints ?? []) {
              const uid = e.targetRef?.uid;
              if (uid) byUid.set(uid, (s.ports ?? []).map((p: KubeObject) => p.port));
            }
          }
          if (byUid.size === 0) return false;
          if (byUid.size > 1) fail(`too many endpoints found for service ${name}: ${JSON.stringify(last)}`);
          for (const ports of byUid.values()) if (ports[0] !== AGNHOST_PORT) fail(`wrong endpoint port for service ${name}: ${ports[0]}`);
          return true;
        }, { timeoutMs: 120_000, intervalMs: 1000, message: `EndpointSlices of service ${name} to list the agnhost pod`, describe: () => JSON.stringify(last) });
        const svc = await ctx.core('services').get(name);
        expectEqual(svc.spec?.ports?.length, 1, `number of ports of service ${name}`);
        expectEqual(svc.spec.ports[0].port, servicePort, `port of service ${name}`);
        expectEqual(svc.spec.ports[0].targetPort, AGNHOST_PORT, `targetPort of service ${name}`);
      };
      ctx.step('exposing RC');
      await k.runOrDie(['expose', 'rc', 'agnhost-primary', '--name=rm2', '--port=1234', `--target-port=${AGNHOST_PORT}`]);
      await validateService('rm2', 1234);
      ctx.step('exposing service');
      await k.runOrDie(['expose', 'service', 'rm2', '--name=rm3', '--port=2345', `--target-port=${AGNHOST_PORT}`]);
      await validateService('rm3', 2345);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-04',
    codename: '[sig-cli] Kubectl client Kubectl describe should check if kubectl describe prints relevant information for rc and pods [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const image = ctx.images.busybox;
      await k.runOrDie(['create', '-f', '-'], { input: JSON.stringify(agnhostController(ctx)) });
      await k.runOrDie(['create', '-f', '-'], { input: JSON.stringify(agnhostService()) });
      const pods = await waitForAgnhost(ctx);
      ctx.step('describe pod');
      for (const p of pods) {
        const out = await k.runOrDie(['describe', 'pod', p.metadata!.name!]);
        checkOutput(out, [
          ['Name:', 'agnhost-primary-'],
          ['Namespace:', ctx.ns],
          ['Node:'],
          ['Labels:', 'app=agnhost'],
          ['role=primary'],
          ['Annotations:'],
          ['Status:', 'Running'],
          ['IP:'],
          ['Controlled By:', 'ReplicationController/agnhost-primary'],
          ['Image:', image],
          ['State:', 'Running'],
          ['QoS Class:', 'BestEffort'],
        ], 'kubectl describe pod');
      }
      ctx.step('describe rc');
      await checkOutputWithRetry(ctx, k, [
        ['Name:', 'agnhost-primary'],
        ['Namespace:', ctx.ns],
        ['Selector:', 'app=agnhost,role=primary'],
        ['Labels:', 'app=agnhost'],
        ['role=primary'],
        ['Annotations:'],
        ['Replicas:', '1 current', '1 desired'],
        ['Pods Status:', '1 Running', '0 Waiting', '0 Succeeded', '0 Failed'],
        ['Pod Template:'],
        ['Image:', image],
        ['Events:'],
      ], ['describe', 'rc', 'agnhost-primary'], 'kubectl describe rc');
      ctx.step('describe service');
      checkOutput(await k.runOrDie(['describe', 'service', 'agnhost-primary']), [
        ['Name:', 'agnhost-primary'],
        ['Namespace:', ctx.ns],
        ['Labels:', 'app=agnhost'],
        ['role=primary'],
        ['Annotations:'],
        ['Selector:', 'app=agnhost', 'role=primary'],
        ['Type:', 'ClusterIP'],
        ['IP:'],
        ['Port:', '<unset>', `${AGNHOST_PORT}/TCP`],
        ['Endpoints:'],
        ['Session Affinity:', 'None'],
      ], 'kubectl describe service');
      ctx.step('describe node');
      const node = (await ctx.api('', 'v1', 'nodes').list()).items[0];
      if (!node) fail('no nodes in the cluster');
      checkOutput(await k.runOrDie(['describe', 'node', node.metadata!.name!]), [
        ['Name:', node.metadata!.name!],
        ['Labels:'],
        ['Annotations:'],
        ['CreationTimestamp:'],
        ['Conditions:'],
        ['Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message'],
        ['Addresses:'],
        ['Capacity:'],
        ['Version:'],
        ['Kernel Version:'],
        ['OS Image:'],
        ['Container Runtime Version:'],
        ['Kubelet Version:'],
        ['Kube-Proxy Version:'],
        ['Pods:'],
      ], 'kubectl describe node');
      ctx.step('describe namespace');
      checkOutput(await k.runOrDie(['describe', 'namespace', ctx.ns]), [
        ['Name:', ctx.ns],
        ['Labels:'],
        ['Annotations:'],
        ['Status:', 'Active'],
      ], 'kubectl describe namespace');
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-14',
    codename: '[sig-cli] Kubectl client Proxy server should support proxy with --port 0 [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('starting the proxy server');
      const child = k.start(['proxy', '-p', '0', '--disable-filter']);
      const line = await firstLine(child, ctx.signal);
      const m = /Starting to serve on .*:(\d+)/.exec(line);
      if (!m) fail(`kubectl proxy did not print its port: ${JSON.stringify(line)}`);
      ctx.step('curling proxy /api/ output');
      const versions = await apiVersionsVia(ctx, { port: Number(m[1]) });
      expectTrue(versions.length >= 1, 'expected at least one supported apiversion');
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-13',
    codename: '[sig-cli] Kubectl client Proxy server should support --unix-socket=/path [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      ctx.step('Starting the proxy');
      const path = `${k.kubeconfig}.proxy.sock`;
      const child = k.start(['proxy', `--unix-socket=${path}`]);
      await firstLine(child, ctx.signal);
      ctx.step('retrieving proxy /api/ output');
      const versions = await apiVersionsVia(ctx, { path });
      expectTrue(versions.length >= 1, 'expected at least one supported apiversion');
    },
  }),
  defineCase(import.meta.url, {
    id: 'CL-15',
    codename: '[sig-cli] Kubectl client Update Demo should create and stop a replication controller [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const nautilus = nautilusRc(ctx);
      ctx.step('creating a replication controller');
      await k.runOrDie(['create', '-f', '-'], { input: nautilus });
      await validateController(ctx, k, ctx.images.busybox, 2);
      await cleanupKubectlInputs(ctx, k, nautilus, UPDATE_DEMO_SELECTOR);
    },
  }),

  defineCase(import.meta.url, {
    id: 'CL-16',
    codename: '[sig-cli] Kubectl client Update Demo should scale a replication controller [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const nautilus = nautilusRc(ctx);
      ctx.step('creating a replication controller');
      await k.runOrDie(['create', '-f', '-'], { input: nautilus });
      await validateController(ctx, k, ctx.images.busybox, 2);
      ctx.step('scaling down the replication controller');
      await k.runOrDie(['scale', 'rc', 'update-demo-nautilus', '--replicas=1', '--timeout=5m']);
      await validateController(ctx, k, ctx.images.busybox, 1);
      ctx.step('scaling up the replication controller');
      await k.runOrDie(['scale', 'rc', 'update-demo-nautilus', '--replicas=2', '--timeout=5m']);
      await validateController(ctx, k, ctx.images.busybox, 2);
      await cleanupKubectlInputs(ctx, k, nautilus, UPDATE_DEMO_SELECTOR);
    },
  }),
];
