/**
 * The scheduler plugin API, after upstream `k8s.io/kube-scheduler/framework/interface.go`: the
 * {@link Code} of an outcome, {@link Status}, and one small interface per extension point. This
 * module holds only what plugin authors need; the runtime that calls the plugins (the
 * `Framework`) lives in `runtime/framework.ts`.
 *
 * Outcomes are values: a plugin returns a {@link Status}, and `undefined` means Success (nil
 * upstream). Exceptions are kept for bugs; {@link asStatus} is the single bridge from an
 * unexpected error to code Error.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState } from './cycle-state.ts';
import type { ClusterEventWithHint } from './events.ts';
import type { NodeInfo, QueuedPodInfo } from './types.ts';

/**
 * Code is the outcome of running a plugin. When you add a new code, add it to
 * {@link CODE_NAMES} below too (the table does not compile without it).
 */
export const Code = {
  /** Success means the plugin ran correctly and found the pod schedulable. */
  Success: 0,
  /** Error is an internal plugin error or an unexpected input; the pod goes to backoff. */
  Error: 1,
  /**
   * Unschedulable means the pod does not fit the node now, but preemption or a cluster change
   * may help. The pod waits in unschedulablePods until a relevant cluster event moves it.
   */
  Unschedulable: 2,
  /**
   * UnschedulableAndUnresolvable is like Unschedulable, but preemption on this node cannot
   * help (PostFilter skips the node).
   */
  UnschedulableAndUnresolvable: 3,
  /** Wait is returned by Permit plugins that hold the pod before binding. */
  Wait: 4,
  /** Skip means the plugin has nothing to do for this pod; the runtime skips its later points. */
  Skip: 5,
  /**
   * Pending means the pod waits for something outside the scheduler (e.g. an external
   * controller); it is retried on a relevant event without backoff.
   */
  Pending: 6,
} as const;

/** Code is one of the {@link Code} values. */
export type Code = (typeof Code)[keyof typeof Code];

/** CODE_NAMES names each code as upstream prints it (`Status.Code().String()`). */
export const CODE_NAMES: Record<Code, string> = {
  0: 'Success',
  1: 'Error',
  2: 'Unschedulable',
  3: 'UnschedulableAndUnresolvable',
  4: 'Wait',
  5: 'Skip',
  6: 'Pending',
};

/** MaxNodeScore is the highest score a Score plugin may return after normalization. */
export const MaxNodeScore = 100;
/** MinNodeScore is the lowest score a Score plugin may return after normalization. */
export const MinNodeScore = 0;
/** MaxTotalScore is the upper bound of a node's summed, weighted score. */
export const MaxTotalScore = Number.MAX_SAFE_INTEGER;

/**
 * Status is the result of running a plugin: a code, user-facing reasons ("Insufficient cpu"),
 * an optional underlying error and the plugin that produced it.
 */
export class Status {
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly err?: Error,
    /** The plugin that returned this status; set by the runtime. */
    public plugin = '',
  ) {}

  /** isSuccess reports whether the code is Success. */
  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  /** isWait reports whether the code is Wait. */
  isWait(): boolean {
    return this.code === Code.Wait;
  }

  /** isSkip reports whether the code is Skip. */
  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** isRejected reports whether the pod was rejected: Unschedulable, UnschedulableAndUnresolvable or Pending. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable || this.code === Code.Pending;
  }

  /** message joins the reasons with ", " (upstream `Status.Message`). */
  message(): string {
    return this.reasons.join(', ');
  }

  /** asError returns an Error for a non-success status, or undefined. */
  asError(): Error | undefined {
    if (this.code === Code.Success || this.code === Code.Skip) return undefined;
    if (this.err) return this.err;
    return new Error(this.message());
  }

  /** withPlugin records the plugin that produced this status and returns it. */
  withPlugin(name: string): this {
    this.plugin = name;
    return this;
  }

  /** toString renders `Code: reasons` for logs. */
  toString(): string {
    return `${CODE_NAMES[this.code]}: ${this.err ? this.err.message : this.message()}`;
  }
}

/** newStatus builds a Status with a code and reasons (upstream `NewStatus`). */
export function newStatus(code: Code, ...reasons: string[]): Status {
  return new Status(code, reasons);
}

/** unschedulable builds an Unschedulable status: preemption or a cluster change may help. */
export function unschedulable(...reasons: string[]): Status {
  return new Status(Code.Unschedulable, reasons);
}

/** unschedulableAndUnresolvable builds an UnschedulableAndUnresolvable status: preemption cannot help. */
export function unschedulableAndUnresolvable(...reasons: string[]): Status {
  return new Status(Code.UnschedulableAndUnresolvable, reasons);
}

/** asStatus turns an unexpected error into a Status with code Error (upstream `AsStatus`). */
export function asStatus(err: unknown): Status {
  const e = err instanceof Error ? err : new Error(String(err));
  return new Status(Code.Error, [e.message], e);
}

/** statusCode returns the code of a possibly-undefined status (undefined is Success). */
export function statusCode(s: Status | undefined): Code {
  return s ? s.code : Code.Success;
}

/** isSuccess reports whether a possibly-undefined status is Success. */
export function isSuccess(s: Status | undefined): boolean {
  return !s || s.code === Code.Success;
}

/** NodeScore is one node's score from one plugin, or the total. */
export interface NodeScore {
  name: string;
  score: number;
}

/**
 * PreFilterResult narrows the nodes to evaluate: `nodeNames` undefined means all nodes.
 * Results of several plugins are intersected.
 */
export interface PreFilterResult {
  nodeNames?: ReadonlySet<string>;
}

/** PreFilterOutcome is what a PreFilter plugin returns; undefined means Success for all nodes. */
export type PreFilterOutcome = { result?: PreFilterResult; status?: Status } | undefined;

/** PostFilterResult carries the nominated node a PostFilter plugin (preemption) chose. */
export interface PostFilterResult {
  nominatedNodeName?: string;
}

/** Plugin is the parent of every extension-point interface: it has a unique name. */
export interface Plugin {
  readonly name: string;
}

/**
 * PreEnqueuePlugin runs before a pod enters activeQ. A non-success status keeps the pod in the
 * unschedulable pool (gated) until an event re-runs the check.
 */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status | undefined;
}

/** QueueSortPlugin orders activeQ; only one may be enabled. */
export interface QueueSortPlugin extends Plugin {
  less(a: QueuedPodInfo, b: QueuedPodInfo): boolean;
}

/**
 * EnqueueExtensions lists the cluster events that may make a pod that this plugin rejected
 * schedulable. A plugin that does not implement it is assumed to care about every event.
 */
export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): ClusterEventWithHint[];
}

/** PreFilterExtensions let preemption and nominated-pod evaluation update pre-filter state incrementally. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status | undefined;
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status | undefined;
}

/**
 * PreFilterPlugin computes once per cycle what Filter needs and writes it to CycleState; it may
 * narrow the candidate nodes or reject the pod outright.
 */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): PreFilterOutcome;
  preFilterExtensions?(): PreFilterExtensions | undefined;
}

/** FilterPlugin decides whether the pod can run on one node. It must not change nodeInfo. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
}

/** NodeToStatus maps each rejected node's name to the status that rejected it. */
export interface NodeToStatusReader {
  get(nodeName: string): Status | undefined;
  /** The status of nodes that have no entry (e.g. all nodes when PreFilter rejected the pod). */
  absentNodesStatus(): Status;
  entries(): Iterable<[string, Status]>;
}

/** PostFilterPlugin runs when no node fits (preemption). */
export interface PostFilterPlugin extends Plugin {
  postFilter(
    state: CycleState,
    pod: Pod,
    filteredNodeStatusMap: NodeToStatusReader,
    signal?: AbortSignal,
  ): Promise<{ result?: PostFilterResult; status?: Status }>;
}

/** PreScorePlugin prepares per-cycle state for Score from the feasible nodes. */
export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined;
}

/** ScoreExtensions normalizes the raw scores of one plugin into [MinNodeScore, MaxNodeScore]. */
export interface ScoreExtensions {
  normalizeScore(state: CycleState, pod: Pod, scores: NodeScore[]): Status | undefined;
}

/**
 * ScorePlugin ranks one feasible node. It returns the raw score, or a Status on error. Scores
 * must be in [MinNodeScore, MaxNodeScore] after the optional normalization.
 */
export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status;
  scoreExtensions?(): ScoreExtensions | undefined;
}

/** ReservePlugin is told when the scheduler reserves (or releases) a node for the pod. */
export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status | undefined;
  /** unreserve must be idempotent and must not fail. */
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

/** PermitPlugin may approve, deny or delay (Wait with a timeout) the binding. */
export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): { status?: Status; timeoutMs?: number };
}

/** PreBindPlugin runs before Bind (e.g. to provision volumes). */
export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined>;
}

/** BindPlugin binds the pod to the node; Skip passes to the next binder. */
export interface BindPlugin extends Plugin {
  bind(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined>;
}

/** PostBindPlugin is informed after a successful bind (cleanup). */
export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** isPreEnqueuePlugin is the type guard for {@link PreEnqueuePlugin}. */
export const isPreEnqueuePlugin = (p: Plugin): p is PreEnqueuePlugin => typeof (p as PreEnqueuePlugin).preEnqueue === 'function';
/** isQueueSortPlugin is the type guard for {@link QueueSortPlugin}. */
export const isQueueSortPlugin = (p: Plugin): p is QueueSortPlugin => typeof (p as QueueSortPlugin).less === 'function';
/** isEnqueueExtensions is the type guard for {@link EnqueueExtensions}. */
export const isEnqueueExtensions = (p: Plugin): p is EnqueueExtensions => typeof (p as EnqueueExtensions).eventsToRegister === 'function';
/** isPreFilterPlugin is the type guard for {@link PreFilterPlugin}. */
export const isPreFilterPlugin = (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function';
/** isFilterPlugin is the type guard for {@link FilterPlugin}. */
export const isFilterPlugin = (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function';
/** isPostFilterPlugin is the type guard for {@link PostFilterPlugin}. */
export const isPostFilterPlugin = (p: Plugin): p is PostFilterPlugin => typeof (p as PostFilterPlugin).postFilter === 'function';
/** isPreScorePlugin is the type guard for {@link PreScorePlugin}. */
export const isPreScorePlugin = (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function';
/** isScorePlugin is the type guard for {@link ScorePlugin}. */
export const isScorePlugin = (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function';
/** isReservePlugin is the type guard for {@link ReservePlugin}. */
export const isReservePlugin = (p: Plugin): p is ReservePlugin => typeof (p as ReservePlugin).reserve === 'function';
/** isPermitPlugin is the type guard for {@link PermitPlugin}. */
export const isPermitPlugin = (p: Plugin): p is PermitPlugin => typeof (p as PermitPlugin).permit === 'function';
/** isPreBindPlugin is the type guard for {@link PreBindPlugin}. */
export const isPreBindPlugin = (p: Plugin): p is PreBindPlugin => typeof (p as PreBindPlugin).preBind === 'function';
/** isBindPlugin is the type guard for {@link BindPlugin}. */
export const isBindPlugin = (p: Plugin): p is BindPlugin => typeof (p as BindPlugin).bind === 'function';
/** isPostBindPlugin is the type guard for {@link PostBindPlugin}. */
export const isPostBindPlugin = (p: Plugin): p is PostBindPlugin => typeof (p as PostBindPlugin).postBind === 'function';

/** NodeInfoLister reads the nodes of the current snapshot. */
export interface NodeInfoLister {
  /** list returns every node, in the snapshot's order. */
  list(): readonly NodeInfo[];
  /** havePodsWithAffinityList returns the nodes that hold at least one pod with (anti-)affinity. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** havePodsWithRequiredAntiAffinityList returns the nodes that hold a pod with required anti-affinity. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
  /** get returns one node, or undefined. */
  get(nodeName: string): NodeInfo | undefined;
  /**
   * nodeGeneration changes whenever the list's node set or any Node object in it changes (not on
   * pod changes), so plugins may cache what they derive from node labels. Optional: without it,
   * plugins recompute every cycle.
   */
  nodeGeneration?(): number;
}

/** SharedLister is the snapshot as plugins see it. */
export interface SharedLister {
  nodeInfos(): NodeInfoLister;
}

/**
 * Handle is what the framework gives plugin factories (upstream `framework.Handle`): the
 * cycle's snapshot, API access and the event recorder.
 */
export interface Handle {
  /** snapshotSharedLister returns the snapshot of the current cycle. */
  snapshotSharedLister(): SharedLister;
  /** client talks to the apiserver (bind, preemption). Undefined in pure unit tests. */
  readonly client?: import('#impl/client/index.ts').RestClient;
  /** eventRecorder records Events (e.g. `Preempted` on victims) through client-go style `tools/record`; optional in unit tests. */
  readonly eventRecorder?: import('#impl/client/tools/record/index.ts').EventRecorder;
  /** parallelism is the configured `parallelism` (workers for parallel plugin work). */
  readonly parallelism: number;
  /** metrics lets plugins record the preemption metrics (`scheduler_preemption_*`). */
  readonly metrics?: PluginMetrics;
  /** listers read PDBs, PriorityClasses and storage objects; absent without an API client. */
  readonly listers?: SharedListers;
  /** runFilterPlugins runs the profile's Filter plugins on one node (preemption's what-if checks). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
  /** runFilterPluginsWithNominatedPods also counts higher-priority pods nominated to the node. */
  runFilterPluginsWithNominatedPods?(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined;
  /** nominatedPodsForNode returns the pods preemption nominated to a node (the queue's nominator). */
  nominatedPodsForNode?(nodeName: string): readonly { pod: Pod }[];
  /** runPreFilterExtensionRemovePod tells PreFilter plugins that `podToRemove` left `nodeInfo` (preemption what-ifs). */
  runPreFilterExtensionRemovePod?(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status | undefined;
  /** runPreFilterExtensionAddPod tells PreFilter plugins that `podToAdd` joined `nodeInfo`. */
  runPreFilterExtensionAddPod?(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status | undefined;
}

/**
 * SharedListers are the informer-backed reads plugins need beyond nodes and pods (upstream
 * `Handle.SharedInformerFactory()` listers). Every method is optional: a scheduler without an
 * API client (benchmarks, unit tests) has none, and plugins treat a missing lister as "no objects".
 */
export interface SharedListers {
  /** podDisruptionBudgets lists policy/v1 PodDisruptionBudgets (all namespaces). */
  podDisruptionBudgets?(): readonly import('#generated/k8s/index.ts').PodDisruptionBudget[];
  /** priorityClass returns a scheduling.k8s.io/v1 PriorityClass by name. */
  priorityClass?(name: string): import('#generated/k8s/index.ts').PriorityClass | undefined;
  /** persistentVolumeClaim returns a PVC by namespace and name. */
  persistentVolumeClaim?(namespace: string, name: string): import('#generated/k8s/index.ts').PersistentVolumeClaim | undefined;
  /** persistentVolume returns a PV by name. */
  persistentVolume?(name: string): import('#generated/k8s/index.ts').PersistentVolume | undefined;
  /** persistentVolumes lists every PV. */
  persistentVolumes?(): readonly import('#generated/k8s/index.ts').PersistentVolume[];
  /** storageClass returns a storage.k8s.io/v1 StorageClass by name. */
  storageClass?(name: string): import('#generated/k8s/index.ts').StorageClass | undefined;
  /** services lists the Services of a namespace (PodTopologySpread default constraints). */
  services?(namespace: string): readonly import('#generated/k8s/index.ts').Service[];
  /** replicationController returns a ReplicationController by namespace and name. */
  replicationController?(namespace: string, name: string): import('#generated/k8s/index.ts').ReplicationController | undefined;
  /** replicaSet returns an apps/v1 ReplicaSet by namespace and name. */
  replicaSet?(namespace: string, name: string): import('#generated/k8s/index.ts').ReplicaSet | undefined;
  /** statefulSet returns an apps/v1 StatefulSet by namespace and name. */
  statefulSet?(namespace: string, name: string): import('#generated/k8s/index.ts').StatefulSet | undefined;
  /** namespace returns a Namespace by name (namespaceSelector of pod affinity terms). */
  namespace?(name: string): import('#generated/k8s/index.ts').Namespace | undefined;
  /** csiNode returns a storage.k8s.io/v1 CSINode by node name. */
  csiNode?(name: string): import('#generated/k8s/index.ts').CSINode | undefined;
}

/** PluginMetrics are the metrics plugins record themselves (upstream records them in the preemption evaluator). */
export interface PluginMetrics {
  /** preemptionAttempt counts one preemption attempt (`scheduler_preemption_attempts_total`). */
  preemptionAttempt(): void;
  /** preemptionVictims observes the victim count of a chosen candidate (`scheduler_preemption_victims`). */
  preemptionVictims(count: number): void;
}

/** PluginFactory builds a plugin from its `pluginConfig` args and the handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
