/**
 * Real kubectl typed-client commands, which send `application/vnd.kubernetes.protobuf` bodies
 * (client-go has no JSON fallback for them), against `startApiServer` on SQLite. Each command's
 * output and the stored object are checked; stderr must carry no warnings (kubectl create uses
 * fieldValidation=Strict, so a decoded body with a stray field would fail).
 * Skips with a message when /usr/bin/kubectl is missing; the old-client part skips when
 * /usr/lib/google-cloud-sdk/bin/kubectl.1.27 is missing.
 */
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type RunningApiServer } from './server.ts';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const OLD_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.27';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(bin: string, kubeconfig: string, home: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Case {
  name: string;
  args: string[];
  stdout: RegExp;
  /** get: what to read back (`kubectl get ARGS -o json`) and check. */
  get?: { args: string[]; check: (o: Obj) => boolean };
}

function cases(dir: string): Case[] {
  const ns = ['-n', 'pb'];
  return [
    { name: 'create namespace', args: ['create', 'namespace', 'pb'], stdout: /^namespace\/pb created$/, get: { args: ['namespace', 'pb'], check: (o) => o.metadata.name === 'pb' && o.status.phase === 'Active' } },
    {
      name: 'create configmap',
      args: ['create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=empty=', ...ns],
      stdout: /^configmap\/cfg created$/,
      get: { args: ['cm', 'cfg', ...ns], check: (o) => o.data.a === '1' && o.data.empty === '' && o.metadata.namespace === 'pb' },
    },
    {
      name: 'create secret generic',
      args: ['create', 'secret', 'generic', 'sec', '--from-literal=password=s3cret', ...ns],
      stdout: /^secret\/sec created$/,
      get: { args: ['secret', 'sec', ...ns], check: (o) => Buffer.from(o.data.password, 'base64').toString() === 's3cret' && o.type === 'Opaque' },
    },
    {
      name: 'create secret tls',
      args: ['create', 'secret', 'tls', 'tls', `--cert=${join(dir, 'pki', 'apiserver.crt')}`, `--key=${join(dir, 'pki', 'apiserver.key')}`, ...ns],
      stdout: /^secret\/tls created$/,
      get: { args: ['secret', 'tls', ...ns], check: (o) => o.type === 'kubernetes.io/tls' && Buffer.from(o.data['tls.crt'], 'base64').toString().includes('BEGIN CERTIFICATE') },
    },
    {
      name: 'create secret docker-registry',
      args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example', '--docker-username=u', '--docker-password=p', ...ns],
      stdout: /^secret\/reg created$/,
      get: { args: ['secret', 'reg', ...ns], check: (o) => o.type === 'kubernetes.io/dockerconfigjson' && JSON.parse(Buffer.from(o.data['.dockerconfigjson'], 'base64').toString()).auths['registry.example'].username === 'u' },
    },
    {
      name: 'create deployment',
      args: ['create', 'deployment', 'web', '--image=busybox:1.36', '--replicas=3', '--port=8080', ...ns],
      stdout: /^deployment.apps\/web created$/,
      get: {
        args: ['deploy', 'web', ...ns],
        check: (o) =>
          o.spec.replicas === 3 &&
          o.metadata.labels.app === 'web' &&
          o.spec.selector.matchLabels.app === 'web' &&
          o.spec.template.metadata.labels.app === 'web' &&
          o.spec.template.spec.containers[0].image === 'busybox:1.36' &&
          o.spec.template.spec.containers[0].ports[0].containerPort === 8080 &&
          // non-pointer zero values are not invented
          o.spec.minReadySeconds === undefined &&
          o.spec.paused === undefined &&
          o.spec.template.spec.containers[0].ports[0].hostPort === undefined,
      },
    },
    {
      name: 'create deployment --replicas=0 keeps 0 replicas',
      args: ['create', 'deployment', 'zero', '--image=busybox', '--replicas=0', ...ns],
      stdout: /^deployment.apps\/zero created$/,
      get: { args: ['deploy', 'zero', ...ns], check: (o) => o.spec.replicas === 0 },
    },
    {
      name: 'create job',
      args: ['create', 'job', 'once', '--image=busybox', ...ns, '--', 'echo', 'hi'],
      stdout: /^job.batch\/once created$/,
      get: { args: ['job', 'once', ...ns], check: (o) => o.spec.template.spec.containers[0].command.join(' ') === 'echo hi' && o.spec.template.spec.restartPolicy === 'Never' },
    },
    {
      name: 'create cronjob',
      args: ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', ...ns, '--', 'date'],
      stdout: /^cronjob.batch\/tick created$/,
      get: { args: ['cronjob', 'tick', ...ns], check: (o) => o.spec.schedule === '*/5 * * * *' && o.spec.jobTemplate.spec.template.spec.containers[0].command[0] === 'date' },
    },
    {
      name: 'create service clusterip',
      args: ['create', 'service', 'clusterip', 'svc', '--tcp=5678:8080', ...ns],
      stdout: /^service\/svc created$/,
      get: { args: ['svc', 'svc', ...ns], check: (o) => /^198\.19\./.test(o.spec.clusterIP) && o.spec.ports[0].port === 5678 && o.spec.ports[0].targetPort === 8080 && o.spec.ports[0].nodePort === undefined && o.spec.type === 'ClusterIP' },
    },
    {
      name: 'expose deployment',
      args: ['expose', 'deployment', 'web', '--port=80', '--target-port=8080', ...ns],
      stdout: /^service\/web exposed$/,
      get: { args: ['svc', 'web', ...ns], check: (o) => o.spec.selector.app === 'web' && o.spec.ports[0].port === 80 && o.spec.ports[0].targetPort === 8080 },
    },
    {
      name: 'create serviceaccount',
      args: ['create', 'serviceaccount', 'robot', ...ns],
      stdout: /^serviceaccount\/robot created$/,
      get: { args: ['sa', 'robot', ...ns], check: (o) => o.metadata.name === 'robot' },
    },
    { name: 'create token', args: ['create', 'token', 'robot', '--duration=10m', ...ns], stdout: /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/ },
    {
      name: 'run',
      args: ['run', 'box', '--image=busybox', '--labels=app=box', '--env=A=1', '--port=80', ...ns, '--', 'sleep', '3600'],
      stdout: /^pod\/box created$/,
      get: {
        args: ['pod', 'box', ...ns],
        check: (o) => o.metadata.labels.app === 'box' && o.spec.containers[0].image === 'busybox' && o.spec.containers[0].args.join(' ') === 'sleep 3600' && o.spec.containers[0].env[0].value === '1' && o.spec.containers[0].ports[0].containerPort === 80,
      },
    },
    {
      name: 'create quota',
      args: ['create', 'quota', 'q', '--hard=cpu=1,memory=1G,pods=10', ...ns],
      stdout: /^resourcequota\/q created$/,
      get: { args: ['quota', 'q', ...ns], check: (o) => o.spec.hard.cpu === '1' && o.spec.hard.memory === '1G' && o.spec.hard.pods === '10' },
    },
    {
      name: 'create priorityclass',
      args: ['create', 'priorityclass', 'high', '--value=1000', '--description=important'],
      stdout: /^priorityclass.scheduling.k8s.io\/high created$/,
      get: { args: ['priorityclass', 'high'], check: (o) => o.value === 1000 && o.description === 'important' && o.globalDefault === undefined },
    },
    {
      name: 'create priorityclass --value=0 keeps 0',
      args: ['create', 'priorityclass', 'none', '--value=0'],
      stdout: /^priorityclass.scheduling.k8s.io\/none created$/,
      get: { args: ['priorityclass', 'none'], check: (o) => o.value === 0 },
    },
    {
      name: 'create role',
      args: ['create', 'role', 'reader', '--verb=get,list', '--resource=pods', ...ns],
      stdout: /^role.rbac.authorization.k8s.io\/reader created$/,
      get: { args: ['role', 'reader', ...ns], check: (o) => o.rules[0].verbs.join() === 'get,list' && o.rules[0].resources[0] === 'pods' && o.rules[0].apiGroups[0] === '' },
    },
    {
      name: 'create rolebinding',
      args: ['create', 'rolebinding', 'reader', '--role=reader', '--user=bob', '--serviceaccount=pb:robot', ...ns],
      stdout: /^rolebinding.rbac.authorization.k8s.io\/reader created$/,
      get: { args: ['rolebinding', 'reader', ...ns], check: (o) => o.roleRef.kind === 'Role' && o.roleRef.name === 'reader' && o.subjects.length === 2 && o.subjects[1].kind === 'ServiceAccount' },
    },
    {
      name: 'create clusterrole',
      args: ['create', 'clusterrole', 'node-reader', '--verb=get', '--resource=nodes'],
      stdout: /^clusterrole.rbac.authorization.k8s.io\/node-reader created$/,
      get: { args: ['clusterrole', 'node-reader'], check: (o) => o.rules[0].resources[0] === 'nodes' },
    },
    {
      name: 'create clusterrolebinding',
      args: ['create', 'clusterrolebinding', 'node-reader', '--clusterrole=node-reader', '--group=ops'],
      stdout: /^clusterrolebinding.rbac.authorization.k8s.io\/node-reader created$/,
      get: { args: ['clusterrolebinding', 'node-reader'], check: (o) => o.roleRef.name === 'node-reader' && o.subjects[0].kind === 'Group' && o.subjects[0].name === 'ops' },
    },
    {
      name: 'create pdb (maxUnavailable 0 kept)',
      args: ['create', 'pdb', 'web', '--selector=app=web', '--max-unavailable=0', ...ns],
      stdout: /^poddisruptionbudget.policy\/web created$/,
      get: { args: ['pdb', 'web', ...ns], check: (o) => o.spec.maxUnavailable === 0 && o.spec.selector.matchLabels.app === 'web' },
    },
    {
      name: 'create ingress',
      args: ['create', 'ingress', 'web', '--rule=web.example/api*=web:80', ...ns],
      stdout: /^ingress.networking.k8s.io\/web created$/,
      get: { args: ['ingress', 'web', ...ns], check: (o) => o.spec.rules[0].host === 'web.example' && o.spec.rules[0].http.paths[0].path === '/api' && o.spec.rules[0].http.paths[0].pathType === 'Prefix' && o.spec.rules[0].http.paths[0].backend.service.port.number === 80 },
    },
    {
      name: 'autoscale deployment (HorizontalPodAutoscaler)',
      args: ['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu-percent=70', ...ns],
      stdout: /^horizontalpodautoscaler.autoscaling\/web autoscaled$/,
      get: { args: ['hpa', 'web', ...ns], check: (o) => o.spec.minReplicas === 2 && o.spec.maxReplicas === 5 && o.spec.scaleTargetRef.name === 'web' },
    },
    { name: 'auth can-i (SelfSubjectAccessReview)', args: ['auth', 'can-i', 'create', 'pods', ...ns], stdout: /^yes$/ },
    { name: 'auth can-i --list (SelfSubjectRulesReview)', args: ['auth', 'can-i', '--list', ...ns], stdout: /Resources\s+Non-Resource URLs[\s\S]*\*\.\*/ },
    { name: 'auth whoami (SelfSubjectReview)', args: ['auth', 'whoami'], stdout: /Username\s+kubernetes-admin[\s\S]*system:masters/ },
  ];
}

async function scenario(t: ExecutionContext, bin: string, srv: RunningApiServer, dir: string, list: Case[]): Promise<string[]> {
  const k = (args: string[]) => run(bin, srv.kubeconfigPath, dir, args);
  const seen: string[] = [];
  for (const tc of list) {
    const r = await k(tc.args);
    const what = `${tc.name}: kubectl ${tc.args.join(' ')}`;
    if (!t.is(r.code, 0, `${what}: ${r.stderr}`)) continue;
    t.regex(r.stdout.trim(), tc.stdout, what);
    t.is(r.stderr.trim(), '', `${what}: no warnings`);
    if (tc.get) {
      const g = await k(['get', ...tc.get.args, '-o', 'json']);
      t.is(g.code, 0, `${what}: get: ${g.stderr}`);
      const obj = g.code === 0 ? (JSON.parse(g.stdout) as Obj) : {};
      let ok = false;
      try {
        ok = tc.get.check(obj);
      } catch {
        ok = false;
      }
      t.true(ok, `${what}: stored object ${g.stdout}`);
      if (!ok) continue;
    }
    seen.push(tc.name);
  }
  return seen;
}

test('kubectl typed-client commands send protobuf bodies and work', async (t) => {
  t.timeout(300_000);
  if (!existsSync(KUBECTL)) {
    t.log(`skipped: ${KUBECTL} not found`);
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-protobuf-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
  try {
    await srv.ready;
    // The request really is protobuf, and the response is JSON.
    const v = await run(KUBECTL, srv.kubeconfigPath, dir, ['create', 'configmap', 'wire', '-v=8']);
    t.is(v.code, 0, v.stderr);
    t.regex(v.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    t.regex(v.stderr, /Accept: application\/vnd\.kubernetes\.protobuf,\s*application\/json/);
    t.regex(v.stderr, /Response[\s\S]*Content-Type: application\/json/);

    const list = cases(dir);
    const seen = await scenario(t, KUBECTL, srv, dir, list);
    t.log(`working with ${KUBECTL}: ${seen.join('; ')}`);
    t.is(seen.length, list.length);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an older kubectl (1.27) also works', async (t) => {
  t.timeout(120_000);
  if (!existsSync(OLD_KUBECTL)) {
    t.log(`skipped: ${OLD_KUBECTL} not found`);
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-protobuf-old-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
  try {
    await srv.ready;
    const wanted = new Set(['create namespace', 'create configmap', 'create deployment --replicas=0 keeps 0 replicas', 'run', 'create serviceaccount', 'create token', 'auth can-i (SelfSubjectAccessReview)', 'create secret generic']);
    const list = cases(dir).filter((c) => wanted.has(c.name));
    const seen = await scenario(t, OLD_KUBECTL, srv, dir, list);
    t.log(`working with ${OLD_KUBECTL}: ${seen.join('; ')}`);
    t.is(seen.length, list.length);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
