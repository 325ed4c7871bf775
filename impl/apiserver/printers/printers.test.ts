import test from 'ava';
import type { KubeObject } from '../registry/rest/strategy.ts';
import { DEFAULT_TABLE_PRINTER, customResourcePrinter, formatEndpoints, formatHPAMetrics, printerFor } from './printers.ts';
import { humanDuration, translateTimestampSince } from './human-duration.ts';

const NOW = new Date('2026-01-01T00:10:00Z');
const CREATED = '2026-01-01T00:00:00Z'; // 10m before NOW

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', creationTimestamp: CREATED, ...extra });

interface Case {
  name: string;
  group: string;
  resource: string;
  obj: KubeObject;
  columns: string[];
  wideFrom?: number;
  cells: unknown[];
}

const cases: Case[] = [
  {
    name: 'running pod with readiness gates',
    group: '',
    resource: 'pods',
    obj: {
      metadata: meta('p'),
      spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeName: 'n1', readinessGates: [{ conditionType: 'x' }, { conditionType: 'y' }] },
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.0.0.1' }],
        conditions: [{ type: 'x', status: 'True' }, { type: 'y', status: 'False' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: '2026-01-01T00:09:00Z' } } },
          { name: 'b', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    },
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    wideFrom: 5,
    cells: ['p', '2/2', 'Running', '2 (60s ago)', '10m', '10.0.0.1', 'n1', '<none>', '1/2'],
  },
  {
    name: 'pending pod waiting on an image',
    group: '',
    resource: 'pods',
    obj: { metadata: meta('p'), spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } }] } },
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    cells: ['p', '0/1', 'ErrImagePull', '0', '10m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'pod in its second init container',
    group: '',
    resource: 'pods',
    obj: {
      metadata: meta('p'),
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }] },
    },
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    cells: ['p', '0/1', 'Init:1/2', '0', '10m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'terminating pod; a deleted succeeded pod stays Completed',
    group: '',
    resource: 'pods',
    obj: { metadata: meta('p', { deletionTimestamp: CREATED }), spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running' } },
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    cells: ['p', '0/1', 'Terminating', '0', '10m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'scheduling-gated pod',
    group: '',
    resource: 'pods',
    obj: { metadata: meta('p'), spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } },
    columns: ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates'],
    cells: ['p', '0/1', 'SchedulingGated', '0', '10m', '<none>', '<none>', '<none>', '<none>'],
  },
  {
    name: 'deployment',
    group: 'apps',
    resource: 'deployments',
    obj: { metadata: meta('web'), spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } },
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'],
    wideFrom: 5,
    cells: ['web', '2/3', 3, 2, '10m', 'c', 'busybox', 'app=web'],
  },
  {
    name: 'replicaset',
    group: 'apps',
    resource: 'replicasets',
    obj: { metadata: meta('rs'), spec: { replicas: 2, selector: { matchLabels: { app: 'x' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, template: { spec: { containers: [{ name: 'c', image: 'i' }, { name: 'd', image: 'j' }] } } }, status: { replicas: 2, readyReplicas: 1 } },
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['rs', 2, 2, 1, '10m', 'c,d', 'i,j', 'app=x,tier in (a,b)'],
  },
  {
    name: 'statefulset',
    group: 'apps',
    resource: 'statefulsets',
    obj: { metadata: meta('db'), spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { readyReplicas: 1 } },
    columns: ['Name', 'Ready', 'Age', 'Containers', 'Images'],
    cells: ['db', '1/3', '10m', 'c', 'i'],
  },
  {
    name: 'daemonset',
    group: 'apps',
    resource: 'daemonsets',
    obj: { metadata: meta('ds'), spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'c', image: 'i' }] } } }, status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, updatedNumberScheduled: 1, numberAvailable: 1 } },
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Up-to-date', 'Available', 'Node Selector', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['ds', 1, 1, 1, 1, 1, 'kubernetes.io/os=linux', '10m', 'c', 'i', 'a=b'],
  },
  {
    name: 'controllerrevision',
    group: 'apps',
    resource: 'controllerrevisions',
    obj: { metadata: meta('ds-1', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', controller: true }] }), revision: 2 },
    columns: ['Name', 'Controller', 'Revision', 'Age'],
    cells: ['ds-1', 'daemonset.apps/ds', 2, '10m'],
  },
  {
    name: 'job without completions and parallelism 3',
    group: 'batch',
    resource: 'jobs',
    obj: { metadata: meta('j'), spec: { parallelism: 3, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { succeeded: 0, startTime: '2026-01-01T00:05:00Z' } },
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['j', 'Running', '0/1 of 3', '5m', '10m', 'c', 'i', 'batch.kubernetes.io/controller-uid=u'],
  },
  {
    name: 'complete job',
    group: 'batch',
    resource: 'jobs',
    obj: { metadata: meta('j'), spec: { completions: 1, template: { spec: { containers: [] } } }, status: { succeeded: 1, startTime: '2026-01-01T00:05:00Z', completionTime: '2026-01-01T00:05:07Z', conditions: [{ type: 'Complete', status: 'True' }] } },
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['j', 'Complete', '1/1', '7s', '10m', '', '', '<none>'],
  },
  {
    name: 'cronjob',
    group: 'batch',
    resource: 'cronjobs',
    obj: { metadata: meta('cj'), spec: { schedule: '*/5 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } } }, status: { lastScheduleTime: '2026-01-01T00:08:00Z', active: [{}] } },
    columns: ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age', 'Containers', 'Images', 'Selector'],
    cells: ['cj', '*/5 * * * *', '<none>', 'False', 1, '2m', '10m', 'c', 'i', '<none>'],
  },
  {
    name: 'nodeport service',
    group: '',
    resource: 'services',
    obj: { metadata: meta('s'), spec: { type: 'NodePort', clusterIPs: ['10.0.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { b: '2', a: '1' } } },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['s', 'NodePort', '10.0.0.10', '<none>', '80:30080/TCP,53/UDP', '10m', 'a=1,b=2'],
  },
  {
    name: 'load balancer service without ingress, external name service',
    group: '',
    resource: 'services',
    obj: { metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIPs: ['10.0.0.11'], ports: [] } },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['lb', 'LoadBalancer', '10.0.0.11', '<pending>', '<none>', '10m', '<none>'],
  },
  {
    name: 'external name service',
    group: '',
    resource: 'services',
    obj: { metadata: meta('en'), spec: { type: 'ExternalName', externalName: 'example.com' } },
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector'],
    cells: ['en', 'ExternalName', '<none>', 'example.com', '<none>', '10m', '<none>'],
  },
  {
    name: 'endpointslice',
    group: 'discovery.k8s.io',
    resource: 'endpointslices',
    obj: { metadata: meta('s-abc'), addressType: 'IPv4', ports: [{ port: 80 }, { name: 'x' }], endpoints: [{ addresses: ['1.1.1.1'] }, { addresses: ['1.1.1.2'] }, { addresses: ['1.1.1.3'] }, { addresses: ['1.1.1.4'] }] },
    columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    cells: ['s-abc', 'IPv4', '80,x', '1.1.1.1,1.1.1.2,1.1.1.3 + 1 more...', '10m'],
  },
  {
    name: 'empty endpointslice',
    group: 'discovery.k8s.io',
    resource: 'endpointslices',
    obj: { metadata: meta('s-abc'), addressType: 'IPv4' },
    columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    cells: ['s-abc', 'IPv4', '<unset>', '<unset>', '10m'],
  },
  {
    name: 'ingress',
    group: 'networking.k8s.io',
    resource: 'ingresses',
    obj: { metadata: meta('ing'), spec: { ingressClassName: 'nginx', rules: [{ host: 'a.com' }, {}], tls: [{}] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } },
    columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    cells: ['ing', 'nginx', 'a.com', '1.2.3.4', '80, 443', '10m'],
  },
  {
    name: 'networkpolicy with an empty pod selector',
    group: 'networking.k8s.io',
    resource: 'networkpolicies',
    obj: { metadata: meta('np'), spec: { podSelector: {} } },
    columns: ['Name', 'Pod-Selector', 'Age'],
    cells: ['np', '<none>', '10m'],
  },
  {
    name: 'secret',
    group: '',
    resource: 'secrets',
    obj: { metadata: meta('s'), type: 'Opaque', data: { a: 'eA==', b: 'eQ==' } },
    columns: ['Name', 'Type', 'Data', 'Age'],
    cells: ['s', 'Opaque', 2, '10m'],
  },
  {
    name: 'node with roles, cordoned and not ready',
    group: '',
    resource: 'nodes',
    obj: {
      metadata: meta('n', { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' } }),
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }], addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], nodeInfo: { kubeletVersion: 'v1.35.0' } },
    },
    columns: ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    cells: ['n', 'NotReady,SchedulingDisabled', 'control-plane,worker', '10m', 'v1.35.0', '10.0.0.5', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  },
  {
    name: 'event from a new-style recorder',
    group: '',
    resource: 'events',
    obj: { metadata: meta('p.1'), involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{c}' }, reason: 'Pulled', type: 'Normal', message: ' pulled \n', eventTime: '2026-01-01T00:09:00.000000Z', reportingController: 'kubelet', reportingInstance: 'n1' },
    columns: ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'],
    cells: ['60s', 'Normal', 'Pulled', 'pod/p', 'spec.containers{c}', 'kubelet, n1', 'pulled', '60s', 1, 'p.1'],
  },
  {
    name: 'bound persistent volume',
    group: '',
    resource: 'persistentvolumes',
    obj: { metadata: meta('pv'), spec: { capacity: { storage: '2048Mi' }, accessModes: ['ReadOnlyMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'ns', name: 'c' }, storageClassName: 'fast', volumeMode: 'Filesystem' }, status: { phase: 'Bound' } },
    columns: ['Name', 'Capacity', 'Access Modes', 'Reclaim Policy', 'Status', 'Claim', 'StorageClass', 'VolumeAttributesClass', 'Reason', 'Age', 'VolumeMode'],
    cells: ['pv', '2Gi', 'RWO,ROX', 'Retain', 'Bound', 'ns/c', 'fast', '<unset>', '', '10m', 'Filesystem'],
  },
  {
    name: 'pending claim',
    group: '',
    resource: 'persistentvolumeclaims',
    obj: { metadata: meta('c'), spec: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } },
    columns: ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode'],
    cells: ['c', 'Pending', '', '', '', 'standard', '<unset>', '10m', '<unset>'],
  },
  {
    name: 'bound claim',
    group: '',
    resource: 'persistentvolumeclaims',
    obj: { metadata: meta('c'), spec: { volumeName: 'pv', volumeMode: 'Filesystem' }, status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } },
    columns: ['Name', 'Status', 'Volume', 'Capacity', 'Access Modes', 'StorageClass', 'VolumeAttributesClass', 'Age', 'VolumeMode'],
    cells: ['c', 'Bound', 'pv', '1Gi', 'RWO', '', '<unset>', '10m', 'Filesystem'],
  },
  {
    name: 'default storage class',
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    obj: { metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }), provisioner: 'p', volumeBindingMode: 'WaitForFirstConsumer' },
    columns: ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
    cells: ['standard (default)', 'p', 'Delete', 'WaitForFirstConsumer', false, '10m'],
  },
  {
    name: 'pdb',
    group: 'policy',
    resource: 'poddisruptionbudgets',
    obj: { metadata: meta('pdb'), spec: { maxUnavailable: '50%' }, status: { disruptionsAllowed: 1 } },
    columns: ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'],
    cells: ['pdb', 'N/A', '50%', 1, '10m'],
  },
  {
    name: 'priorityclass',
    group: 'scheduling.k8s.io',
    resource: 'priorityclasses',
    obj: { metadata: meta('high'), value: 1000, preemptionPolicy: 'PreemptLowerPriority' },
    columns: ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'],
    cells: ['high', 1000, false, '10m', 'PreemptLowerPriority'],
  },
  {
    name: 'rolebinding',
    group: 'rbac.authorization.k8s.io',
    resource: 'rolebindings',
    obj: { metadata: meta('rb'), roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }] },
    columns: ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts'],
    cells: ['rb', 'ClusterRole/view', '10m', 'a, b', 'g', 'ns/sa'],
  },
  {
    name: 'approved and issued csr',
    group: 'certificates.k8s.io',
    resource: 'certificatesigningrequests',
    obj: { metadata: meta('csr'), spec: { signerName: 'kubernetes.io/kube-apiserver-client', username: 'alice', expirationSeconds: 86400 }, status: { conditions: [{ type: 'Approved' }], certificate: 'Zm9v' } },
    columns: ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition'],
    cells: ['csr', '10m', 'kubernetes.io/kube-apiserver-client', 'alice', '24h', 'Approved,Issued'],
  },
  {
    name: 'hpa',
    group: 'autoscaling',
    resource: 'horizontalpodautoscalers',
    obj: { metadata: meta('h'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }, status: { currentReplicas: 2 } },
    columns: ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
    cells: ['h', 'Deployment/web', 'cpu: <unknown>/50%', '1', 5, 2, '10m'],
  },
  {
    name: 'resourcequota',
    group: '',
    resource: 'resourcequotas',
    obj: { metadata: meta('rq'), status: { hard: { pods: '20', 'requests.cpu': '4', 'limits.memory': '8Gi' }, used: { pods: '5', 'limits.memory': '512Mi' } } },
    columns: ['Name', 'Request', 'Limit', 'Age'],
    cells: ['rq', 'pods: 5/20, requests.cpu: 0/4', 'limits.memory: 512Mi/8Gi', '10m'],
  },
  {
    name: 'lease',
    group: 'coordination.k8s.io',
    resource: 'leases',
    obj: { metadata: meta('n1'), spec: { holderIdentity: 'n1' } },
    columns: ['Name', 'Holder', 'Age'],
    cells: ['n1', 'n1', '10m'],
  },
  {
    name: 'roles use the default table',
    group: 'rbac.authorization.k8s.io',
    resource: 'roles',
    obj: { metadata: meta('r') },
    columns: ['Name', 'Created At'],
    cells: ['r', CREATED],
  },
  {
    name: 'local apiservice',
    group: 'apiregistration.k8s.io',
    resource: 'apiservices',
    obj: { metadata: meta('v1.apps'), spec: { group: 'apps', version: 'v1' }, status: { conditions: [{ type: 'Available', status: 'True', reason: 'Local' }] } },
    columns: ['Name', 'Service', 'Available', 'Age'],
    cells: ['v1.apps', 'Local', 'True', '10m'],
  },
  {
    name: 'unavailable aggregated apiservice',
    group: 'apiregistration.k8s.io',
    resource: 'apiservices',
    obj: { metadata: meta('v1beta1.metrics.k8s.io'), spec: { service: { namespace: 'kube-system', name: 'metrics-server' } }, status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] } },
    columns: ['Name', 'Service', 'Available', 'Age'],
    cells: ['v1beta1.metrics.k8s.io', 'kube-system/metrics-server', 'False (MissingEndpoints)', '10m'],
  },
  {
    name: 'webhook configuration',
    group: 'admissionregistration.k8s.io',
    resource: 'validatingwebhookconfigurations',
    obj: { metadata: meta('w'), webhooks: [{}, {}] },
    columns: ['Name', 'Webhooks', 'Age'],
    cells: ['w', 2, '10m'],
  },
];

for (const c of cases) {
  test(`printer: ${c.name}`, (t) => {
    const p = printerFor(c.group, c.resource);
    t.deepEqual(p.columns.map((x) => x.name), c.columns);
    t.is(p.columns[0]!.format === 'name' || c.columns[0] !== 'Name', true);
    if (c.wideFrom !== undefined) t.deepEqual(p.columns.map((x) => x.priority), c.columns.map((_, i) => (i >= c.wideFrom! ? 1 : 0)));
    const cells = p.cells(c.obj, NOW);
    t.is(cells.length, p.columns.length);
    t.deepEqual(cells, c.cells);
  });
}

test('the default table prints RFC 3339 creation times', (t) => {
  t.deepEqual(DEFAULT_TABLE_PRINTER.cells({ metadata: meta('x') }, NOW), ['x', CREATED]);
});

test('custom resources without printer columns get Age', (t) => {
  const p = customResourcePrinter(undefined);
  t.deepEqual(p.columns.map((c) => c.name), ['Name', 'Age']);
  t.deepEqual(p.cells({ metadata: meta('w') }, NOW), ['w', '10m']);
});

const endpointCases: Array<{ name: string; subsets: unknown[]; want: string }> = [
  { name: 'no subsets', subsets: [], want: '<none>' },
  { name: 'ports outer, addresses inner', subsets: [{ addresses: [{ ip: '1.1.1.1' }, { ip: '1.1.1.2' }], ports: [{ port: 80 }, { port: 443 }] }], want: '1.1.1.1:80,1.1.1.2:80,1.1.1.1:443 + 1 more...' },
  { name: 'headless without ports', subsets: [{ addresses: [{ ip: '1.1.1.1' }] }], want: '1.1.1.1' },
  { name: 'IPv6 in brackets', subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }], want: '[fd00::1]:80' },
  { name: 'only not-ready addresses', subsets: [{ notReadyAddresses: [{ ip: '1.1.1.1' }], ports: [{ port: 80 }] }], want: '' },
];
for (const c of endpointCases) {
  test(`formatEndpoints: ${c.name}`, (t) => {
    t.is(formatEndpoints({ metadata: meta('e'), subsets: c.subsets }), c.want);
  });
}

test('formatHPAMetrics shows two metrics then a count', (t) => {
  const specs = [
    { type: 'Resource', resource: { name: 'cpu', target: { averageUtilization: 50 } } },
    { type: 'Pods', pods: { target: { averageValue: '1k' } } },
    { type: 'External', external: { target: { value: '10' } } },
  ];
  t.is(formatHPAMetrics(specs, [{ resource: { current: { averageUtilization: 12 } } }]), 'cpu: 12%/50%, <unknown>/1k + 1 more...');
  t.is(formatHPAMetrics([], []), '<none>');
});

const durations: Array<[number, string]> = [
  [-5, '<invalid>'],
  [-1, '0s'],
  [0, '0s'],
  [119, '119s'],
  [120, '2m'],
  [125, '2m5s'],
  [600, '10m'],
  [3 * 3600 - 1, '179m'],
  [3 * 3600, '3h'],
  [3 * 3600 + 60 * 5, '3h5m'],
  [8 * 3600, '8h'],
  [47 * 3600, '47h'],
  [48 * 3600, '2d'],
  [50 * 3600, '2d2h'],
  [8 * 86400, '8d'],
  [800 * 86400, '2y70d'],
  [3650 * 86400, '10y'],
];
for (const [secs, want] of durations) {
  test(`humanDuration(${secs}) = ${want}`, (t) => {
    t.is(humanDuration(secs), want);
  });
}

test('translateTimestampSince of an unset time is <unknown>', (t) => {
  t.is(translateTimestampSince(undefined, NOW), '<unknown>');
  t.is(translateTimestampSince(CREATED, NOW), '10m');
});

test('events.k8s.io events print like core events', (t) => {
  const p = printerFor('events.k8s.io', 'events');
  const obj = { metadata: meta('p.2'), regarding: { kind: 'Pod', name: 'p' }, reason: 'Killing', type: 'Normal', note: 'Stopping', eventTime: '2026-01-01T00:09:00.000000Z', reportingController: 'kubelet', reportingInstance: 'n1', series: { count: 3, lastObservedTime: '2026-01-01T00:09:30.000000Z' } };
  t.deepEqual(p.cells(obj, NOW), ['30s', 'Normal', 'Killing', 'pod/p', '', 'kubelet, n1', 'Stopping', '60s', 3, 'p.2']);
});

test('custom resource columns: filters, Go formatting of strings, typed cells as upstream', (t) => {
  const p = customResourcePrinter([
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
    { name: 'Labels', type: 'string', jsonPath: '.spec.selector' },
    { name: 'Bad', type: 'integer', jsonPath: '.spec.name' },
    { name: 'Missing', type: 'string', jsonPath: '.status.nothing' },
    { name: 'Started', type: 'date', jsonPath: '.status.startTime' },
    { name: 'Garbled', type: 'date', jsonPath: '.spec.name' },
  ]);
  const obj = { metadata: meta('w'), spec: { replicas: 2.0, ratio: 0.5, selector: { b: 'x', a: 'y' }, name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }], startTime: '2026-01-01T00:08:00Z' } };
  t.deepEqual(p.cells(obj, NOW), ['w', 'True', 2, 0.5, 'map[a:y b:x]', null, null, '2m', '<invalid>']);
});
