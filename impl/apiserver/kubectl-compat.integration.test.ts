/**
 * kubectl compatibility sweep against `startApiServer` alone (no controllers, no kubelet): the
 * columns `kubectl get` prints for every common kind, the cells derived from status (written
 * through the status subresource), output formats, and the everyday commands whose output only
 * depends on the apiserver. Expected outputs are those of a real 1.35 cluster with kubectl 1.32.
 * Skips with a message when /usr/bin/kubectl is missing.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { startApiServer, type RunningApiServer } from './server.ts';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(kubeconfig: string, home: string, args: string[], stdin?: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: home, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** header splits kubectl's first output line into column names. */
const header = (out: string) => out.split('\n')[0]!.trim().split(/\s{2,}/);
/** row returns the cells of the line starting with `name`. */
const row = (out: string, name: string) => (out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '').trim().split(/\s{2,}/);

const OBJECTS = `apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {node-role.kubernetes.io/control-plane: ""}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec:
  containers: [{name: c, image: busybox}]
  readinessGates: [{conditionType: example.com/ready}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: c, image: busybox}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: job1}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: ing}
spec:
  tls: [{hosts: [a.example.com]}]
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadOnlyMany, ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/pv1}
  storageClassName: manual
  claimRef: {namespace: default, name: claim1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: claim1}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 1Gi}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: example.com/local
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r1}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb1}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r1}
subjects:
- {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: default, namespace: default}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: hpa}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: rq}
spec:
  hard: {pods: "20", requests.cpu: "4", limits.memory: 8Gi}
---
apiVersion: v1
kind: LimitRange
metadata: {name: lr}
spec:
  limits:
  - type: Container
    default: {cpu: 500m}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lease1}
spec: {holderIdentity: me}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: n1, namespace: kube-node-lease}
spec: {holderIdentity: n1}
---
apiVersion: v1
kind: Secret
metadata: {name: s1}
stringData: {a: x, b: "y"}  # a bare y is YAML 1.1 true: upstream rejects it
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1"}
---
apiVersion: v1
kind: Event
metadata: {name: p1.abc}
involvedObject: {kind: Pod, name: p1, namespace: default, fieldPath: "spec.containers{c}"}
reason: Tested
message: "hello "
type: Normal
count: 2
source: {component: tester, host: n1}
`;

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`;

const HEADERS: Array<{ args: string[]; columns: string[] }> = [
  { args: ['pods', '-o', 'wide'], columns: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] },
  { args: ['deployments', '-o', 'wide'], columns: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'] },
  { args: ['statefulsets'], columns: ['NAME', 'READY', 'AGE'] },
  { args: ['daemonsets'], columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'] },
  { args: ['jobs'], columns: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'] },
  { args: ['cronjobs'], columns: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'] },
  { args: ['services', '-o', 'wide'], columns: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'] },
  { args: ['ingress'], columns: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'] },
  { args: ['configmaps'], columns: ['NAME', 'DATA', 'AGE'] },
  { args: ['secrets'], columns: ['NAME', 'TYPE', 'DATA', 'AGE'] },
  { args: ['namespaces'], columns: ['NAME', 'STATUS', 'AGE'] },
  { args: ['pv'], columns: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'] },
  { args: ['pvc', '-o', 'wide'], columns: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', 'VOLUMEMODE'] },
  { args: ['storageclass'], columns: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'] },
  { args: ['pdb'], columns: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'] },
  { args: ['priorityclass', '-o', 'wide'], columns: ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'] },
  { args: ['roles'], columns: ['NAME', 'CREATED AT'] },
  { args: ['rolebindings', '-o', 'wide'], columns: ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS'] },
  { args: ['clusterroles'], columns: ['NAME', 'CREATED AT'] },
  { args: ['leases'], columns: ['NAME', 'HOLDER', 'AGE'] },
  { args: ['hpa'], columns: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'] },
  { args: ['resourcequota'], columns: ['NAME', 'REQUEST', 'LIMIT', 'AGE'] },
  { args: ['limitrange'], columns: ['NAME', 'CREATED AT'] },
  { args: ['nodes', '-o', 'wide'], columns: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] },
  { args: ['serviceaccounts'], columns: ['NAME', 'SECRETS', 'AGE'] },
];

async function scenario(t: import('ava').ExecutionContext, srv: RunningApiServer, dir: string): Promise<void> {
  const kc = srv.kubeconfigPath;
  const k = (args: string[], stdin?: string, env?: Record<string, string>) => kubectl(kc, dir, args, stdin, env);
  const ok = async (args: string[], stdin?: string) => {
    const r = await k(args, stdin);
    t.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(['apply', '-f', '-'], OBJECTS);
  await ok(['create', 'sa', 'default']).catch(() => undefined);

  // Columns of every common kind.
  for (const h of HEADERS) {
    const out = await ok(['get', ...h.args]);
    t.deepEqual(header(out), h.columns, `kubectl get ${h.args.join(' ')}`);
  }
  const events = await ok(['get', 'events', '-A', '-o', 'wide']);
  t.deepEqual(header(events), ['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
  t.deepEqual(row(events, 'default').slice(2), ['Normal', 'Tested', 'pod/p1', 'spec.containers{c}', 'tester, n1', 'hello', '<unknown>', '2', 'p1.abc']);
  t.deepEqual(header(await ok(['get', 'events'])), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);

  // Cells computed from spec and status.
  await ok(['patch', 'pod', 'p1', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Pending', conditions: [{ type: 'example.com/ready', status: 'True' }], containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] } })]);
  const pod = row(await ok(['get', 'pods', '-o', 'wide']), 'p1');
  t.deepEqual([pod[1], pod[2], pod[3], pod[5], pod[6], pod[7], pod[8]], ['0/1', 'ContainerCreating', '0', '<none>', '<none>', '<none>', '1/1']);
  t.deepEqual(row(await ok(['get', 'deploy', '-o', 'wide']), 'web').filter((_, i) => i !== 4), ['web', '0/2', '0', '0', 'c', 'busybox', 'app=web']);
  t.deepEqual(row(await ok(['get', 'ds']), 'ds').slice(0, 7), ['ds', '0', '0', '0', '0', '0', 'kubernetes.io/os=linux']);
  t.deepEqual(row(await ok(['get', 'jobs']), 'job1').slice(0, 3), ['job1', 'Running', '0/1']);
  t.deepEqual(row(await ok(['get', 'cronjobs']), 'cj').slice(0, 6), ['cj', '*/5 * * * *', '<none>', 'False', '0', '<none>']);
  const svc = row(await ok(['get', 'svc', '-o', 'wide']), 'web');
  t.deepEqual([svc[1], svc[3], svc[4], svc[6]], ['NodePort', '<none>', '80:30080/TCP', 'app=web']);
  t.regex(await ok(['get', 'ingress']), /\ning +<none> +a\.example\.com {13}80, 443 +\S+\n/);
  t.deepEqual(row(await ok(['get', 'secrets']), 's1').slice(0, 3), ['s1', 'Opaque', '2']);
  t.deepEqual(row(await ok(['get', 'pv']), 'pv1').slice(0, 7), ['pv1', '2Gi', 'RWO,ROX', 'Retain', 'Pending', 'default/claim1', 'manual']);
  t.deepEqual(row(await ok(['get', 'pvc']), 'claim1').slice(0, 3), ['claim1', 'Pending', 'manual']);
  t.deepEqual(row(await ok(['get', 'storageclass']), 'local (default)').slice(0, 5), ['local (default)', 'example.com/local', 'Delete', 'WaitForFirstConsumer', 'false']);
  t.deepEqual(row(await ok(['get', 'pdb']), 'pdb').slice(0, 4), ['pdb', '1', 'N/A', '0']);
  t.deepEqual(row(await ok(['get', 'priorityclass']), 'high').slice(0, 3), ['high', '1000', 'false']);
  t.deepEqual(row(await ok(['get', 'rolebindings', '-o', 'wide']), 'rb1').filter((_, i) => i !== 2), ['rb1', 'Role/r1', 'alice, bob', 'devs', 'default/default']);
  t.deepEqual(row(await ok(['get', 'hpa']), 'hpa').slice(0, 6), ['hpa', 'Deployment/web', 'cpu: <unknown>/50%', '1', '5', '0']);
  await ok(['patch', 'resourcequota', 'rq', '--subresource=status', '--type=merge', '-p', '{"status":{"hard":{"pods":"20","requests.cpu":"4","limits.memory":"8Gi"},"used":{"pods":"1","requests.cpu":"0","limits.memory":"0"}}}']);
  t.deepEqual(row(await ok(['get', 'quota']), 'rq').slice(0, 3), ['rq', 'pods: 1/20, requests.cpu: 0/4', 'limits.memory: 0/8Gi']);
  t.deepEqual(row(await ok(['get', 'leases']), 'lease1').slice(0, 2), ['lease1', 'me']);
  t.deepEqual(row(await ok(['get', 'nodes', '-o', 'wide']), 'n1').filter((_, i) => i !== 3), ['n1', 'Unknown', 'control-plane', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'].filter((c) => c !== ''));

  // Output formats.
  t.is((await ok(['get', 'deploy', '-o', 'name'])).trim(), 'deployment.apps/web');
  t.is(await ok(['get', 'pod', 'p1', '-o', 'jsonpath={.spec.containers[0].image}']), 'busybox');
  t.regex(await ok(['get', 'pods', '-o', 'custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image']), /^NAME\s+IMAGE\np1\s+busybox\n$/);
  t.is(await ok(['get', 'deploy', 'web', '-o', 'go-template={{.metadata.name}}:{{.spec.replicas}}']), 'web:2');
  t.regex(await ok(['get', 'pods', '--show-labels']), /LABELS\np1\s+.*app=web\n/);
  t.regex(await ok(['get', 'pods', '-L', 'app']), /AGE\s+APP\np1\s+.*web\n/);
  t.regex(await ok(['get', 'pods', '-A']), /^NAMESPACE\s+NAME\s+READY/);
  t.is((await ok(['get', 'priorityclass', '--sort-by=.value', '-o', 'name'])).split('\n')[0], 'priorityclass.scheduling.k8s.io/high');
  t.regex(await ok(['get', 'deploy', 'web', '-o', 'yaml']), /^apiVersion: apps\/v1\nkind: Deployment\n/);
  t.is(JSON.parse(await ok(['get', 'svc', 'web', '-o', 'json'])).spec.ports[0].nodePort, 30080);
  t.is((await ok(['get', 'svc', '--field-selector', 'spec.type=NodePort', '-o', 'name'])).trim(), 'service/web');
  t.is((await ok(['get', 'svc', '-A', '--field-selector', 'spec.clusterIP!=None,spec.type=ClusterIP', '-o', 'name'])).trim(), 'service/kubernetes');

  // Everyday commands whose output depends only on the apiserver.
  await ok(['label', 'pod', 'p1', 'tier=a']);
  const relabel = await k(['label', 'pod', 'p1', 'tier=b']);
  t.is(relabel.code, 1);
  t.regex(relabel.stderr, /error: 'tier' already has a value \(a\), and --overwrite is false/);
  t.regex(await ok(['label', 'pod', 'p1', 'tier=b', '--overwrite']), /pod\/p1 labeled/);
  await ok(['annotate', 'pod', 'p1', 'note=x']);
  const reannotate = await k(['annotate', 'pod', 'p1', 'note=y']);
  t.is(reannotate.code, 1);
  t.regex(reannotate.stderr, /--overwrite is false but found the following declared annotation\(s\): 'note' already has a value \(x\)/);
  const edit = await k(['edit', 'deploy', 'web'], undefined, { EDITOR: 'true' });
  t.is(edit.code, 0);
  t.regex(edit.stderr, /Edit cancelled, no changes made\./);
  t.regex(await ok(['scale', 'deploy', 'web', '--replicas=3']), /deployment.apps\/web scaled/);
  t.regex(await ok(['set', 'image', 'deploy/web', 'c=busybox:1.36']), /deployment.apps\/web image updated/);
  t.regex(await ok(['set', 'env', 'deploy/web', 'FOO=bar']), /deployment.apps\/web env updated/);
  t.regex(await ok(['set', 'resources', 'deploy/web', '-c', 'c', '--limits=cpu=200m']), /deployment.apps\/web resource requirements updated/);
  t.regex(await ok(['rollout', 'pause', 'deploy/web']), /deployment.apps\/web paused/);
  t.regex(await ok(['rollout', 'resume', 'deploy/web']), /deployment.apps\/web resumed/);
  t.regex(await ok(['rollout', 'restart', 'deploy/web']), /deployment.apps\/web restarted/);
  t.is(await ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].env[0].value} {.spec.template.spec.containers[0].resources.limits.cpu}']), '3 bar 200m');

  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dcm, labels: {grp: pr}}\ndata: {a: "1"}\n';
  writeFileSync(join(dir, 'dcm.yaml'), cm);
  await ok(['apply', '-f', join(dir, 'dcm.yaml')]);
  t.is((await k(['diff', '-f', join(dir, 'dcm.yaml')])).code, 0);
  writeFileSync(join(dir, 'dcm.yaml'), cm.replace('"1"', '"2"'));
  const diff = await k(['diff', '-f', join(dir, 'dcm.yaml')]);
  t.is(diff.code, 1);
  t.regex(diff.stdout, /-  a: "1"\n\+  a: "2"/);
  await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pb, labels: {grp: pr}}\n');
  t.regex(await ok(['apply', '-f', join(dir, 'dcm.yaml'), '-l', 'grp=pr', '--prune']), /configmap\/dcm configured\nconfigmap\/pb pruned/);

  // Nodes: cordon, taint and their messages.
  t.regex(await ok(['cordon', 'n1']), /node\/n1 cordoned/);
  t.is(row(await ok(['get', 'nodes']), 'n1')[1], 'Unknown,SchedulingDisabled');
  t.regex(await ok(['uncordon', 'n1']), /node\/n1 uncordoned/);
  t.regex(await ok(['taint', 'nodes', 'n1', 'k=v:NoSchedule']), /node\/n1 tainted/);
  const retaint = await k(['taint', 'nodes', 'n1', 'k=v:NoSchedule']);
  t.is(retaint.code, 1);
  t.regex(retaint.stderr, /error: node n1 already has k taint\(s\) with same effect\(s\) and --overwrite is false/);
  t.regex(await ok(['taint', 'nodes', 'n1', 'k:NoSchedule-']), /node\/n1 untainted/);

  t.regex(await ok(['expose', 'deploy', 'web', '--port=8080', '--name=web2']), /service\/web2 exposed/);
  t.deepEqual(row(await ok(['get', 'svc', 'web2']), 'web2').slice(4, 5), ['8080/TCP']);

  // describe reads events and related objects without client errors.
  for (const what of [['pod', 'p1'], ['deployment', 'web'], ['service', 'web'], ['namespace', 'default'], ['pvc', 'claim1'], ['node', 'n1']]) {
    const d = await k(['describe', ...what, '-v=6']);
    t.is(d.code, 0, `describe ${what.join(' ')}: ${d.stderr}`);
    t.notRegex(d.stderr, / [45]\d\d (Not Found|Bad Request|Forbidden|Method Not Allowed|Not Acceptable|Unprocessable|Internal)/, `describe ${what.join(' ')}`);
  }
  t.regex(await ok(['describe', 'namespace', 'default']), /Resource Quotas\n\s+Name:\s+rq/);

  // Discovery-backed commands and messages.
  const top = await k(['top', 'pods']);
  t.is(top.code, 1);
  t.regex(top.stderr, /error: Metrics API not available/);
  t.regex(await ok(['explain', 'pods.spec.containers', '--recursive']), /FIELD: containers <\[\]Container>[\s\S]*livenessProbe\s+<Probe>/);
  t.regex(await ok(['api-resources', '-o', 'wide']), /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s+VERBS\s+CATEGORIES\n/);
  t.true((await ok(['api-versions'])).split('\n').includes('policy/v1'));
  t.regex(await ok(['version']), /Server Version: v1\.35\./);
  t.regex(await ok(['cluster-info']), /Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+/);
  t.is((await ok(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
  const canI = await ok(['auth', 'can-i', '--list']);
  t.regex(canI, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs\n\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
  t.is(canI.match(/^\s+\[\*\]\s+\[\]\s+\[\*\]\s*$/gm)?.length, 1, `the [*] non-resource row once:\n${canI}`);
  // ComponentStatus: list served, the deprecation warning printed, etcd-0 healthy.
  const cs = await k(['get', 'cs']);
  t.is(cs.code, 0, cs.stderr);
  t.regex(cs.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
  t.regex(cs.stdout, /^etcd-0\s+Healthy\s+ok\s*$/m);
  // Values that do not fit the Go types are rejected, not stored.
  const badCm = await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad-types}\ndata: {a: 1}\n');
  t.not(badCm.code, 0);
  t.regex(badCm.stderr, /ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap\.data of type string/);

  // CSR approval (no signer here: Approved, not Issued).
  const csr = `apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata: {name: bob}\nspec:\n  request: ${csrPemBase64()}\n  signerName: kubernetes.io/kube-apiserver-client\n  expirationSeconds: 86400\n  usages: [client auth]\n`;
  await ok(['apply', '-f', '-'], csr);
  t.regex(await ok(['certificate', 'approve', 'bob']), /certificatesigningrequest.certificates.k8s.io\/bob approved/);
  t.deepEqual(row(await ok(['get', 'csr']), 'bob').slice(2), ['kubernetes.io/kube-apiserver-client', 'kubernetes-admin', '24h', 'Approved']);
  t.is((await ok(['get', 'csr', '--field-selector', 'spec.signerName=kubernetes.io/kube-apiserver-client', '-o', 'name'])).trim(), 'certificatesigningrequest.certificates.k8s.io/bob');

  // Custom resource printer columns with a JSONPath filter, as operators declare them.
  await ok(['apply', '-f', '-'], CRD);
  await ok(['wait', '--for', 'condition=established', 'crd/gadgets.example.com', '--timeout=10s']);
  await ok(['apply', '-f', '-'], 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 3}\nstatus: {conditions: [{type: Synced, status: "False"}, {type: Ready, status: "True"}]}\n');
  const gadgets = await ok(['get', 'gadgets']);
  t.deepEqual(header(gadgets), ['NAME', 'SIZE', 'READY', 'AGE']);
  t.deepEqual(row(gadgets, 'g1').slice(0, 3), ['g1', '3', 'True']);
  t.deepEqual(header(await ok(['get', 'crd'])), ['NAME', 'CREATED AT']);

  // delete --wait and wait --for=delete (no finalizers, no kubelet: immediate).
  await ok(['create', 'configmap', 'gone']);
  t.regex(await ok(['delete', 'configmap', 'gone', '--wait']), /configmap "gone" deleted/);
  const waited = await k(['wait', '--for=delete', 'configmap/gone', '--timeout=5s']);
  t.is(waited.code, 0, waited.stderr);
}

/** csrPemBase64 builds a real PKCS#10 request for CN=bob and returns its PEM, base64-encoded. */
function csrPemBase64(): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  csr.setSubject([{ name: 'commonName', value: 'bob' }]);
  csr.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
  return Buffer.from(forge.pki.certificationRequestToPem(csr)).toString('base64');
}

test('kubectl compatibility sweep against the apiserver', async (t) => {
  t.timeout(240_000);
  if (!existsSync(KUBECTL)) {
    t.log(`skipped: ${KUBECTL} not found`);
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-compat-'));
  const srv = await startApiServer({ dataDir: dir, securePort: 0, log: () => {} });
  try {
    await srv.ready;
    await scenario(t, srv, dir);
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
