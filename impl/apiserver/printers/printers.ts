/**
 * Table printers: the server-side columns `kubectl get` shows (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
 * The server always prints the wide cells (priority-1 columns); kubectl hides them without `-o wide`.
 *
 * upstream: pkg/printers/internalversion/printers.go (AddHandlers and the print* functions),
 * pkg/printers/storage/storage.go (GenerateOptions{Wide: true}) and
 * staging/src/k8s.io/apiserver/pkg/registry/rest/table.go (default Name + Created At).
 */
import { formatLabels, labelSelectorAsSelector } from '#impl/apimachinery/labels/selector.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import type { KubeObject } from '../registry/rest/strategy.ts';
import { humanDuration, translateTimestampSince } from './human-duration.ts';
import { findResults, formatGoValue, parseJsonPath } from './jsonpath.ts';

export { humanDuration, translateTimestampSince } from './human-duration.ts';

/** TableColumnDefinition is a meta/v1 TableColumnDefinition. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** TablePrinter renders rows for one kind. */
export interface TablePrinter {
  columns: TableColumnDefinition[];
  cells(obj: KubeObject, now: Date): unknown[];
  /** Optional row conditions (upstream TableRow.conditions), e.g. `Completed` for finished pods. */
  rowConditions?(obj: KubeObject): TableRowCondition[] | undefined;
}

/** TableRowCondition is a meta/v1 TableRowCondition. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** POD_FINISHED_CONDITIONS mark Succeeded/Failed pod rows as upstream's pod printer does. */
const POD_FINISHED_CONDITIONS: Record<string, TableRowCondition[]> = {
  Succeeded: [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }],
  Failed: [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }],
};

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const col = (name: string, type = 'string', priority = 0, format = '', description = ''): TableColumnDefinition => ({ name, type, format, description, priority });

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';
const CONTAINERS_DESCRIPTION = 'Names of each container in the template.';
const IMAGES_DESCRIPTION = 'Images referenced by each container in the template.';

const nameCol = col('Name', 'string', 0, 'name', NAME_DESCRIPTION);
const ageCol = col('Age', 'string', 0, '', CREATION_TIMESTAMP_DESCRIPTION);
const containersCol = col('Containers', 'string', 1, '', CONTAINERS_DESCRIPTION);
const imagesCol = col('Images', 'string', 1, '', IMAGES_DESCRIPTION);
const age = (o: KubeObject, now: Date) => translateTimestampSince(o.metadata.creationTimestamp, now);
const orNone = (s: unknown) => (s === undefined || s === null || s === '' ? '<none>' : String(s));
const orUnset = (s: unknown) => (s === undefined || s === null ? '<unset>' : String(s));
const printBool = (b: unknown) => (b ? 'True' : 'False');
const printBoolPtr = (b: unknown) => (b === undefined || b === null ? '<unset>' : printBool(b));

/** quantityString renders a quantity canonically (upstream Quantity.String()); empty for a missing one. */
function quantityString(q: unknown): string {
  if (q === undefined || q === null || q === '') return '';
  try {
    return parseQuantity(String(q)).toString();
  } catch {
    return String(q);
  }
}

/** formatLabelSelector is upstream metav1.FormatLabelSelector: `<none>` for an empty or nil selector, `<error>` for a bad one. */
export function formatLabelSelector(sel: Obj | undefined | null): string {
  try {
    const s = labelSelectorAsSelector(sel as never).toString();
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}

/** layoutContainerCells joins container names and images with commas. */
function layoutContainerCells(containers: Obj[] | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

/** listWithMore shows the first `max` items then ` + N more...`; `<unset>` when empty (upstream listWithMoreString). */
function listWithMore(list: string[], max: number, empty = '<unset>'): string {
  if (list.length > max) return `${list.slice(0, max).join(',')} + ${list.length - max} more...`;
  return list.length ? list.join(',') : empty;
}

const joinHostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** DEFAULT_TABLE_PRINTER is upstream's default table: Name and Created At (RFC 3339). */
export const DEFAULT_TABLE_PRINTER: TablePrinter = {
  columns: [nameCol, col('Created At', 'date', 0, '', CREATION_TIMESTAMP_DESCRIPTION)],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp ? new Date(o.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : null],
};

// ---- pods ----

const isRestartableInit = (c: Obj | undefined) => c?.restartPolicy === 'Always';
const conditionTrue = (conds: Obj[] | undefined, type: string) => (conds ?? []).some((c) => c.type === type && c.status === 'True');

/** podStatusCells computes READY, STATUS and RESTARTS like upstream printPod. */
export function podStatusCells(pod: KubeObject, now: Date): { ready: string; reason: string; restarts: string } {
  const spec: Obj = pod.spec ?? {};
  const st: Obj = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase: string = st.phase ?? '';
  let reason: string = st.reason || phase;
  for (const c of st.conditions ?? []) if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';

  const inits = new Map<string, Obj>();
  for (const c of spec.initContainers ?? []) {
    inits.set(c.name, c);
    if (isRestartableInit(c)) total++;
  }
  const finished = (cs: Obj) => {
    const f = cs.lastState?.terminated?.finishedAt;
    return f ? Date.parse(f) : 0;
  };
  let initializing = false;
  const initStatuses: Obj[] = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    restarts += cs.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finished(cs));
    const sidecar = isRestartableInit(inits.get(cs.name));
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finished(cs));
    }
    const term = cs.state?.terminated;
    const wait = cs.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
    else if (wait?.reason && wait.reason !== 'PodInitializing') reason = `Init:${wait.reason}`;
    else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(st.conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: Obj[] = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += cs.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finished(cs));
      const term = cs.state?.terminated;
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(st.conditions, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsStr = `${restarts} (${humanDuration((now.getTime() - lastRestart) / 1000)} ago)`;
  return { ready: `${ready}/${total}`, reason, restarts: restartsStr };
}

function podPrinter(): TablePrinter {
  return {
    rowConditions: (o) => POD_FINISHED_CONDITIONS[(o as Obj).status?.phase as string],
    columns: [
      nameCol,
      col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, '', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      ageCol,
      col('IP', 'string', 1, '', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      col('Node', 'string', 1, '', 'NodeName indicates in which node this pod is scheduled.'),
      col('Nominated Node', 'string', 1, '', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
      col('Readiness Gates', 'string', 1, '', 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const st: Obj = o.status ?? {};
      const { ready, reason, restarts } = podStatusCells(o, now);
      const gates: Obj[] = spec.readinessGates ?? [];
      let gatesCell = '<none>';
      if (gates.length) {
        let trueCount = 0;
        for (const g of gates) {
          const c = (st.conditions ?? []).find((x: Obj) => x.type === g.conditionType);
          if (c?.status === 'True') trueCount++;
        }
        gatesCell = `${trueCount}/${gates.length}`;
      }
      return [o.metadata.name, ready, reason, restarts, age(o, now), orNone(st.podIPs?.[0]?.ip), orNone(spec.nodeName), orNone(st.nominatedNodeName), gatesCell];
    },
  };
}

function podTemplatePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Containers', 'string', 0, '', CONTAINERS_DESCRIPTION), col('Images', 'string', 0, '', IMAGES_DESCRIPTION), col('Pod Labels', 'string', 0, '', 'The labels for the pod template.')],
    cells(o) {
      const [c, i] = layoutContainerCells(o.template?.spec?.containers);
      return [o.metadata.name, c, i, formatLabels(o.template?.metadata?.labels)];
    },
  };
}

function podDisruptionBudgetPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Min Available', 'string', 0, '', 'The minimum number of pods that must be available.'),
      col('Max Unavailable', 'string', 0, '', 'The maximum number of pods that may be unavailable.'),
      col('Allowed Disruptions', 'integer', 0, '', 'Calculated number of pods that may be disrupted at this time.'),
      ageCol,
    ],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.minAvailable !== undefined && o.spec?.minAvailable !== null ? String(o.spec.minAvailable) : 'N/A',
      o.spec?.maxUnavailable !== undefined && o.spec?.maxUnavailable !== null ? String(o.spec.maxUnavailable) : 'N/A',
      o.status?.disruptionsAllowed ?? 0,
      age(o, now),
    ],
  };
}

// ---- workloads ----

function replicationControllerPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Desired', 'integer', 0, '', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, '', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, '', 'The number of ready replicas for this replication controller.'),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'Selector is a label query over pods that should match the Replicas count.'),
    ],
    cells(o, now) {
      const [c, i] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now), c, i, formatLabels(o.spec?.selector)];
    },
  };
}

function replicaSetPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Desired', 'integer', 0, '', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, '', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, '', 'The number of ready replicas for this replica set.'),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'Selector is a label query over pods that should match the replica count.'),
    ],
    cells(o, now) {
      const [c, i] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name, o.spec?.replicas ?? 0, o.status?.replicas ?? 0, o.status?.readyReplicas ?? 0, age(o, now), c, i, formatLabelSelector(o.spec?.selector)];
    },
  };
}

function deploymentPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Ready', 'string', 0, '', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, '', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 0, '', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    cells(o, now) {
      const st: Obj = o.status ?? {};
      const [c, i] = layoutContainerCells(o.spec?.template?.spec?.containers);
      let sel: string;
      try {
        sel = labelSelectorAsSelector(o.spec?.selector).toString();
      } catch {
        sel = '<invalid>';
      }
      return [o.metadata.name, `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o, now), c, i, sel];
    },
  };
}

function statefulSetPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Ready', 'string', 0, '', 'Number of the pod with ready state'), ageCol, containersCol, imagesCol],
    cells(o, now) {
      const [c, i] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o, now), c, i];
    },
  };
}

function daemonSetPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Desired', 'integer', 0, '', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
      col('Current', 'integer', 0, '', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      col('Ready', 'integer', 0, '', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
      col('Up-to-date', 'integer', 0, '', 'The total number of nodes that are running updated daemon pod'),
      col('Available', 'integer', 0, '', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', 'string', 0, '', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'A label query over pods that are managed by the daemon set.'),
    ],
    cells(o, now) {
      const st: Obj = o.status ?? {};
      const [c, i] = layoutContainerCells(o.spec?.template?.spec?.containers);
      return [
        o.metadata.name,
        st.desiredNumberScheduled ?? 0,
        st.currentNumberScheduled ?? 0,
        st.numberReady ?? 0,
        st.updatedNumberScheduled ?? 0,
        st.numberAvailable ?? 0,
        formatLabels(o.spec?.template?.spec?.nodeSelector),
        age(o, now),
        c,
        i,
        formatLabelSelector(o.spec?.selector),
      ];
    },
  };
}

function controllerRevisionPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Controller', 'string', 0, '', 'Controller of the object'), col('Revision', 'string', 0, '', 'Revision indicates the revision of the state represented by Data.'), ageCol],
    cells(o, now) {
      const ref: Obj | undefined = ((o.metadata.ownerReferences ?? []) as Obj[]).find((r) => r.controller);
      let controller = '<none>';
      if (ref) {
        const group = String(ref.apiVersion ?? '').includes('/') ? String(ref.apiVersion).split('/')[0] : '';
        controller = ref.kind ? `${String(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}` : String(ref.name);
      }
      return [o.metadata.name, controller, o.revision ?? 0, age(o, now)];
    },
  };
}

function jobPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Status', 'string', 0, '', 'Status of the job.'),
      col('Completions', 'string', 0, '', 'The number of pods which reached phase Succeeded.'),
      col('Duration', 'string', 0, '', 'Time required to complete the job.'),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'A label query over pods that should match the pod count.'),
    ],
    cells(o, now) {
      const st: Obj = o.status ?? {};
      const spec: Obj = o.spec ?? {};
      let completions: string;
      if (spec.completions !== undefined && spec.completions !== null) completions = `${st.succeeded ?? 0}/${spec.completions}`;
      else completions = (spec.parallelism ?? 0) > 1 ? `${st.succeeded ?? 0}/1 of ${spec.parallelism}` : `${st.succeeded ?? 0}/1`;
      let dur = '';
      if (st.startTime) dur = humanDuration(((st.completionTime ? Date.parse(st.completionTime) : now.getTime()) - Date.parse(st.startTime)) / 1000);
      const has = (t: string) => {
        const c = (st.conditions ?? []).find((x: Obj) => x.type === t);
        return c?.status === 'True';
      };
      const status = has('Complete') ? 'Complete' : has('Failed') ? 'Failed' : o.metadata.deletionTimestamp ? 'Terminating' : has('Suspended') ? 'Suspended' : has('FailureTarget') ? 'FailureTarget' : 'Running';
      const [c, i] = layoutContainerCells(spec.template?.spec?.containers);
      return [o.metadata.name, status, completions, dur, age(o, now), c, i, formatLabelSelector(spec.selector)];
    },
  };
}

function cronJobPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Schedule', 'string', 0, '', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'string', 0, '', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'boolean', 0, '', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions. Defaults to false.'),
      col('Active', 'integer', 0, '', 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 0, '', 'Information when was the last time the job was successfully scheduled.'),
      ageCol,
      containersCol,
      imagesCol,
      col('Selector', 'string', 1, '', 'A label query over pods that should match the pod count.'),
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const jt: Obj = spec.jobTemplate?.spec ?? {};
      const [c, i] = layoutContainerCells(jt.template?.spec?.containers);
      return [
        o.metadata.name,
        spec.schedule ?? '',
        spec.timeZone ?? '<none>',
        printBoolPtr(spec.suspend),
        (o.status?.active ?? []).length,
        o.status?.lastScheduleTime ? translateTimestampSince(o.status.lastScheduleTime, now) : '<none>',
        age(o, now),
        c,
        i,
        formatLabelSelector(jt.selector),
      ];
    },
  };
}

// ---- services and networking ----

function loadBalancerIngress(ingress: Obj[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

/** serviceExternalIP is upstream getServiceExternalIP with wide output (no clipping). */
function serviceExternalIP(o: KubeObject): string {
  const spec: Obj = o.spec ?? {};
  const ext: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(o.status?.loadBalancer?.ingress);
      if (ext.length) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function servicePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Type', 'string', 0, '', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
      col('Cluster-IP', 'string', 0, '', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'string', 0, '', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 0, '', 'The list of ports that are exposed by this service.'),
      ageCol,
      col('Selector', 'string', 1, '', 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const ports = ((spec.ports ?? []) as Obj[]).map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
      return [o.metadata.name, spec.type ?? '', spec.clusterIPs?.[0] ?? '<none>', serviceExternalIP(o), ports || '<none>', age(o, now), formatLabels(spec.selector)];
    },
  };
}

/** formatEndpoints is upstream formatEndpoints with all ports: the first three `ip:port`, then `+ N more...`. */
export function formatEndpoints(o: KubeObject): string {
  const subsets: Obj[] = o.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs: Obj[] = ss.addresses ?? [];
    const ports: Obj[] = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, p.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

function endpointsPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Endpoints', 'string', 0, '', 'The set of all endpoints is the union of all subsets.'), ageCol],
    cells: (o, now) => [o.metadata.name, formatEndpoints(o), age(o, now)],
  };
}

function endpointSlicePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('AddressType', 'string', 0, '', 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'string', 0, '', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'string', 0, '', 'endpoints is a list of unique endpoints in this slice.'),
      ageCol,
    ],
    cells(o, now) {
      const ports = ((o.ports ?? []) as Obj[]).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name !== undefined && p.name !== null ? String(p.name) : '*'));
      const addrs = ((o.endpoints ?? []) as Obj[]).flatMap((e) => (e.addresses ?? []) as string[]);
      return [o.metadata.name, o.addressType ?? '', listWithMore(ports, 3), listWithMore(addrs, 3), age(o, now)];
    },
  };
}

function ingressPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Class', 'string', 0, '', 'The name of the IngressClass resource that should be used for additional configuration'),
      col('Hosts', 'string', 0, '', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'string', 0, '', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'string', 0, '', 'Ports of TLS configurations that open'),
      ageCol,
    ],
    cells(o, now) {
      const rules: Obj[] = o.spec?.rules ?? [];
      const hosts: string[] = [];
      let more = false;
      for (const r of rules) {
        if (hosts.length === 3) more = true;
        if (!more && r.host) hosts.push(r.host);
      }
      const hostsCell = hosts.length === 0 ? '*' : more ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
      const ports = (o.spec?.tls ?? []).length ? '80, 443' : '80';
      return [o.metadata.name, o.spec?.ingressClassName ?? '<none>', hostsCell, loadBalancerIngress(o.status?.loadBalancer?.ingress), ports, age(o, now)];
    },
  };
}

function ingressClassPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Controller', 'string', 0, '', 'Controller that is responsible for handling this class'), col('Parameters', 'string', 0, '', 'A reference to a resource with additional parameters'), ageCol],
    cells(o, now) {
      const p: Obj | undefined = o.spec?.parameters;
      const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      return [o.metadata.name, o.spec?.controller ?? '', params, age(o, now)];
    },
  };
}

function networkPolicyPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Pod-Selector', 'string', 0, '', 'Selects the pods to which this NetworkPolicy object applies.'), ageCol],
    cells: (o, now) => [o.metadata.name, formatLabelSelector(o.spec?.podSelector ?? {}), age(o, now)],
  };
}

function serviceCIDRPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('CIDRs', 'string', 0, '', 'CIDRs defines the IP blocks in CIDR notation from which to assign service cluster IPs.'), ageCol],
    cells: (o, now) => [o.metadata.name, (o.spec?.cidrs ?? []).join(','), age(o, now)],
  };
}

function ipAddressPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('ParentRef', 'string', 0, '', 'ParentRef references the resource that an IPAddress is attached to.')],
    cells(o) {
      const p: Obj | undefined = o.spec?.parentRef;
      let parent = '<none>';
      if (p) {
        parent = String(p.group ? `${p.resource}.${p.group}` : (p.resource ?? '')).toLowerCase();
        if (p.namespace) parent += `/${p.namespace}`;
        parent += `/${p.name}`;
      }
      return [o.metadata.name, parent];
    },
  };
}

// ---- config and core ----

function configMapPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Data', 'string', 0, '', 'Data contains the configuration data.'), ageCol],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)],
  };
}

function secretPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Type', 'string', 0, '', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 0, '', 'Data contains the secret data.'), ageCol],
    cells: (o, now) => [o.metadata.name, o.type ?? '', Object.keys(o.data ?? {}).length, age(o, now)],
  };
}

function serviceAccountPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Secrets', 'string', 0, '', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageCol],
    cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)],
  };
}

function namespacePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Status', 'string', 0, '', 'The status of the namespace'), ageCol],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)],
  };
}

/** findNodeRoles returns the sorted roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels. */
function findNodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

function nodePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Status', 'string', 0, '', 'The status of the node'),
      col('Roles', 'string', 0, '', 'The roles of the node'),
      ageCol,
      col('Version', 'string', 0, '', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1, '', 'List of addresses reachable to the node.'),
      col('External-IP', 'string', 1, '', 'List of addresses reachable to the node.'),
      col('OS-Image', 'string', 1, '', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
      col('Kernel-Version', 'string', 1, '', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      col('Container-Runtime', 'string', 1, '', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
    ],
    cells(o, now) {
      const st: Obj = o.status ?? {};
      const ready = (st.conditions ?? []).find((c: Obj) => c.type === 'Ready');
      const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
      if (o.spec?.unschedulable) status.push('SchedulingDisabled');
      const roles = findNodeRoles(o.metadata.labels);
      const addr = (t: string) => (st.addresses ?? []).find((a: Obj) => a.type === t)?.address ?? '<none>';
      const ni: Obj = st.nodeInfo ?? {};
      const unknown = (s: unknown) => (s ? String(s) : '<unknown>');
      return [o.metadata.name, status.join(','), roles.length ? roles.join(',') : '<none>', age(o, now), ni.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), unknown(ni.osImage), unknown(ni.kernelVersion), unknown(ni.containerRuntimeVersion)];
    },
  };
}

function eventSource(o: KubeObject): string {
  const component = o.source?.component || o.reportingComponent || o.reportingController || '';
  const instance = o.source?.host || o.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

function eventPrinter(): TablePrinter {
  return {
    columns: [
      col('Last Seen', 'string', 0, '', 'The time at which the most recent occurrence of this event was recorded.'),
      col('Type', 'string', 0, '', 'Type of this event (Normal, Warning), new types could be added in the future'),
      col('Reason', 'string', 0, '', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col('Object', 'string', 0, '', 'The object that this event is about.'),
      col('Subobject', 'string', 1, '', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].'),
      col('Source', 'string', 1, '', 'The component reporting this event. Should be a short machine understandable string.'),
      col('Message', 'string', 0, '', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 1, '', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)'),
      col('Count', 'string', 1, '', 'The number of times this event has occurred.'),
      col('Name', 'string', 1, 'name', NAME_DESCRIPTION),
    ],
    cells(o, now) {
      const first = o.firstTimestamp ? translateTimestampSince(o.firstTimestamp, now) : translateTimestampSince(o.eventTime, now);
      let last = o.lastTimestamp ? translateTimestampSince(o.lastTimestamp, now) : first;
      let count = o.count ?? 0;
      if (o.series) {
        last = translateTimestampSince(o.series.lastObservedTime, now);
        count = o.series.count ?? 0;
      } else if (count === 0) count = 1;
      const io: Obj = o.involvedObject ?? {};
      const kind = String(io.kind ?? '').toLowerCase();
      const target = io.name ? `${kind}/${io.name}` : kind;
      return [last, o.type ?? '', o.reason ?? '', target, io.fieldPath ?? '', eventSource(o), String(o.message ?? '').trim(), first, count, o.metadata.name];
    },
  };
}

/** eventsV1AsCore maps an events.k8s.io/v1 Event onto the core/v1 fields the event printer reads (upstream converts both to one internal type). */
export function eventsV1AsCore(o: KubeObject): KubeObject {
  return {
    ...o,
    involvedObject: o.regarding ?? {},
    message: o.note,
    source: o.deprecatedSource,
    firstTimestamp: o.deprecatedFirstTimestamp,
    lastTimestamp: o.deprecatedLastTimestamp,
    count: o.deprecatedCount,
  };
}

function eventsV1Printer(): TablePrinter {
  const core = eventPrinter();
  return { columns: core.columns, cells: (o, now) => core.cells(eventsV1AsCore(o), now) };
}

/** accessModesString is upstream GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
function accessModesString(modes: string[] | undefined): string {
  const m = new Set(modes ?? []);
  const out: string[] = [];
  if (m.has('ReadWriteOnce')) out.push('RWO');
  if (m.has('ReadOnlyMany')) out.push('ROX');
  if (m.has('ReadWriteMany')) out.push('RWX');
  if (m.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

function persistentVolumePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Capacity', 'string', 0, '', 'capacity is the description of the persistent volume\'s resources and capacity.'),
      col('Access Modes', 'string', 0, '', 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'string', 0, '', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'string', 0, '', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'string', 0, '', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'string', 0, '', 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'string', 0, '', 'VolumeAttributesClass of the pv'),
      col('Reason', 'string', 0, '', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      ageCol,
      col('VolumeMode', 'string', 1, '', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.'),
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const claim = spec.claimRef ? `${spec.claimRef.namespace ?? ''}/${spec.claimRef.name ?? ''}` : '';
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? '');
      const cls = o.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
      return [
        o.metadata.name,
        quantityString(spec.capacity?.storage) || '0',
        accessModesString(spec.accessModes),
        spec.persistentVolumeReclaimPolicy ?? '',
        phase,
        claim,
        cls,
        orUnset(spec.volumeAttributesClassName),
        o.status?.reason ?? '',
        age(o, now),
        orUnset(spec.volumeMode),
      ];
    },
  };
}

function persistentVolumeClaimPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Status', 'string', 0, '', 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'string', 0, '', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'string', 0, '', 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 0, '', 'accessModes contains the actual access modes the volume backing the PVC has.'),
      col('StorageClass', 'string', 0, '', 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'string', 0, '', 'VolumeAttributesClass of the pvc'),
      ageCol,
      col('VolumeMode', 'string', 1, '', 'volumeMode defines what type of volume is required by the claim.'),
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? '');
      let capacity = '';
      let modes = '';
      if (spec.volumeName) {
        modes = accessModesString(o.status?.accessModes);
        capacity = quantityString(o.status?.capacity?.storage) || '0';
      }
      const cls = o.metadata.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? spec.storageClassName ?? '';
      return [o.metadata.name, phase, spec.volumeName ?? '', capacity, modes, cls, orUnset(spec.volumeAttributesClassName), age(o, now), orUnset(spec.volumeMode)];
    },
  };
}

function componentStatusPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Status', 'string', 0, '', 'Status of the component conditions'),
      col('Message', 'string', 0, '', 'Message of the component conditions'),
      col('Error', 'string', 0, '', 'Error of the component conditions'),
    ],
    cells(o) {
      const c = (o.conditions ?? []).find((x: Obj) => x.type === 'Healthy');
      if (!c) return [o.metadata.name, 'Unknown', '', ''];
      return [o.metadata.name, c.status === 'True' ? 'Healthy' : 'Unhealthy', c.message ?? '', c.error ?? ''];
    },
  };
}

/** resourceQuotaCells renders `name: used/hard` pairs sorted by resource, split into requests and `limits.*`. */
function resourceQuotaCells(o: KubeObject): [string, string] {
  const hard: Obj = o.status?.hard ?? {};
  const used: Obj = o.status?.used ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const r of Object.keys(hard).sort()) {
    const pieces = r.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? lim : req).push(`${r}: ${quantityString(used[r]) || '0'}/${quantityString(hard[r]) || '0'}`);
  }
  return [req.join(', '), lim.join(', ')];
}

function resourceQuotaPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Request', 'string', 0, '', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'string', 0, '', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
      ageCol,
    ],
    cells(o, now) {
      const [req, lim] = resourceQuotaCells(o);
      return [o.metadata.name, req, lim, age(o, now)];
    },
  };
}

// ---- autoscaling ----

/** formatHPAMetrics is upstream formatHPAMetrics over autoscaling/v2 metric specs and statuses (the first two, then `+ N more...`). */
export function formatHPAMetrics(specs: Obj[] | undefined, statuses: Obj[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const list: string[] = [];
  const st = statuses ?? [];
  specs.forEach((spec, i) => {
    const s = st[i];
    const q = (v: unknown) => quantityString(v);
    switch (spec.type) {
      case 'External': {
        const t = spec.external?.target ?? {};
        if (t.averageValue !== undefined) list.push(`${s?.external?.current?.averageValue !== undefined ? q(s.external.current.averageValue) : '<unknown>'}/${q(t.averageValue)} (avg)`);
        else list.push(`${s?.external ? q(s.external.current?.value) || '0' : '<unknown>'}/${q(t.value) || '0'}`);
        break;
      }
      case 'Pods':
        list.push(`${s?.pods ? q(s.pods.current?.averageValue) || '0' : '<unknown>'}/${q(spec.pods?.target?.averageValue) || '0'}`);
        break;
      case 'Object': {
        const t = spec.object?.target ?? {};
        if (t.averageValue !== undefined) list.push(`${s?.object?.current?.averageValue !== undefined ? q(s.object.current.averageValue) : '<unknown>'}/${q(t.averageValue)} (avg)`);
        else list.push(`${s?.object ? q(s.object.current?.value) || '0' : '<unknown>'}/${q(t.value) || '0'}`);
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
        const r: Obj = spec[key] ?? {};
        const cur: Obj | undefined = s?.[key];
        if (r.target?.averageValue !== undefined) {
          list.push(`${r.name}: ${cur ? q(cur.current?.averageValue) || '0' : '<unknown>'}/${q(r.target.averageValue)}`);
        } else {
          const current = cur?.current?.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : '<unknown>';
          const target = r.target?.averageUtilization !== undefined ? `${r.target.averageUtilization}%` : '<auto>';
          list.push(`${r.name}: ${current}/${target}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

function horizontalPodAutoscalerPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Reference', 'string', 0, '', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
      col('Targets', 'string', 0, '', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
      col('MinPods', 'string', 0, '', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
      col('MaxPods', 'string', 0, '', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
      col('Replicas', 'string', 0, '', 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
      ageCol,
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      let metrics: Obj[] | undefined = spec.metrics;
      let statuses: Obj[] | undefined = o.status?.currentMetrics;
      if (!metrics && spec.targetCPUUtilizationPercentage !== undefined) {
        // autoscaling/v1 shape: a CPU utilization target.
        metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } }];
        const cur = o.status?.currentCPUUtilizationPercentage;
        statuses = cur !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cur } } }] : [];
      }
      const ref = spec.scaleTargetRef ?? {};
      return [o.metadata.name, `${ref.kind ?? ''}/${ref.name ?? ''}`, formatHPAMetrics(metrics, statuses), spec.minReplicas !== undefined && spec.minReplicas !== null ? String(spec.minReplicas) : '<unset>', spec.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, age(o, now)];
    },
  };
}

// ---- rbac, certificates, coordination ----

/** subjectsStrings splits subjects into users, groups and service accounts (`namespace/name`), as upstream rbac.SubjectsStrings. */
function subjectsStrings(subjects: Obj[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
    else if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

function roleBindingPrinter(what: 'roleBinding' | 'clusterRoleBinding'): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Role', 'string', 0, '', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.'),
      ageCol,
      col('Users', 'string', 1, '', `Users in the ${what}`),
      col('Groups', 'string', 1, '', `Groups in the ${what}`),
      col('ServiceAccounts', 'string', 1, '', `ServiceAccounts in the ${what}`),
    ],
    cells: (o, now) => [o.metadata.name, `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`, age(o, now), ...subjectsStrings(o.subjects)],
  };
}

/** csrCondition is upstream extractCSRStatus: Denied/Approved/Pending, then `,Failed` and `,Issued`. */
function csrCondition(o: KubeObject): string {
  const types = new Set(((o.status?.conditions ?? []) as Obj[]).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (o.status?.certificate) s += ',Issued';
  return s;
}

function certificateSigningRequestPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      ageCol,
      col('SignerName', 'string', 0, '', 'Requested signer for the request.'),
      col('Requestor', 'string', 0, '', 'Base64-encoded PKCS#10 CSR data'),
      col('RequestedDuration', 'string', 0, '', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
      col('Condition', 'string', 0, '', 'Conditions applied to the request, such as approval or denial.'),
    ],
    cells(o, now) {
      const exp = o.spec?.expirationSeconds;
      return [o.metadata.name, age(o, now), o.spec?.signerName || '<none>', o.spec?.username ?? '', exp !== undefined && exp !== null ? humanDuration(exp) : '<none>', csrCondition(o)];
    },
  };
}

function clusterTrustBundlePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('SignerName', 'string', 0, '', 'signerName indicates the associated signer, if any.')],
    cells: (o) => [o.metadata.name, o.spec?.signerName || '<none>'],
  };
}

function leasePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Holder', 'string', 0, '', 'holderIdentity contains the identity of the holder of a current lease.'), ageCol],
    cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)],
  };
}

function leaseCandidatePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('LeaseName', 'string', 0, '', 'LeaseName is the name of the lease for which this candidate is contending.'),
      col('BinaryVersion', 'string', 0, '', 'BinaryVersion is the binary version.'),
      col('EmulationVersion', 'string', 0, '', 'EmulationVersion is the emulation version.'),
      ageCol,
    ],
    cells: (o, now) => [o.metadata.name, o.spec?.leaseName ?? '', o.spec?.binaryVersion ?? '', o.spec?.emulationVersion ?? '', age(o, now)],
  };
}

// ---- storage, scheduling, node ----

function storageClassPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Provisioner', 'string', 0, '', 'provisioner indicates the type of the provisioner.'),
      col('ReclaimPolicy', 'string', 0, '', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.'),
      col('VolumeBindingMode', 'string', 0, '', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
      col('AllowVolumeExpansion', 'string', 0, '', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
      ageCol,
    ],
    cells(o, now) {
      const ann = o.metadata.annotations ?? {};
      const isDefault = ann['storageclass.kubernetes.io/is-default-class'] === 'true' || ann['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [isDefault ? `${o.metadata.name} (default)` : o.metadata.name, o.provisioner ?? '', o.reclaimPolicy ?? 'Delete', o.volumeBindingMode ?? 'Immediate', Boolean(o.allowVolumeExpansion), age(o, now)];
    },
  };
}

function volumeAttributesClassPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('DriverName', 'string', 0, '', 'Name of the CSI driver'), ageCol],
    cells(o, now) {
      const isDefault = o.metadata.annotations?.['storage.kubernetes.io/is-default-class'] === 'true';
      return [isDefault ? `${o.metadata.name} (default)` : o.metadata.name, o.driverName ?? '', age(o, now)];
    },
  };
}

function volumeAttachmentPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Attacher', 'string', 0, 'name', 'attacher indicates the name of the volume driver that MUST handle this request.'),
      col('PV', 'string', 0, '', 'persistentVolumeName represents the name of the persistent volume to attach.'),
      col('Node', 'string', 0, '', 'nodeName represents the node that the volume should be attached to.'),
      col('Attached', 'boolean', 0, '', 'attached indicates the volume is successfully attached.'),
      ageCol,
    ],
    cells: (o, now) => [o.metadata.name, o.spec?.attacher ?? '', o.spec?.source?.persistentVolumeName ?? '', o.spec?.nodeName ?? '', Boolean(o.status?.attached), age(o, now)],
  };
}

function csiNodePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Drivers', 'integer', 0, '', 'Drivers indicates the number of CSI drivers registered on the node'), ageCol],
    cells: (o, now) => [o.metadata.name, (o.spec?.drivers ?? []).length, age(o, now)],
  };
}

function csiDriverPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('AttachRequired', 'boolean', 0, '', 'attachRequired indicates this CSI volume driver requires an attach operation.'),
      col('PodInfoOnMount', 'boolean', 0, '', 'podInfoOnMount indicates this CSI volume driver requires additional pod information (like podName, podUID, etc.) during mount operations.'),
      col('StorageCapacity', 'boolean', 0, '', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity that the driver deployment will report.'),
      col('TokenRequests', 'string', 0, '', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.'),
      col('RequiresRepublish', 'boolean', 0, '', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.'),
      col('Modes', 'string', 0, '', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
      ageCol,
    ],
    cells(o, now) {
      const spec: Obj = o.spec ?? {};
      const modes = (spec.volumeLifecycleModes ?? []).join(',');
      const tokens = spec.tokenRequests ? (spec.tokenRequests as Obj[]).map((t) => t.audience).join(',') : '<unset>';
      return [o.metadata.name, spec.attachRequired ?? true, Boolean(spec.podInfoOnMount), Boolean(spec.storageCapacity), tokens, Boolean(spec.requiresRepublish), modes || '<none>', age(o, now)];
    },
  };
}

function csiStorageCapacityPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('StorageClassName', 'string', 0, '', 'storageClassName represents the name of the StorageClass that the reported capacity applies to.'), col('Capacity', 'string', 0, '', 'capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.')],
    cells: (o) => [o.metadata.name, o.storageClassName ?? '', o.capacity !== undefined && o.capacity !== null ? quantityString(o.capacity) : '<unset>'],
  };
}

function priorityClassPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Value', 'integer', 0, '', 'value represents the integer value of this priority class.'),
      col('Global-Default', 'boolean', 0, '', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
      ageCol,
      col('PreemptionPolicy', 'string', 1, '', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
    ],
    cells: (o, now) => [o.metadata.name, o.value ?? 0, Boolean(o.globalDefault), age(o, now), o.preemptionPolicy ?? ''],
  };
}

function runtimeClassPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Handler', 'string', 0, '', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), ageCol],
    cells: (o, now) => [o.metadata.name, o.handler ?? '', age(o, now)],
  };
}

// ---- admission, flow control ----

function webhookConfigurationPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Webhooks', 'integer', 0, '', 'Webhooks indicates the number of webhooks registered in this configuration'), ageCol],
    cells: (o, now) => [o.metadata.name, (o.webhooks ?? []).length, age(o, now)],
  };
}

function admissionPolicyPrinter(what: 'validations' | 'mutations'): TablePrinter {
  return {
    columns: [
      nameCol,
      what === 'validations'
        ? col('Validations', 'integer', 0, '', 'Validations indicates the number of validation rules defined in this configuration')
        : col('Mutations', 'integer', 0, '', 'Mutation indicates the number of mutations rules defined in this configuration'),
      col('ParamKind', 'string', 0, '', 'ParamKind specifies the kind of resources used to parameterize this policy'),
      ageCol,
    ],
    cells(o, now) {
      const pk: Obj | undefined = o.spec?.paramKind;
      return [o.metadata.name, (o.spec?.[what] ?? []).length, pk ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>', age(o, now)];
    },
  };
}

function admissionPolicyBindingPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('PolicyName', 'string', 0, '', 'PolicyName indicates the policy definition which the policy binding binded to'),
      col('ParamRef', 'string', 0, '', 'ParamRef indicates the param resource which sets the configration param'),
      ageCol,
    ],
    cells(o, now) {
      const pr: Obj | undefined = o.spec?.paramRef;
      let param = '<unset>';
      if (pr) {
        if (pr.name) param = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
        else if (pr.selector) param = formatLabelSelector(pr.selector).replace(/^<none>$/, '');
      }
      return [o.metadata.name, o.spec?.policyName ?? '', param, age(o, now)];
    },
  };
}

function flowSchemaPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('PriorityLevel', 'string', 0, '', '`name` is the name of the priority level configuration being referenced Required.'),
      col('MatchingPrecedence', 'string', 0, '', '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request.'),
      col('DistinguisherMethod', 'string', 0, '', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema.'),
      ageCol,
      col('MissingPL', 'string', 0, '', 'references a broken or non-existent PriorityLevelConfiguration'),
    ],
    cells(o, now) {
      const dangling = ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Dangling');
      return [o.metadata.name, o.spec?.priorityLevelConfiguration?.name ?? '', o.spec?.matchingPrecedence ?? 0, o.spec?.distinguisherMethod?.type ?? '<none>', age(o, now), dangling ? dangling.status : '?'];
    },
  };
}

function priorityLevelConfigurationPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Type', 'string', 0, '', '`type` indicates whether this priority level is subject to limitation on request execution.'),
      col('NominalConcurrencyShares', 'string', 0, '', '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.'),
      col('Queues', 'string', 0, '', '`queues` is the number of queues for this priority level.'),
      col('HandSize', 'string', 0, '', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.'),
      col('QueueLengthLimit', 'string', 0, '', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.'),
      ageCol,
    ],
    cells(o, now) {
      const lim: Obj | undefined = o.spec?.limited;
      const q: Obj | undefined = lim?.limitResponse?.queuing;
      return [o.metadata.name, o.spec?.type ?? '', lim ? (lim.nominalConcurrencyShares ?? 0) : '<none>', q ? (q.queues ?? 0) : '<none>', q ? (q.handSize ?? 0) : '<none>', q ? (q.queueLengthLimit ?? 0) : '<none>', age(o, now)];
    },
  };
}

/** apiServicePrinter is kube-aggregator's APIService table: Local or namespace/name, and the Available condition. */
function apiServicePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Service', 'string', 0, '', 'The reference to the service that hosts this API endpoint.'), col('Available', 'string', 0, '', 'Whether this service is available.'), ageCol],
    cells(o, now) {
      const svc: Obj | undefined = o.spec?.service;
      const c: Obj | undefined = ((o.status?.conditions ?? []) as Obj[]).find((x) => x.type === 'Available');
      let available = 'Unknown';
      if (c) available = c.status === 'True' || !c.reason ? String(c.status) : `${c.status} (${c.reason})`;
      return [o.metadata.name, svc ? `${svc.namespace}/${svc.name}` : 'Local', available, age(o, now)];
    },
  };
}

/** PRINTERS maps `group/resource` to its printer; others use {@link DEFAULT_TABLE_PRINTER}. */
export const PRINTERS: Record<string, TablePrinter> = {
  '/pods': podPrinter(),
  '/podtemplates': podTemplatePrinter(),
  '/replicationcontrollers': replicationControllerPrinter(),
  '/services': servicePrinter(),
  '/endpoints': endpointsPrinter(),
  '/nodes': nodePrinter(),
  '/events': eventPrinter(),
  'events.k8s.io/events': eventsV1Printer(),
  '/namespaces': namespacePrinter(),
  '/secrets': secretPrinter(),
  '/serviceaccounts': serviceAccountPrinter(),
  '/persistentvolumes': persistentVolumePrinter(),
  '/persistentvolumeclaims': persistentVolumeClaimPrinter(),
  '/componentstatuses': componentStatusPrinter(),
  '/configmaps': configMapPrinter(),
  '/resourcequotas': resourceQuotaPrinter(),
  'apps/deployments': deploymentPrinter(),
  'apps/replicasets': replicaSetPrinter(),
  'apps/statefulsets': statefulSetPrinter(),
  'apps/daemonsets': daemonSetPrinter(),
  'apps/controllerrevisions': controllerRevisionPrinter(),
  'batch/jobs': jobPrinter(),
  'batch/cronjobs': cronJobPrinter(),
  'policy/poddisruptionbudgets': podDisruptionBudgetPrinter(),
  'autoscaling/horizontalpodautoscalers': horizontalPodAutoscalerPrinter(),
  'networking.k8s.io/ingresses': ingressPrinter(),
  'networking.k8s.io/ingressclasses': ingressClassPrinter(),
  'networking.k8s.io/networkpolicies': networkPolicyPrinter(),
  'networking.k8s.io/servicecidrs': serviceCIDRPrinter(),
  'networking.k8s.io/ipaddresses': ipAddressPrinter(),
  'discovery.k8s.io/endpointslices': endpointSlicePrinter(),
  'rbac.authorization.k8s.io/rolebindings': roleBindingPrinter('roleBinding'),
  'rbac.authorization.k8s.io/clusterrolebindings': roleBindingPrinter('clusterRoleBinding'),
  'certificates.k8s.io/certificatesigningrequests': certificateSigningRequestPrinter(),
  'certificates.k8s.io/clustertrustbundles': clusterTrustBundlePrinter(),
  'coordination.k8s.io/leases': leasePrinter(),
  'coordination.k8s.io/leasecandidates': leaseCandidatePrinter(),
  'storage.k8s.io/storageclasses': storageClassPrinter(),
  'storage.k8s.io/volumeattributesclasses': volumeAttributesClassPrinter(),
  'storage.k8s.io/volumeattachments': volumeAttachmentPrinter(),
  'storage.k8s.io/csinodes': csiNodePrinter(),
  'storage.k8s.io/csidrivers': csiDriverPrinter(),
  'storage.k8s.io/csistoragecapacities': csiStorageCapacityPrinter(),
  'scheduling.k8s.io/priorityclasses': priorityClassPrinter(),
  'node.k8s.io/runtimeclasses': runtimeClassPrinter(),
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': webhookConfigurationPrinter(),
  'admissionregistration.k8s.io/validatingwebhookconfigurations': webhookConfigurationPrinter(),
  'admissionregistration.k8s.io/validatingadmissionpolicies': admissionPolicyPrinter('validations'),
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': admissionPolicyBindingPrinter(),
  'admissionregistration.k8s.io/mutatingadmissionpolicies': admissionPolicyPrinter('mutations'),
  'admissionregistration.k8s.io/mutatingadmissionpolicybindings': admissionPolicyBindingPrinter(),
  'apiregistration.k8s.io/apiservices': apiServicePrinter(),
  'flowcontrol.apiserver.k8s.io/flowschemas': flowSchemaPrinter(),
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': priorityLevelConfigurationPrinter(),
};

/** printerFor returns the printer of a resource. */
export function printerFor(group: string, resource: string): TablePrinter {
  return PRINTERS[`${group}/${resource}`] ?? DEFAULT_TABLE_PRINTER;
}

/** CRD additional printer column (apiextensions/v1 CustomResourceColumnDefinition). */
export interface CustomColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/**
 * customResourcePrinter builds the printer of a custom resource from its
 * additionalPrinterColumns (upstream tableconvertor.New); Age is the default column.
 */
export function customResourcePrinter(columns: CustomColumn[] | undefined): TablePrinter {
  const cols = columns && columns.length ? columns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: CREATION_TIMESTAMP_DESCRIPTION }];
  const paths = cols.map((c) => {
    try {
      return parseJsonPath(c.jsonPath);
    } catch {
      return undefined;
    }
  });
  return {
    columns: [nameCol, ...cols.map((c) => col(c.name, c.type, c.priority ?? 0, c.format ?? '', c.description ?? ''))],
    cells(o, now) {
      return [
        o.metadata.name,
        ...cols.map((c, i) => {
          const path = paths[i];
          if (!path) return null;
          const found = findResults(o, path);
          if (found.length === 0 || found[0] === undefined || found[0] === null) return null;
          return customColumnCell(c.type, found[0], now);
        }),
      ];
    },
  };
}

/** customColumnCell is upstream's cell for one printer-column value: strings print like Go's %v, other types must match or the cell is empty. */
function customColumnCell(type: string, v: unknown, now: Date): unknown {
  switch (type) {
    case 'string':
      return formatGoValue(v);
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      if (Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}T/.test(v)) return '<invalid>';
      return translateTimestampSince(v, now);
    }
  }
  return null;
}

/** simpleJsonPath evaluates `.a.b[0].c` style paths (what CRD printer columns use). */
export function simpleJsonPath(obj: unknown, path: string): unknown {
  const p = path.replace(/^\{|\}$/g, '').replace(/^\$?\.?/, '');
  if (p === '') return obj;
  let cur: unknown = obj;
  for (const tok of p.split(/\.|(?=\[)/)) {
    if (cur === undefined || cur === null) return undefined;
    const m = /^\[(\d+)\]$/.exec(tok);
    if (m) cur = Array.isArray(cur) ? cur[Number(m[1])] : undefined;
    else {
      const t = tok.replace(/^\['|'\]$/g, '');
      cur = typeof cur === 'object' ? (cur as Record<string, unknown>)[t] : undefined;
    }
  }
  return cur;
}
