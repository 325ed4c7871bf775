/**
 * VolumeBinding makes pods with PersistentVolumeClaims land where their volumes are (upstream
 * `pkg/scheduler/framework/plugins/volumebinding`: `volume_binding.go` and `binder.go`):
 *
 * - PreFilter sorts the pod's claims into bound, unbound WaitForFirstConsumer ("delay binding") and
 *   unbound Immediate ones; the latter reject the pod ("pod has unbound immediate
 *   PersistentVolumeClaims") until the PV controller binds them.
 * - Filter checks, per node, that bound PVs' node affinity admits the node, and that every delay
 *   binding claim either matches an Available PV there (class, capacity, access modes, volume mode,
 *   selector, node affinity) or can be provisioned there (a class with a real provisioner whose
 *   allowedTopologies admit the node).
 * - Reserve assumes the chosen PVs and selected nodes so later pods do not take them; PreBind writes
 *   them to the API — a PV's `claimRef` for a static binding (the PV controller completes it), the
 *   PVC's `volume.kubernetes.io/selected-node` annotation for dynamic provisioning — then waits until
 *   every claim is fully bound (`pv.kubernetes.io/bind-completed`) or `bindTimeoutSeconds` passes.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '#generated/k8s/index.ts';
import type { CycleState, StateData } from '../../cycle-state.ts';
import { ActionType, type ClusterEventWithHint } from '../../events.ts';
import {
  Code,
  asStatus,
  newStatus,
  unschedulableAndUnresolvable,
  type EnqueueExtensions,
  type FilterPlugin,
  type Handle,
  type PluginFactory,
  type PreBindPlugin,
  type PreFilterOutcome,
  type PreFilterPlugin,
  type ReservePlugin,
  type Status,
} from '../../interface.ts';
import type { NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';
import {
  ANN_BOUND_BY_CONTROLLER,
  ANN_SELECTED_NODE,
  NOT_SUPPORTED_PROVISIONER,
  checkNodeAffinity,
  findMatchingVolume,
  getPersistentVolumeClaimClass,
  isDelayBindingMode,
  isPVCFullyBound,
  isVolumeBoundToClaim,
  lookupPodClaim,
  matchTopologySelectorTerms,
  podClaimRefs,
  podHasClaims,
  requestedStorage,
} from './pv-helpers.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.VolumeBinding;
/** STATE_KEY is where PreFilter leaves the pod's claims and Filter the per-node decisions. */
export const STATE_KEY = NAME;

/** The user-facing reasons, as upstream. */
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_NOT_ENOUGH_SPACE = 'node(s) did not have enough free storage';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** VolumeBindingArgs are the plugin's `pluginConfig` args. */
export interface VolumeBindingArgs {
  /** bindTimeoutSeconds bounds PreBind's wait for the bindings to complete (default 600). */
  bindTimeoutSeconds?: number;
}

/** PodVolumeClaims are the pod's claims by binding state. */
export interface PodVolumeClaims {
  boundClaims: PersistentVolumeClaim[];
  unboundClaimsDelayBinding: PersistentVolumeClaim[];
  unboundClaimsImmediate: PersistentVolumeClaim[];
}

/** PodVolumes is what binding the pod to one node takes: PVs to bind and claims to provision. */
export interface PodVolumes {
  staticBindings: Array<{ pv: PersistentVolume; pvc: PersistentVolumeClaim }>;
  dynamicProvisions: PersistentVolumeClaim[];
}

class VolumeBindingState implements StateData {
  /** podVolumesByNode is filled by Filter for nodes that pass. */
  readonly podVolumesByNode = new Map<string, PodVolumes>();
  /** chosen is the reserved node's PodVolumes (set by Reserve). */
  chosen: PodVolumes | undefined;
  constructor(readonly claims: PodVolumeClaims) {}
  clone(): StateData {
    return this;
  }
}

const claimKey = (pvc: PersistentVolumeClaim): string => `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;

/** VolumeBinding is the plugin instance; it keeps the assumed PVs and selected nodes across cycles. */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin, EnqueueExtensions {
  readonly name = NAME;
  /** assumedPVs maps a PV name to the claim it was assumed for (until its claimRef shows in the informer). */
  readonly assumedPVs = new Map<string, string>();
  /** assumedSelectedNodes maps a claim to the node it was assumed to be provisioned on. */
  readonly assumedSelectedNodes = new Map<string, string>();
  private readonly bindTimeoutMs: number;

  constructor(
    private readonly handle: Handle,
    args: VolumeBindingArgs = {},
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = (ms, signal) =>
      new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      }),
  ) {
    this.bindTimeoutMs = (args.bindTimeoutSeconds ?? 600) * 1000;
  }

  /** getPodVolumeClaims sorts the pod's claims; a message when a claim is missing or being deleted. */
  getPodVolumeClaims(pod: Pod): { claims: PodVolumeClaims } | { message: string } {
    const l = this.handle.listers;
    const claims: PodVolumeClaims = { boundClaims: [], unboundClaimsDelayBinding: [], unboundClaimsImmediate: [] };
    for (const ref of podClaimRefs(pod)) {
      const r = lookupPodClaim(pod, ref, l?.persistentVolumeClaim?.bind(l));
      if ('message' in r) return r;
      const pvc = this.withAssumptions(r.pvc);
      if (isPVCFullyBound(pvc)) claims.boundClaims.push(pvc);
      else if (isDelayBindingMode(pvc, (n) => l?.storageClass?.(n))) claims.unboundClaimsDelayBinding.push(pvc);
      else claims.unboundClaimsImmediate.push(pvc);
    }
    return { claims };
  }

  /** withAssumptions overlays an assumed selected node on a claim (the assume cache). */
  private withAssumptions(pvc: PersistentVolumeClaim): PersistentVolumeClaim {
    const node = this.assumedSelectedNodes.get(claimKey(pvc));
    if (!node || pvc.metadata?.annotations?.[ANN_SELECTED_NODE] === node) return pvc;
    return { ...pvc, metadata: { ...pvc.metadata, annotations: { ...pvc.metadata?.annotations, [ANN_SELECTED_NODE]: node } } };
  }

  preFilter(state: CycleState, pod: Pod): PreFilterOutcome {
    if (!podHasClaims(pod)) return { status: newStatus(Code.Skip) };
    const r = this.getPodVolumeClaims(pod);
    if ('message' in r) return { status: unschedulableAndUnresolvable(r.message) };
    if (r.claims.unboundClaimsImmediate.length > 0) return { status: unschedulableAndUnresolvable(ERR_UNBOUND_IMMEDIATE) };
    state.write(STATE_KEY, new VolumeBindingState(r.claims));
    return undefined;
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s) return undefined;
    const r = this.findPodVolumes(pod, s.claims, nodeInfo);
    if ('error' in r) return asStatus(r.error);
    if (r.reasons.length) return unschedulableAndUnresolvable(...r.reasons);
    s.podVolumesByNode.set(nodeInfo.nodeName(), r.podVolumes);
    return undefined;
  }

  /** findPodVolumes decides whether the node can serve every claim, and how (upstream `FindPodVolumes`). */
  findPodVolumes(pod: Pod, claims: PodVolumeClaims, nodeInfo: NodeInfo): { reasons: string[]; podVolumes: PodVolumes } | { error: Error } {
    const node = nodeInfo.node!;
    const l = this.handle.listers;
    const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
    let boundSatisfied = true;
    let boundPVsFound = true;
    let unboundSatisfied = true;
    for (const pvc of claims.boundClaims) {
      const pv = l?.persistentVolume?.(pvc.spec!.volumeName!);
      if (!pv) boundPVsFound = false;
      else if (!checkNodeAffinity(pv, node)) boundSatisfied = false;
    }
    const toMatch: PersistentVolumeClaim[] = [];
    const toProvision: PersistentVolumeClaim[] = [];
    for (const pvc of claims.unboundClaimsDelayBinding) {
      const selected = pvc.metadata?.annotations?.[ANN_SELECTED_NODE];
      if (selected !== undefined) {
        if (selected !== node.metadata?.name) unboundSatisfied = false;
        else toProvision.push(pvc);
        continue;
      }
      toMatch.push(pvc);
    }
    if (unboundSatisfied && toMatch.length) {
      toMatch.sort((a, b) => requestedStorage(a) - requestedStorage(b));
      const all = l?.persistentVolumes?.() ?? [];
      const chosen = new Set<string>();
      for (const [pvName, claim] of this.assumedPVs) {
        const live = l?.persistentVolume?.(pvName);
        if (live?.spec?.claimRef) this.assumedPVs.delete(pvName);
        else chosen.add(`${pvName}\0${claim}`);
      }
      for (const pvc of toMatch) {
        const key = claimKey(pvc);
        const excluded = new Set<string>();
        for (const c of chosen) {
          const [pvName, owner] = c.split('\0') as [string, string];
          if (owner !== key) excluded.add(pvName);
        }
        const pv = findMatchingVolume(pvc, all, node, excluded);
        if (pv) {
          podVolumes.staticBindings.push({ pv, pvc });
          chosen.add(`${pv.metadata?.name}\0${key}`);
        } else {
          toProvision.push(pvc);
        }
      }
    }
    if (unboundSatisfied) {
      for (const pvc of toProvision) {
        const className = getPersistentVolumeClaimClass(pvc);
        if (!className) return { error: new Error(`no class for claim "${pvc.metadata?.name}"`) };
        const cls = l?.storageClass?.(className);
        if (!cls) return { error: new Error(`storageclass.storage.k8s.io "${className}" not found`) };
        if (!cls.provisioner || cls.provisioner === NOT_SUPPORTED_PROVISIONER || !matchTopologySelectorTerms(cls.allowedTopologies, node.metadata?.labels ?? {})) {
          unboundSatisfied = false;
          break;
        }
        podVolumes.dynamicProvisions.push(pvc);
      }
    }
    const reasons: string[] = [];
    if (!boundSatisfied) reasons.push(ERR_REASON_NODE_CONFLICT);
    if (!unboundSatisfied) reasons.push(ERR_REASON_BIND_CONFLICT);
    if (!boundPVsFound) reasons.push(ERR_REASON_PV_NOT_EXIST);
    return { reasons, podVolumes };
  }

  reserve(state: CycleState, _pod: Pod, nodeName: string): Status | undefined {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (!s) return undefined;
    const pv = s.podVolumesByNode.get(nodeName);
    if (!pv) return asStatus(new Error(`no volumes computed for node "${nodeName}"`));
    s.chosen = pv;
    for (const b of pv.staticBindings) this.assumedPVs.set(b.pv.metadata!.name!, claimKey(b.pvc));
    for (const c of pv.dynamicProvisions) this.assumedSelectedNodes.set(claimKey(c), nodeName);
    return undefined;
  }

  unreserve(state: CycleState): void {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    if (s?.chosen) this.forget(s.chosen);
  }

  private forget(pv: PodVolumes): void {
    for (const b of pv.staticBindings) if (this.assumedPVs.get(b.pv.metadata!.name!) === claimKey(b.pvc)) this.assumedPVs.delete(b.pv.metadata!.name!);
    for (const c of pv.dynamicProvisions) this.assumedSelectedNodes.delete(claimKey(c));
  }

  /** preBind writes the bindings and waits until the PV controller (or a provisioner) completed them. */
  async preBind(state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined> {
    const s = state.read<VolumeBindingState>(STATE_KEY);
    const chosen = s?.chosen;
    if (!chosen || (chosen.staticBindings.length === 0 && chosen.dynamicProvisions.length === 0)) return undefined;
    const client = this.handle.client;
    if (!client) return asStatus(new Error('VolumeBinding: no API client'));
    try {
      for (const { pv, pvc } of chosen.staticBindings) {
        const live = this.handle.listers?.persistentVolume?.(pv.metadata!.name!) ?? pv;
        if (isVolumeBoundToClaim(live, pvc)) continue;
        const updated: PersistentVolume = {
          ...live,
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { ...live.metadata, annotations: { ...live.metadata?.annotations, [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
          spec: {
            ...live.spec,
            claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, resourceVersion: pvc.metadata?.resourceVersion },
          },
        };
        await client.resource('', 'v1', 'persistentvolumes').update(updated, { signal });
      }
      for (const pvc of chosen.dynamicProvisions) {
        if (pvc.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName && this.handle.listers?.persistentVolumeClaim?.(pvc.metadata.namespace ?? '', pvc.metadata.name ?? '')?.metadata?.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
        await client
          .resource('', 'v1', 'persistentvolumeclaims')
          .namespace(pvc.metadata?.namespace ?? 'default')
          .patch(pvc.metadata?.name ?? '', { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } }, { type: 'merge', signal });
      }
      await this.waitForBindings(pod, chosen, signal);
      return undefined;
    } catch (err) {
      return asStatus(new Error(`binding volumes: ${(err as Error).message}`, { cause: err }));
    } finally {
      this.forget(chosen);
    }
  }

  /** waitForBindings polls the informers until every claim is fully bound to a PV bound back to it. */
  private async waitForBindings(pod: Pod, chosen: PodVolumes, signal?: AbortSignal): Promise<void> {
    const l = this.handle.listers;
    const deadline = Date.now() + this.bindTimeoutMs;
    const dynamic = new Set(chosen.dynamicProvisions.map(claimKey));
    const claims = [...chosen.staticBindings.map((b) => b.pvc), ...chosen.dynamicProvisions];
    const seenSelected = new Set<string>();
    for (;;) {
      let done = true;
      for (const c of claims) {
        const pvc = l?.persistentVolumeClaim?.(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
        if (!pvc) throw new Error(`persistentvolumeclaim "${c.metadata?.name}" not found`);
        if (dynamic.has(claimKey(c)) && !isPVCFullyBound(pvc)) {
          // The informer may not show our own annotation yet; only a seen-then-removed one means
          // the provisioner gave up on the node (upstream: rescheduling).
          if (pvc.metadata?.annotations?.[ANN_SELECTED_NODE] !== undefined) seenSelected.add(claimKey(c));
          else if (seenSelected.has(claimKey(c))) throw new Error(`selectedNode annotation reset for PVC "${c.metadata?.name}"`);
        }
        const pv = isPVCFullyBound(pvc) ? l?.persistentVolume?.(pvc.spec!.volumeName!) : undefined;
        if (!pv || !isVolumeBoundToClaim(pv, pvc)) done = false;
      }
      if (done) return;
      if (signal?.aborted) throw new Error('aborted');
      if (Date.now() > deadline) throw new Error(`timed out waiting for the volumes of pod ${pod.metadata?.namespace}/${pod.metadata?.name} to bind`);
      await this.sleep(100, signal);
    }
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'StorageClass', actionType: ActionType.Add | ActionType.Update } },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint } },
      { event: { resource: 'CSINode', actionType: ActionType.Add | ActionType.Update } },
    ];
  }
}

/** newVolumeBinding builds the plugin. */
export const newVolumeBinding: PluginFactory = (args, handle) => new VolumeBinding(handle, (args ?? {}) as VolumeBindingArgs);
