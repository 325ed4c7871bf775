/**
 * The framework runtime (upstream `pkg/scheduler/framework/runtime/framework.go`): it builds a
 * profile's plugins from the registry and the merged plugin sets, and runs each extension point
 * in order. Timing and metrics are recorded once, here, in the runner loops.
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { PluginConfig, Plugins, PluginSet } from '../../apis/config/types.ts';
import { CycleState } from '../cycle-state.ts';
import type { ClusterEventWithHint } from '../events.ts';
import {
  Code,
  asStatus,
  isBindPlugin,
  isEnqueueExtensions,
  isFilterPlugin,
  isPermitPlugin,
  isPostBindPlugin,
  isPostFilterPlugin,
  isPreBindPlugin,
  isPreEnqueuePlugin,
  isPreFilterPlugin,
  isPreScorePlugin,
  isQueueSortPlugin,
  isReservePlugin,
  isScorePlugin,
  Status,
  type BindPlugin,
  type FilterPlugin,
  type Handle,
  type NodeScore,
  type NodeToStatusReader,
  type PermitPlugin,
  type Plugin,
  type PluginFactory,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type QueueSortPlugin,
  type ReservePlugin,
  type ScorePlugin,
  type SharedLister,
} from '../interface.ts';
import type { NodeInfo, PodInfo, QueuedPodInfo } from '../types.ts';

/** NodePluginScores is one node's total and per-plugin scores. */
export interface NodePluginScores {
  name: string;
  totalScore: number;
}

/** ExtensionPointObserver receives one observation per extension point run (metrics). */
export type ExtensionPointObserver = (extensionPoint: string, status: Status | undefined, seconds: number) => void;

/** FrameworkOptions builds one profile's framework. */
export interface FrameworkOptions {
  profileName: string;
  registry: ReadonlyMap<string, PluginFactory>;
  /** plugins is the merged plugin configuration (defaults applied). */
  plugins: Plugins;
  pluginConfig?: PluginConfig[];
  percentageOfNodesToScore?: number;
  /** snapshotSharedLister returns the current cycle's snapshot. */
  snapshotSharedLister: () => SharedLister;
  client?: Handle['client'];
  eventRecorder?: Handle['eventRecorder'];
  listers?: Handle['listers'];
  metrics?: Handle['metrics'];
  parallelism?: number;
  /** observe is called after each extension point (for `scheduler_framework_extension_point_duration_seconds`). */
  observe?: ExtensionPointObserver;
  /** now is the time source in ms (for timing only). */
  now?: () => number;
}

interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** WaitingPod is a pod held by a Permit plugin returning Wait. */
interface WaitingPod {
  pending: Set<string>;
  resolve: (s: Status | undefined) => void;
  timers: NodeJS.Timeout[];
}

/**
 * Framework runs the plugins of one profile. Instances are created by {@link newFramework}.
 */
export class Framework implements Handle {
  readonly profileName: string;
  readonly percentageOfNodesToScore: number | undefined;
  readonly client: Handle['client'];
  eventRecorder: Handle['eventRecorder'];
  listers: Handle['listers'];
  metrics: Handle['metrics'];
  readonly parallelism: number;
  readonly preEnqueuePlugins: PreEnqueuePlugin[] = [];
  readonly queueSortPlugins: QueueSortPlugin[] = [];
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: WeightedScorePlugin[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  /** pluginsMap holds every instantiated plugin by name. */
  readonly pluginsMap = new Map<string, Plugin>();
  private readonly lister: () => SharedLister;
  private readonly observe: ExtensionPointObserver | undefined;
  private readonly now: () => number;
  private readonly waitingPods = new Map<string, WaitingPod>();

  constructor(o: FrameworkOptions) {
    this.profileName = o.profileName;
    this.percentageOfNodesToScore = o.percentageOfNodesToScore;
    this.client = o.client;
    this.eventRecorder = o.eventRecorder;
    this.listers = o.listers;
    this.metrics = o.metrics;
    this.parallelism = o.parallelism ?? 16;
    this.lister = o.snapshotSharedLister;
    this.observe = o.observe;
    this.now = o.now ?? (() => performance.now());
    const args = new Map((o.pluginConfig ?? []).map((c) => [c.name, c.args] as const));
    const plugins = o.plugins;
    // Instantiate every plugin named anywhere, once.
    const needed = new Set<string>();
    const collect = (set: PluginSet | undefined): void => {
      for (const p of set?.enabled ?? []) needed.add(p.name);
    };
    collect(plugins.multiPoint);
    for (const [k, v] of Object.entries(plugins)) if (k !== 'multiPoint') collect(v);
    for (const name of needed) {
      const factory = o.registry.get(name);
      if (!factory) throw new Error(`plugin "${name}" does not exist`);
      const plugin = factory(args.get(name), this);
      this.pluginsMap.set(name, plugin);
    }
    this.expand(plugins);
    if (this.queueSortPlugins.length === 0) throw new Error('no queue sort plugin is enabled');
    if (this.queueSortPlugins.length > 1) throw new Error('only one queue sort plugin can be enabled');
    if (this.bindPlugins.length === 0) throw new Error('at least one bind plugin is needed');
  }

  snapshotSharedLister(): SharedLister {
    return this.lister();
  }

  /**
   * expand fills each extension point: plugins enabled at that point explicitly come first (in
   * their order), then MultiPoint plugins that implement it and are not disabled there.
   */
  private expand(plugins: Plugins): void {
    const point = <T extends Plugin>(
      key: Exclude<keyof Plugins, 'multiPoint'>,
      guard: (p: Plugin) => p is T,
      add: (p: T, weight: number) => void,
    ): void => {
      const set = plugins[key];
      const disabled = new Set((set?.disabled ?? []).map((p) => p.name));
      const seen = new Set<string>();
      const push = (ref: { name: string; weight?: number }, fromMultiPoint: boolean): void => {
        if (seen.has(ref.name)) return;
        const p = this.pluginsMap.get(ref.name)!;
        if (!guard(p)) {
          if (!fromMultiPoint) throw new Error(`plugin "${ref.name}" does not extend ${key} plugin`);
          return;
        }
        seen.add(ref.name);
        add(p, ref.weight && ref.weight > 0 ? ref.weight : 1);
      };
      for (const ref of set?.enabled ?? []) push(ref, false);
      if (disabled.has('*')) return;
      for (const ref of plugins.multiPoint?.enabled ?? []) if (!disabled.has(ref.name)) push(ref, true);
    };
    point('preEnqueue', isPreEnqueuePlugin, (p) => this.preEnqueuePlugins.push(p));
    point('queueSort', isQueueSortPlugin, (p) => this.queueSortPlugins.push(p));
    point('preFilter', isPreFilterPlugin, (p) => this.preFilterPlugins.push(p));
    point('filter', isFilterPlugin, (p) => this.filterPlugins.push(p));
    point('postFilter', isPostFilterPlugin, (p) => this.postFilterPlugins.push(p));
    point('preScore', isPreScorePlugin, (p) => this.preScorePlugins.push(p));
    point('score', isScorePlugin, (p, weight) => this.scorePlugins.push({ plugin: p, weight }));
    point('reserve', isReservePlugin, (p) => this.reservePlugins.push(p));
    point('permit', isPermitPlugin, (p) => this.permitPlugins.push(p));
    point('preBind', isPreBindPlugin, (p) => this.preBindPlugins.push(p));
    point('bind', isBindPlugin, (p) => this.bindPlugins.push(p));
    point('postBind', isPostBindPlugin, (p) => this.postBindPlugins.push(p));
  }

  /** queueSortFunc returns the `less` of the queue sort plugin. */
  queueSortFunc(): (a: QueuedPodInfo, b: QueuedPodInfo) => boolean {
    const p = this.queueSortPlugins[0]!;
    return (a, b) => p.less(a, b);
  }

  /** enqueueExtensions maps each plugin to the events it registered (undefined = all events). */
  eventsToRegister(): Map<string, ClusterEventWithHint[] | undefined> {
    const m = new Map<string, ClusterEventWithHint[] | undefined>();
    for (const [name, p] of this.pluginsMap) m.set(name, isEnqueueExtensions(p) ? p.eventsToRegister() : undefined);
    return m;
  }

  private timed<T>(point: string, fn: () => T, statusOf: (r: T) => Status | undefined): T {
    if (!this.observe) return fn();
    const start = this.now();
    const r = fn();
    this.observe(point, statusOf(r), (this.now() - start) / 1000);
    return r;
  }

  /** runPreEnqueuePlugins returns the first rejecting status (with its plugin), or undefined. */
  runPreEnqueuePlugins(pod: Pod): Status | undefined {
    for (const p of this.preEnqueuePlugins) {
      let s: Status | undefined;
      try {
        s = p.preEnqueue(pod);
      } catch (err) {
        s = asStatus(new Error(`running PreEnqueue plugin "${p.name}": ${(err as Error).message}`, { cause: err }));
      }
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /**
   * runPreFilterPlugins runs every PreFilter plugin; it intersects their node-name results and
   * stops at the first rejection. Plugins returning Skip are recorded so their Filter is skipped.
   */
  runPreFilterPlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { result?: PreFilterResult; status?: Status; unschedulablePlugins: Set<string> } {
    return this.timed(
      'PreFilter',
      () => {
        let result: PreFilterResult | undefined;
        const unschedulablePlugins = new Set<string>();
        const narrowing: string[] = [];
        for (const p of this.preFilterPlugins) {
          let out;
          try {
            out = p.preFilter(state, pod, nodes);
          } catch (err) {
            out = { status: asStatus(err) };
          }
          const s = out?.status;
          if (s?.isSkip()) {
            state.skipFilterPlugins.add(p.name);
            continue;
          }
          if (s && !s.isSuccess()) {
            s.withPlugin(p.name);
            if (s.isRejected()) {
              unschedulablePlugins.add(p.name);
              return { status: s, unschedulablePlugins };
            }
            return { status: asStatus(new Error(`running PreFilter plugin "${p.name}": ${s.message()}`)).withPlugin(p.name), unschedulablePlugins };
          }
          const r = out?.result;
          if (r?.nodeNames) {
            narrowing.push(p.name);
            result = { nodeNames: result?.nodeNames ? new Set([...result.nodeNames].filter((n) => r.nodeNames!.has(n))) : r.nodeNames };
            if (result.nodeNames!.size === 0) {
              const msg = `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}] simultaneously`;
              for (const n of narrowing) unschedulablePlugins.add(n);
              return { result, status: new Status(Code.UnschedulableAndUnresolvable, [msg]), unschedulablePlugins };
            }
          }
        }
        return { result, unschedulablePlugins };
      },
      (r) => r.status,
    );
  }

  /**
   * nominatedPodsForNode returns the pods nominated to a node by preemption (set by the
   * scheduler once its queue exists).
   */
  nominatedPodsForNode: (nodeName: string) => readonly PodInfo[] = () => [];

  /**
   * runFilterPluginsWithNominatedPods runs the filters twice when higher-or-equal priority pods
   * are nominated to the node: once with them added (so this pod does not take the room
   * preemption freed for them) and once without (so it does not depend on them, e.g. for
   * inter-pod affinity). upstream: RunFilterPluginsWithNominatedPods.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const nominated = this.nominatedPodsForNode(nodeInfo.nodeName());
    if (nominated.length > 0) {
      const prio = pod.spec?.priority ?? 0;
      const uid = pod.metadata?.uid;
      let copy: NodeInfo | undefined;
      let stateCopy: CycleState | undefined;
      for (const pi of nominated) {
        if ((pi.pod.spec?.priority ?? 0) < prio || pi.pod.metadata?.uid === uid) continue;
        copy ??= nodeInfo.snapshotClone();
        stateCopy ??= state.clone();
        copy.addPod(pi);
        this.runPreFilterExtensionAddPod(stateCopy, pod, pi.pod, copy);
      }
      if (copy && stateCopy) {
        const s = this.runFilterPlugins(stateCopy, pod, copy);
        if (s) return s;
      }
    }
    return this.runFilterPlugins(state, pod, nodeInfo);
  }

  /** runFilterPlugins runs the Filter plugins on one node and returns the first failure (with its plugin). */
  runFilterPlugins(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const skip = state.skipFilterPlugins;
    for (const p of this.filterPlugins) {
      if (skip.size && skip.has(p.name)) continue;
      let s: Status | undefined;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && !s.isSuccess()) {
        if (!s.isRejected()) s = asStatus(new Error(`running "${p.name}" filter plugin: ${s.err?.message ?? s.message()}`));
        return s.withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** runPreFilterExtensionRemovePod runs every PreFilter plugin's removePod extension (skipped plugins excluded). */
  runPreFilterExtensionRemovePod(state: CycleState, podToSchedule: Pod, podToRemove: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions?.()?.removePod(state, podToSchedule, podToRemove, nodeInfo);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** runPreFilterExtensionAddPod runs every PreFilter plugin's addPod extension (skipped plugins excluded). */
  runPreFilterExtensionAddPod(state: CycleState, podToSchedule: Pod, podToAdd: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of this.preFilterPlugins) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions?.()?.addPod(state, podToSchedule, podToAdd, nodeInfo);
      if (s && !s.isSuccess()) return s.withPlugin(p.name);
    }
    return undefined;
  }

  /** runPostFilterPlugins runs PostFilter plugins until one succeeds (preemption found a node). */
  async runPostFilterPlugins(state: CycleState, pod: Pod, statuses: NodeToStatusReader, signal?: AbortSignal): Promise<{ result?: PostFilterResult; status: Status | undefined }> {
    const start = this.now();
    const reasons: string[] = [];
    let rejector = '';
    let final: Status | undefined = new Status(Code.Unschedulable);
    for (const p of this.postFilterPlugins) {
      let out: { result?: PostFilterResult; status?: Status };
      try {
        out = await p.postFilter(state, pod, statuses, signal);
      } catch (err) {
        out = { status: asStatus(err) };
      }
      const s = out.status;
      if (!s || s.isSuccess()) {
        final = undefined;
        this.observe?.('PostFilter', undefined, (this.now() - start) / 1000);
        return { result: out.result, status: undefined };
      }
      if (!s.isRejected()) {
        this.observe?.('PostFilter', s, (this.now() - start) / 1000);
        return { status: s.withPlugin(p.name) };
      }
      reasons.push(...s.reasons);
      if (!rejector) rejector = p.name;
    }
    final = new Status(Code.Unschedulable, reasons, undefined, rejector);
    this.observe?.('PostFilter', final, (this.now() - start) / 1000);
    return { status: final };
  }

  /** runPreScorePlugins runs PreScore; plugins returning Skip are not scored. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status | undefined {
    return this.timed(
      'PreScore',
      () => {
        for (const p of this.preScorePlugins) {
          let s: Status | undefined;
          try {
            s = p.preScore(state, pod, nodes);
          } catch (err) {
            s = asStatus(err);
          }
          if (s?.isSkip()) {
            state.skipScorePlugins.add(p.name);
            continue;
          }
          if (s && !s.isSuccess()) return asStatus(new Error(`running PreScore plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
        }
        return undefined;
      },
      (s) => s,
    );
  }

  /**
   * runScorePlugins scores every node with every (non-skipped) Score plugin, normalizes each
   * plugin's scores, applies the weights and sums them per node.
   */
  runScorePlugins(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { scores: NodePluginScores[]; status?: Status } {
    return this.timed(
      'Score',
      () => {
        const totals: NodePluginScores[] = nodes.map((n) => ({ name: n.nodeName(), totalScore: 0 }));
        for (const { plugin, weight } of this.scorePlugins) {
          if (state.skipScorePlugins.size && state.skipScorePlugins.has(plugin.name)) continue;
          const scores: NodeScore[] = new Array(nodes.length);
          for (let i = 0; i < nodes.length; i++) {
            let r: number | Status;
            try {
              r = plugin.score(state, pod, nodes[i]!);
            } catch (err) {
              r = asStatus(err);
            }
            if (typeof r !== 'number') return { scores: [], status: asStatus(new Error(`running Score plugins: plugin "${plugin.name}" failed with: ${r.message()}`)).withPlugin(plugin.name) };
            scores[i] = { name: totals[i]!.name, score: r };
          }
          const ext = plugin.scoreExtensions?.();
          if (ext) {
            const s = ext.normalizeScore(state, pod, scores);
            if (s && !s.isSuccess()) return { scores: [], status: asStatus(new Error(`running Normalize on Score plugins: plugin "${plugin.name}" failed with: ${s.message()}`)) };
          }
          for (let i = 0; i < scores.length; i++) {
            const sc = scores[i]!.score;
            if (sc > 100 || sc < 0) {
              return { scores: [], status: asStatus(new Error(`plugin "${plugin.name}" returns an invalid score ${sc}, it should in the range of [0, 100] after normalizing`)) };
            }
            totals[i]!.totalScore += sc * weight;
          }
        }
        return { scores: totals };
      },
      (r) => r.status,
    );
  }

  /** runReservePluginsReserve runs Reserve in order; the first failure stops it. */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status | undefined {
    for (const p of this.reservePlugins) {
      let s: Status | undefined;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return asStatus(new Error(`running Reserve plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** runReservePluginsUnreserve runs Unreserve in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--) {
      try {
        this.reservePlugins[i]!.unreserve(state, pod, nodeName);
      } catch {
        // Unreserve must not fail; a throwing plugin is a bug and is ignored here.
      }
    }
  }

  /** runPermitPlugins runs Permit; Wait parks the pod until every waiting plugin allows it or a timeout rejects it. */
  runPermitPlugins(state: CycleState, pod: Pod, nodeName: string): Status | undefined {
    const waiting = new Map<string, number>();
    for (const p of this.permitPlugins) {
      let out: { status?: Status; timeoutMs?: number };
      try {
        out = p.permit(state, pod, nodeName);
      } catch (err) {
        out = { status: asStatus(err) };
      }
      const s = out.status;
      if (!s || s.isSuccess()) continue;
      if (s.isWait()) {
        waiting.set(p.name, Math.min(out.timeoutMs ?? 0, 15 * 60_000));
        continue;
      }
      if (s.isRejected()) return s.withPlugin(p.name);
      return asStatus(new Error(`running Permit plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
    }
    if (waiting.size === 0) return undefined;
    const uid = pod.metadata?.uid ?? '';
    let resolve!: (s: Status | undefined) => void;
    const done = new Promise<Status | undefined>((r) => (resolve = r));
    const wp: WaitingPod = { pending: new Set(waiting.keys()), resolve, timers: [] };
    for (const [plugin, ms] of waiting) {
      wp.timers.push(setTimeout(() => this.rejectWaitingPod(uid, plugin, `rejected due to timeout after waiting ${ms / 1000}s at plugin ${plugin}`), ms));
    }
    this.waitingPods.set(uid, wp);
    this.permitResults.set(uid, done);
    return new Status(Code.Wait);
  }

  private readonly permitResults = new Map<string, Promise<Status | undefined>>();

  /** allowWaitingPod is called by a Permit plugin to let a waiting pod through. */
  allowWaitingPod(uid: string, plugin: string): void {
    const wp = this.waitingPods.get(uid);
    if (!wp) return;
    wp.pending.delete(plugin);
    if (wp.pending.size === 0) this.finishWaiting(uid, undefined);
  }

  /** rejectWaitingPod is called by a Permit plugin (or a timeout) to reject a waiting pod. */
  rejectWaitingPod(uid: string, plugin: string, msg: string): void {
    if (!this.waitingPods.has(uid)) return;
    this.finishWaiting(uid, new Status(Code.Unschedulable, [msg], undefined, plugin));
  }

  private finishWaiting(uid: string, s: Status | undefined): void {
    const wp = this.waitingPods.get(uid);
    if (!wp) return;
    for (const t of wp.timers) clearTimeout(t);
    this.waitingPods.delete(uid);
    wp.resolve(s);
  }

  /** waitOnPermit resolves when a pod parked by Permit is allowed (undefined) or rejected. */
  async waitOnPermit(pod: Pod): Promise<Status | undefined> {
    const uid = pod.metadata?.uid ?? '';
    const p = this.permitResults.get(uid);
    if (!p) return undefined;
    try {
      return await p;
    } finally {
      this.permitResults.delete(uid);
    }
  }

  /** runPreBindPlugins runs PreBind in order; the first failure stops it. */
  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined> {
    const start = this.now();
    const s = await this.runPreBindPluginsUntimed(state, pod, nodeName, signal);
    this.observe?.('PreBind', s, (this.now() - start) / 1000);
    return s;
  }

  private async runPreBindPluginsUntimed(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined> {
    for (const p of this.preBindPlugins) {
      let s: Status | undefined;
      try {
        s = await p.preBind(state, pod, nodeName, signal);
      } catch (err) {
        s = asStatus(err);
      }
      if (s?.isSkip()) continue;
      if (s && !s.isSuccess()) {
        if (s.isRejected()) return s.withPlugin(p.name);
        return asStatus(new Error(`running PreBind plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
      }
    }
    return undefined;
  }

  /** runBindPlugins runs Bind plugins until one does not return Skip. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined> {
    const start = this.now();
    let result: Status | undefined = new Status(Code.Skip);
    for (const p of this.bindPlugins) {
      let s: Status | undefined;
      try {
        s = await p.bind(state, pod, nodeName, signal);
      } catch (err) {
        s = asStatus(err);
      }
      if (s?.isSkip()) continue;
      if (s && !s.isSuccess()) {
        result = s.isRejected() ? s.withPlugin(p.name) : asStatus(new Error(`running Bind plugin "${p.name}": ${s.message()}`)).withPlugin(p.name);
      } else result = undefined;
      break;
    }
    this.observe?.('Bind', result, (this.now() - start) / 1000);
    return result;
  }

  /** runPostBindPlugins informs PostBind plugins. */
  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBindPlugins) {
      try {
        p.postBind(state, pod, nodeName);
      } catch {
        // PostBind is informational.
      }
    }
  }

  /** hasPostFilterPlugins reports whether any PostFilter plugin is enabled. */
  hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  /** newCycleState returns a fresh cycle state (a convenience for callers and tests). */
  newCycleState(): CycleState {
    return new CycleState();
  }
}

/** newFramework builds a profile's framework. */
export function newFramework(o: FrameworkOptions): Framework {
  return new Framework(o);
}
