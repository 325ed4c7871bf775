/**
 * Table printers: the server-side columns `kubectl get` shows (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`).
 *
 * upstream: pkg/printers/internalversion/printers.go (AddHandlers) and
 * staging/src/k8s.io/apiserver/pkg/registry/rest/table.go (default Name + Created At).
 */
import type { KubeObject } from '../registry/rest/strategy.ts';

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
}

const col = (name: string, type = 'string', priority = 0, format = '', description = ''): TableColumnDefinition => ({ name, type, format, description, priority });

/** translateTimestampSince renders an age like kubectl (`5s`, `3m2s`, `4h`, `2d`), or `<unknown>`. */
export function translateTimestampSince(ts: string | undefined | null, now: Date): string {
  if (!ts) return '<unknown>';
  const secs = Math.max(0, Math.floor((now.getTime() - Date.parse(ts)) / 1000));
  return humanDuration(secs);
}

/** humanDuration is upstream duration.HumanDuration (coarse). */
export function humanDuration(secs: number): string {
  if (secs < 0) return '<invalid>';
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 10) return secs % 60 === 0 ? `${mins}m` : `${mins}m${secs % 60}s`;
  if (mins < 180) return `${mins}m`;
  const hours = Math.floor(secs / 3600);
  if (hours < 8) return mins % 60 === 0 ? `${hours}h` : `${hours}h${mins % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

const nameCol = col('Name', 'string', 0, 'name', 'Name must be unique within a namespace.');
const ageCol = col('Age', 'string', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const age = (o: KubeObject, now: Date) => translateTimestampSince(o.metadata.creationTimestamp, now);
const none = (s: unknown) => (s === undefined || s === null || s === '' ? '<none>' : String(s));

/** DEFAULT_TABLE_PRINTER is upstream's default table: Name and Created At. */
export const DEFAULT_TABLE_PRINTER: TablePrinter = {
  columns: [nameCol, col('Created At', 'date', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  cells: (o) => [o.metadata.name, o.metadata.creationTimestamp],
};

function podPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, '', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      ageCol,
      col('IP', 'string', 1, '', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      col('Node', 'string', 1, '', "NodeName is a request to schedule this pod onto a specific node."),
      col('Nominated Node', 'string', 1, '', 'nominatedNodeName is set when this pod preempts other pods on the node.'),
      col('Readiness Gates', 'string', 1, '', 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const st = o.status ?? {};
      const total = (spec.containers ?? []).length;
      let ready = 0;
      let restarts = 0;
      let reason: string = st.reason || st.phase || '';
      for (const cs of st.containerStatuses ?? []) {
        restarts += cs.restartCount ?? 0;
        if (cs.ready && cs.state?.running) ready++;
        if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
        else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
      }
      if (o.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
      const gates = (spec.readinessGates ?? []) as Array<{ conditionType: string }>;
      let gatesCell = '<none>';
      if (gates.length) {
        const trueConds = new Set((st.conditions ?? []).filter((c: { status: string }) => c.status === 'True').map((c: { type: string }) => c.type));
        gatesCell = `${gates.filter((g) => trueConds.has(g.conditionType)).length}/${gates.length}`;
      }
      return [
        o.metadata.name,
        `${ready}/${total}`,
        reason,
        String(restarts),
        age(o, now),
        none(st.podIP),
        none(spec.nodeName),
        none(st.nominatedNodeName),
        gatesCell,
      ];
    },
  };
}

const selectorString = (sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): string => {
  if (!sel) return '<none>';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
  }
  return parts.length ? parts.join(',') : '<none>';
};

const containersImages = (tpl: KubeObject | undefined) => {
  const cs = (tpl?.spec?.containers ?? []) as Array<{ name: string; image: string }>;
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
};

function deploymentPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Ready', 'string', 0, '', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, '', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 0, '', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      ageCol,
      col('Containers', 'string', 1, '', 'Names of each container in the template.'),
      col('Images', 'string', 1, '', 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, '', 'Label selector for pods.'),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const [c, i] = containersImages(o.spec?.template);
      return [o.metadata.name, `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o, now), c, i, selectorString(o.spec?.selector)];
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
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const [c, i] = containersImages(o.spec?.template);
      return [o.metadata.name, o.spec?.replicas ?? 0, st.replicas ?? 0, st.readyReplicas ?? 0, age(o, now), c, i, selectorString(o.spec?.selector)];
    },
  };
}

function statefulSetPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Ready', 'string', 0, '', 'Number of the pod with ready state'), ageCol, col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells(o, now) {
      const [c, i] = containersImages(o.spec?.template);
      return [o.metadata.name, `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, age(o, now), c, i];
    },
  };
}

function daemonSetPrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector', 'string'),
      ageCol,
      col('Containers', 'string', 1),
      col('Images', 'string', 1),
      col('Selector', 'string', 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const ns = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      const [c, i] = containersImages(o.spec?.template);
      return [o.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0, st.updatedNumberScheduled ?? 0, st.numberAvailable ?? 0, none(ns), age(o, now), c, i, selectorString(o.spec?.selector)];
    },
  };
}

function servicePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Type', 'string', 0, '', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 0, '', 'clusterIP is the IP address of the service.'),
      col('External-IP', 'string', 0, '', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 0, '', 'The list of ports that are exposed by this service.'),
      ageCol,
      col('Selector', 'string', 1, '', 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    cells(o, now) {
      const spec = o.spec ?? {};
      const type = spec.type ?? 'ClusterIP';
      let ext = (spec.externalIPs ?? []).join(',');
      if (type === 'ExternalName') ext = spec.externalName ?? '';
      if (type === 'LoadBalancer') {
        const ing = (o.status?.loadBalancer?.ingress ?? []).map((i: { ip?: string; hostname?: string }) => i.ip ?? i.hostname);
        ext = ing.length ? ing.join(',') : ext || '<pending>';
      }
      const ports = ((spec.ports ?? []) as Array<{ port: number; protocol?: string; nodePort?: number }>)
        .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
        .join(',');
      const sel = Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      return [o.metadata.name, type, none(spec.clusterIP), none(ext), none(ports), age(o, now), none(sel)];
    },
  };
}

function configMapPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Data', 'string', 0, '', 'Data contains the configuration data.'), ageCol],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)],
  };
}

function secretPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Type', 'string'), col('Data', 'string'), ageCol],
    cells: (o, now) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o, now)],
  };
}

function namespacePrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Status', 'string', 0, '', 'The status of the namespace'), ageCol],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)],
  };
}

function nodePrinter(): TablePrinter {
  return {
    columns: [
      nameCol,
      col('Status', 'string'),
      col('Roles', 'string'),
      ageCol,
      col('Version', 'string'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells(o, now) {
      const st = o.status ?? {};
      const ready = (st.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
      const statuses = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
      if (o.spec?.unschedulable) statuses.push('SchedulingDisabled');
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length));
      const addr = (t: string) => (st.addresses ?? []).find((a: { type: string }) => a.type === t)?.address;
      const ni = st.nodeInfo ?? {};
      return [o.metadata.name, statuses.join(','), roles.length ? roles.join(',') : '<none>', age(o, now), ni.kubeletVersion ?? '', none(addr('InternalIP')), none(addr('ExternalIP')), none(ni.osImage), none(ni.kernelVersion), none(ni.containerRuntimeVersion)];
    },
  };
}

function eventPrinter(): TablePrinter {
  return {
    columns: [col('Last Seen', 'string'), col('Type', 'string'), col('Reason', 'string'), col('Object', 'string'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message', 'string'), col('First Seen', 'string', 1), col('Count', 'string', 1), col('Name', 'string', 1, 'name', 'Name must be unique within a namespace.')],
    cells(o, now) {
      const last = o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp;
      const io = o.involvedObject ?? o.regarding ?? {};
      const src = o.source?.component ?? o.reportingComponent ?? '';
      return [translateTimestampSince(last, now), o.type ?? '', o.reason ?? '', `${String(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`, io.fieldPath ?? '', src, o.message ?? o.note ?? '', translateTimestampSince(o.firstTimestamp ?? last, now), o.count ?? 1, o.metadata.name];
    },
  };
}

function jobPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Status', 'string'), col('Completions', 'string'), col('Duration', 'string'), ageCol, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells(o, now) {
      const st = o.status ?? {};
      const conds = (st.conditions ?? []) as Array<{ type: string; status: string }>;
      const has = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
      const status = has('Complete') ? 'Complete' : has('Failed') ? 'Failed' : o.metadata.deletionTimestamp ? 'Terminating' : has('Suspended') ? 'Suspended' : 'Running';
      const completions = o.spec?.completions !== undefined ? `${st.succeeded ?? 0}/${o.spec.completions}` : `${st.succeeded ?? 0}/1`;
      let dur = '';
      if (st.startTime) dur = humanDuration(Math.floor(((st.completionTime ? Date.parse(st.completionTime) : now.getTime()) - Date.parse(st.startTime)) / 1000));
      const [c, i] = containersImages(o.spec?.template);
      return [o.metadata.name, status, completions, dur, age(o, now), c, i, selectorString(o.spec?.selector)];
    },
  };
}

function cronJobPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Schedule', 'string'), col('Timezone', 'string'), col('Suspend', 'boolean'), col('Active', 'integer'), col('Last Schedule', 'string'), ageCol],
    cells: (o, now) => [o.metadata.name, o.spec?.schedule ?? '', none(o.spec?.timeZone), o.spec?.suspend ? 'True' : 'False', (o.status?.active ?? []).length, o.status?.lastScheduleTime ? translateTimestampSince(o.status.lastScheduleTime, now) : '<none>', age(o, now)],
  };
}

function serviceAccountPrinter(): TablePrinter {
  return { columns: [nameCol, col('Secrets', 'string'), ageCol], cells: (o, now) => [o.metadata.name, (o.secrets ?? []).length, age(o, now)] };
}

function leasePrinter(): TablePrinter {
  return { columns: [nameCol, col('Holder', 'string'), ageCol], cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)] };
}

function endpointsPrinter(): TablePrinter {
  return {
    columns: [nameCol, col('Endpoints', 'string'), ageCol],
    cells(o, now) {
      const eps: string[] = [];
      for (const s of o.subsets ?? []) for (const a of s.addresses ?? []) for (const p of s.ports ?? [{}]) eps.push(p.port ? `${a.ip}:${p.port}` : a.ip);
      return [o.metadata.name, eps.length ? eps.slice(0, 3).join(',') + (eps.length > 3 ? ` + ${eps.length - 3} more...` : '') : '<none>', age(o, now)];
    },
  };
}

function crdPrinter(): TablePrinter {
  return { columns: [nameCol, col('Created At', 'date')], cells: (o) => [o.metadata.name, o.metadata.creationTimestamp] };
}

/** PRINTERS maps `group/resource` to its printer; others use {@link DEFAULT_TABLE_PRINTER}. */
export const PRINTERS: Record<string, TablePrinter> = {
  '/pods': podPrinter(),
  'apps/deployments': deploymentPrinter(),
  'apps/replicasets': replicaSetPrinter(),
  'apps/statefulsets': statefulSetPrinter(),
  'apps/daemonsets': daemonSetPrinter(),
  '/services': servicePrinter(),
  '/configmaps': configMapPrinter(),
  '/secrets': secretPrinter(),
  '/namespaces': namespacePrinter(),
  '/nodes': nodePrinter(),
  '/events': eventPrinter(),
  '/endpoints': endpointsPrinter(),
  '/serviceaccounts': serviceAccountPrinter(),
  'batch/jobs': jobPrinter(),
  'batch/cronjobs': cronJobPrinter(),
  'coordination.k8s.io/leases': leasePrinter(),
  'apiextensions.k8s.io/customresourcedefinitions': crdPrinter(),
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
  const cols = columns && columns.length ? columns : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  return {
    columns: [nameCol, ...cols.map((c) => col(c.name, c.type, c.priority ?? 0, c.format ?? '', c.description ?? ''))],
    cells(o, now) {
      return [
        o.metadata.name,
        ...cols.map((c) => {
          const v = simpleJsonPath(o, c.jsonPath);
          if (v === undefined) return null;
          if (c.type === 'date' && typeof v === 'string') return translateTimestampSince(v, now);
          return typeof v === 'object' ? JSON.stringify(v) : v;
        }),
      ];
    },
  };
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
