/**
 * DaemonSetsController runs one pod of each DaemonSet on every eligible node (upstream
 * `pkg/controller/daemon/daemon_controller.go`, `update.go`, `util/daemonset_util.go`).
 * `reconcile(namespace/name)`:
 *
 * - a node is eligible when the DaemonSet's nodeSelector and required node affinity match it
 *   and its NoSchedule/NoExecute taints are tolerated (the pod's tolerations plus the ones
 *   added to every daemon pod: not-ready, unreachable, disk/memory/pid-pressure, unschedulable,
 *   and network-unavailable for hostNetwork pods);
 * - eligible nodes without a pod get one, pinned with a required `metadata.name` node
 *   affinity (the scheduler binds it); surplus, failed and misscheduled pods are deleted;
 * - the template's revision is a ControllerRevision `<ds>-<hash>`, and pods carry the
 *   `controller-revision-hash` label; RollingUpdate replaces old pods while at most
 *   `maxUnavailable` (default 1) are unavailable; OnDelete only replaces deleted pods;
 * - status: desired/current/misscheduled/ready/available/unavailable/updated counts.
 */
import { labels } from '#impl/apimachinery/index.ts';
import { getScaledValueFromIntOrPercent } from '#impl/apimachinery/index.ts';
import { isAlreadyExists, isNotFound, type KubeObject } from '#impl/client/index.ts';
import { DeletedFinalStateUnknown, noopLogger, waitForNamedCacheSync, type GenericInformer, type Logger } from '#impl/client/tools/cache/index.ts';
import { RateLimitingQueue, realClock, type Clock, type RateLimitingInterface } from '#impl/client/util/workqueue/index.ts';
import { resourceFor, type ClientLike, type GVR } from '../controller-client.ts';
import type { Controller } from '../controller-context.ts';
import { claimPods } from '../controller-ref-manager.ts';
import { ControllerExpectations, findToleration, getControllerOf, getPodFromTemplate, isPodAvailable, isPodReady, newControllerRef, podKey, unwrapTombstone, type ControllerGVK, type Taint, type Toleration } from '../controller-utils.ts';
import { computeHash } from '../deployment/util/deployment-util.ts';
import { noopRecorder, type EventRecorder } from '#impl/client/tools/record/index.ts';
import { errMessage, runWorkers } from '../worker-loop.ts';

/** DAEMONSET_CONTROLLER_NAME is the upstream controller name. */
export const DAEMONSET_CONTROLLER_NAME = 'daemonset-controller';
/** CONTROLLER_REVISION_HASH_LABEL labels pods with their template revision. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

const DS_GVK: ControllerGVK = { group: 'apps', version: 'v1', kind: 'DaemonSet' };
const DAEMONSETS: GVR = { group: 'apps', version: 'v1', resource: 'daemonsets' };
const PODS: GVR = { group: '', version: 'v1', resource: 'pods' };
const REVISIONS: GVR = { group: 'apps', version: 'v1', resource: 'controllerrevisions' };


/** daemonTolerations are added to every daemon pod (upstream `AddOrUpdateDaemonPodTolerations`). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function matchExpression(req: { key: string; operator: string; values?: string[] }, value: string | undefined): boolean {
  switch (req.operator) {
    case 'In':
      return value !== undefined && (req.values ?? []).includes(value);
    case 'NotIn':
      return value === undefined || !(req.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(req.values?.[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(req.values?.[0]);
    default:
      return false;
  }
}

/** nodeShouldRunDaemonPod decides eligibility (upstream `NodeShouldRunDaemonPod`, predicates only). */
export function nodeShouldRunDaemonPod(node: KubeObject, ds: KubeObject): boolean {
  const spec = ds.spec?.template?.spec ?? {};
  const nodeLabels = (node.metadata?.labels ?? {}) as Record<string, string>;
  if (spec.nodeName && spec.nodeName !== node.metadata?.name) return false;
  if (!labels.selectorFromSet(spec.nodeSelector ?? {}).matches(nodeLabels)) return false;
  const terms = (spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as Array<{
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
    matchFields?: Array<{ key: string; operator: string; values?: string[] }>;
  }>;
  if (terms.length > 0) {
    const ok = terms.some(
      (t) =>
        (t.matchExpressions ?? []).every((e) => matchExpression(e, nodeLabels[e.key])) &&
        (t.matchFields ?? []).every((e) => matchExpression(e, e.key === 'metadata.name' ? node.metadata?.name : undefined)) &&
        ((t.matchExpressions ?? []).length > 0 || (t.matchFields ?? []).length > 0),
    );
    if (!ok) return false;
  }
  const tols = [...((spec.tolerations ?? []) as Toleration[]), ...daemonTolerations(spec.hostNetwork === true)];
  for (const taint of (node.spec?.taints ?? []) as Taint[]) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!findToleration(tols, taint)) return false;
  }
  return true;
}

/** nodeOfPod returns the node a daemon pod is for (nodeName, or its required matchFields affinity). */
export function nodeOfPod(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const t of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/** DaemonSetsControllerOptions configure {@link DaemonSetsController}. */
export interface DaemonSetsControllerOptions {
  client: ClientLike;
  dsInformer: GenericInformer;
  podInformer: GenericInformer;
  nodeInformer: GenericInformer;
  revisionInformer: GenericInformer;
  recorder?: EventRecorder;
  clock?: Clock;
  logger?: Logger;
}

/** DaemonSetsController implements the daemonset controller. */
export class DaemonSetsController implements Controller {
  readonly name = DAEMONSET_CONTROLLER_NAME;
  readonly queue: RateLimitingInterface<string>;
  readonly expectations: ControllerExpectations;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly opts: DaemonSetsControllerOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? noopLogger;
    this.recorder = opts.recorder ?? noopRecorder;
    this.queue = new RateLimitingQueue<string>({ name: 'daemonset', clock: this.clock });
    this.expectations = new ControllerExpectations(this.clock);
    const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;
    opts.dsInformer.informer().addEventHandler({
      onAdd: (d) => this.queue.add(key(d)),
      onUpdate: (_o, d) => this.queue.add(key(d)),
      onDelete: (d) => this.expectations.deleteExpectations(key(unwrapTombstone(d))),
    });
    const podChanged = (obj: KubeObject | DeletedFinalStateUnknown, type: 'add' | 'update' | 'delete'): void => {
      const pod = unwrapTombstone(obj);
      const ref = getControllerOf(pod);
      if (!ref || ref.kind !== 'DaemonSet') return;
      const ds = opts.dsInformer.lister().byNamespace(pod.metadata?.namespace ?? '').get(ref.name);
      if (!ds || ds.metadata?.uid !== ref.uid) return;
      if (type === 'add') this.expectations.creationObserved(key(ds));
      if (type === 'delete') this.expectations.deletionObserved(key(ds), podKey(pod));
      this.queue.add(key(ds));
    };
    opts.podInformer.informer().addEventHandler({ onAdd: (p) => podChanged(p, 'add'), onUpdate: (_o, p) => podChanged(p, 'update'), onDelete: (p) => podChanged(p, 'delete') });
    const allDaemonSets = (): void => {
      for (const ds of opts.dsInformer.lister().list()) this.queue.add(key(ds));
    };
    opts.nodeInformer.informer().addEventHandler({
      onAdd: allDaemonSets,
      onUpdate: (o, n) => {
        if (JSON.stringify([o.metadata?.labels, o.spec?.taints]) !== JSON.stringify([n.metadata?.labels, n.spec?.taints])) allDaemonSets();
      },
      onDelete: allDaemonSets,
    });
  }

  /** reconcile syncs one DaemonSet (upstream `syncDaemonSet`). */
  async reconcile(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const cached = this.opts.dsInformer.lister().byNamespace(namespace).get(name);
    if (!cached) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const ds = structuredClone(cached);
    const podsApi = resourceFor(this.opts.client, PODS, namespace);
    const dsApi = resourceFor(this.opts.client, DAEMONSETS, namespace);
    const selector = labels.labelSelectorAsSelector(ds.spec?.selector);
    const pods = await claimPods(this.opts.podInformer.lister().byNamespace(namespace).list(), { controller: ds, gvk: DS_GVK, selector, pods: podsApi, getController: () => dsApi.get(name) });
    const hash = await this.ensureRevision(ds);
    const nodes = this.opts.nodeInformer.lister().list();
    const byNode = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const n = nodeOfPod(p);
      if (n === undefined) continue;
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const now = this.clock.now();
    const minReady = Number(ds.spec?.minReadySeconds ?? 0);
    const toCreate: string[] = [];
    const toDelete: KubeObject[] = [];
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    const eligible = new Set<string>();
    for (const node of nodes) {
      const n = node.metadata!.name!;
      const onNode = (byNode.get(n) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      if (nodeShouldRunDaemonPod(node, ds)) {
        eligible.add(n);
        desired++;
        const running = onNode.filter((p) => p.status?.phase !== 'Failed');
        for (const p of onNode.filter((x) => x.status?.phase === 'Failed')) toDelete.push(p);
        if (running.length === 0) toCreate.push(n);
        else {
          current++;
          // Keep the oldest; delete the rest.
          const sorted = [...running].sort((a, b) => (Date.parse(a.metadata?.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata?.creationTimestamp ?? '') || 0));
          toDelete.push(...sorted.slice(1));
          const p = sorted[0]!;
          if (isPodReady(p)) ready++;
          if (isPodAvailable(p, minReady, now)) available++;
          if (p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) updated++;
        }
      } else if (onNode.length > 0) {
        misscheduled++;
        toDelete.push(...onNode);
      }
    }
    // Pods of nodes that no longer exist.
    for (const [n, ps] of byNode) if (!nodes.some((x) => x.metadata?.name === n)) toDelete.push(...ps.filter((p) => !p.metadata?.deletionTimestamp));

    // RollingUpdate: replace old-revision pods while few enough are unavailable.
    const strategy = ds.spec?.updateStrategy?.type ?? 'RollingUpdate';
    if (strategy === 'RollingUpdate') {
      const maxUnavailable = getScaledValueFromIntOrPercent(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true);
      let unavailable = desired - available;
      for (const n of eligible) {
        const p = (byNode.get(n) ?? []).find((x) => !x.metadata?.deletionTimestamp && x.status?.phase !== 'Failed');
        if (!p || p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash || toDelete.includes(p)) continue;
        const isAvail = isPodAvailable(p, minReady, now);
        if (!isAvail) toDelete.push(p); // already unavailable: replace it at once
        else if (unavailable < maxUnavailable) {
          toDelete.push(p);
          unavailable++;
        }
      }
    }

    const errors: string[] = [];
    if (this.expectations.satisfiedExpectations(key)) {
      if (toCreate.length) this.expectations.expectCreations(key, toCreate.length);
      const ref = newControllerRef(ds, DS_GVK);
      await Promise.all(
        toCreate.map(async (n) => {
          const pod = getPodFromTemplate(ds.spec?.template, ds, ref);
          pod.metadata!.labels = { ...(pod.metadata!.labels as Record<string, string>), [CONTROLLER_REVISION_HASH_LABEL]: hash };
          const spec = pod.spec;
          spec.tolerations = [...(spec.tolerations ?? []), ...daemonTolerations(spec.hostNetwork === true).filter((t) => !(spec.tolerations ?? []).some((x: Toleration) => x.key === t.key && x.effect === t.effect))];
          spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { ...(spec.affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [n] }] }] } } };
          try {
            const p = await podsApi.create(pod);
            this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${p.metadata?.name}`);
          } catch (err) {
            this.expectations.creationObserved(key);
            this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${errMessage(err)}`);
            errors.push(errMessage(err));
          }
        }),
      );
      const victims = [...new Set(toDelete)];
      if (victims.length) this.expectations.expectDeletions(key, victims.map(podKey));
      await Promise.all(
        victims.map(async (p) => {
          try {
            await podsApi.delete(p.metadata!.name!);
            this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
          } catch (err) {
            this.expectations.deletionObserved(key, podKey(p));
            if (!isNotFound(err)) errors.push(errMessage(err));
          }
        }),
      );
    }
    const status = {
      ...(ds.status ?? {}),
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata?.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: Math.max(0, desired - available),
    };
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {})) {
      await dsApi.update({ ...ds, status }, { subresource: 'status' }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  /** ensureRevision creates the ControllerRevision for the current template; it returns its hash. */
  private async ensureRevision(ds: KubeObject): Promise<string> {
    const hash = computeHash(ds.spec?.template, ds.status?.collisionCount);
    const namespace = ds.metadata?.namespace ?? '';
    const revName = `${ds.metadata?.name}-${hash}`;
    const revs = this.opts.revisionInformer.lister().byNamespace(namespace).list().filter((r) => getControllerOf(r)?.uid === ds.metadata?.uid);
    if (revs.some((r) => r.metadata?.name === revName)) return hash;
    const maxRev = revs.reduce((m, r) => Math.max(m, Number(r.revision ?? 0)), 0);
    try {
      await resourceFor(this.opts.client, REVISIONS, namespace).create({
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name: revName, labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash }, ownerReferences: [newControllerRef(ds, DS_GVK)] },
        data: { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } },
        revision: maxRev + 1,
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return hash;
  }

  async run(signal: AbortSignal, workers: number): Promise<void> {
    const synced = [this.opts.dsInformer, this.opts.podInformer, this.opts.nodeInformer, this.opts.revisionInformer].map((i) => () => i.informer().hasSynced());
    if (!(await waitForNamedCacheSync(this.name, signal, synced, { logger: this.logger, clock: this.clock }))) return;
    await runWorkers({ name: this.name, queue: this.queue, reconcile: (k) => this.reconcile(k), workers, signal, logger: this.logger });
  }
}
