/**
 * Pod subresource storage: binding (the scheduler's write), eviction (a delete guarded by
 * PodDisruptionBudgets) and the ephemeralcontainers/resize subresources.
 *
 * upstream: pkg/registry/core/pod/storage/storage.go (BindingREST, EphemeralContainersREST,
 * ResizeREST) and pkg/registry/core/pod/storage/eviction.go (EvictionREST).
 */
import { conflict, fieldPath, invalid, labels, notFound, required, semanticEqual, StatusError, tooManyRequests } from '#impl/apimachinery/index.ts';
import { rfc3339, type Store } from '../../generic/store.ts';
import type { KubeObject, RequestContext, Strategy } from '../../rest/strategy.ts';
import { podStrategy } from './strategy.ts';

/** podSubresourceStrategy lets pods/ephemeralcontainers and pods/resize change only their part of the spec. */
export function podSubresourceStrategy(name: string): Strategy {
  return {
    ...podStrategy,
    prepareForUpdate(_ctx, obj, old) {
      const next = structuredClone(old);
      next.metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion };
      if (name === 'ephemeralcontainers') next.spec.ephemeralContainers = obj.spec?.ephemeralContainers;
      else (next.spec.containers ?? []).forEach((c: Record<string, unknown>, i: number) => (c.resources = obj.spec?.containers?.[i]?.resources ?? c.resources));
      // upstream updatePodGeneration: a spec change through a subresource bumps metadata.generation too.
      next.metadata.generation = old.metadata.generation ?? 1;
      if (!semanticEqual(next.spec, old.spec)) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
      for (const k of Object.keys(obj)) delete obj[k];
      Object.assign(obj, next);
    },
    validateUpdate: () => [],
  };
}

/** bindPod sets spec.nodeName and the PodScheduled condition (upstream BindingREST.setPodHostAndAnnotations). */
export async function bindPod(store: Store, ctx: RequestContext, name: string, binding: KubeObject, dryRun: boolean, now: () => Date): Promise<KubeObject> {
  const node = binding.target?.name;
  if (!node) {
    throw invalid({ group: '', kind: 'Binding' }, name, [required(fieldPath('target', 'name'), '')]);
  }
  await store.update(
    ctx,
    name,
    (old) => {
      if (!old) throw notFound({ group: '', resource: 'pods' }, name);
      if (binding.metadata?.uid && old.metadata.uid !== binding.metadata.uid) throw conflict({ group: '', resource: 'pods' }, name, 'Precondition failed: UID in precondition: ' + binding.metadata.uid + ', UID in object meta: ' + old.metadata.uid);
      if (old.metadata.deletionTimestamp) throw conflict({ group: '', resource: 'pods' }, name, 'pod is being deleted, cannot be assigned to a host');
      if (old.spec?.nodeName) throw conflict({ group: '', resource: 'pods' }, name, `pod ${name} is already assigned to node "${old.spec.nodeName}"`);
      const next = structuredClone(old);
      next.spec.nodeName = node;
      next.metadata.annotations = { ...(old.metadata.annotations ?? {}), ...(binding.metadata?.annotations ?? {}) };
      if (Object.keys(next.metadata.annotations).length === 0) delete next.metadata.annotations;
      next.status ??= {};
      const conds = (next.status.conditions ?? []).filter((c: { type: string }) => c.type !== 'PodScheduled');
      conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(now()) });
      next.status.conditions = conds;
      return next;
    },
    { dryRun, fieldManager: 'kube-scheduler' },
  );
  // The binding subresource bypasses the pod strategy's spec immutability (upstream writes storage directly).
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
}

/**
 * evictPod deletes a pod through the eviction subresource, unless a PodDisruptionBudget that
 * selects it allows no disruption (429, upstream EvictionREST.Create). Pods that are not running
 * (Pending with no node, Succeeded, Failed) are deleted without consulting budgets, as upstream.
 */
export async function evictPod(store: Store, pdbs: Store | undefined, ctx: RequestContext, name: string, eviction: KubeObject, dryRun: boolean, status?: { store: Store; now: () => Date }): Promise<KubeObject> {
  const pod = await store.get(ctx, name);
  const phase = pod.status?.phase;
  const checkBudgets = pdbs && phase !== 'Succeeded' && phase !== 'Failed' && !(phase === 'Pending' && !pod.spec?.nodeName) && !pod.metadata.deletionTimestamp;
  if (checkBudgets) {
    const list = await pdbs.list(ctx, {});
    const matching = list.items.filter((b) => {
      try {
        const sel = labels.labelSelectorAsSelector(b.spec?.selector);
        return !sel.empty() && sel.matches(pod.metadata.labels ?? {});
      } catch {
        return false;
      }
    });
    if (matching.length > 1) throw new StatusError({ reason: 'InternalError', code: 500, message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' });
    const pdb = matching[0];
    if (pdb) {
      const allowed = pdb.status?.disruptionsAllowed ?? 0;
      if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0) || allowed < 1) {
        const e = tooManyRequests('Cannot evict pod as it would violate the pod\'s disruption budget.', 10);
        e.status.details = { ...(e.status.details ?? {}), causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${pdb.status?.desiredHealthy ?? 0} healthy pods and has ${pdb.status?.currentHealthy ?? 0} currently` }] };
        throw e;
      }
    }
  }
  const opts = { ...(eviction.deleteOptions ?? {}) };
  if (dryRun) opts.dryRun = ['All'];
  if (!dryRun && status) await addDisruptionCondition(status.store, ctx, name, opts.preconditions?.uid, status.now);
  await store.delete(ctx, name, opts);
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as KubeObject;
}

/**
 * addDisruptionCondition marks the latest pod DisruptionTarget=True (reason
 * EvictionByEvictionAPI) through the status store before the eviction deletes it, so that a
 * Job's podFailurePolicy can tell an eviction from a failure (upstream addConditionAndDeletePod).
 */
async function addDisruptionCondition(statusStore: Store, ctx: RequestContext, name: string, uid: string | undefined, now: () => Date): Promise<void> {
  await statusStore.update(ctx, name, (latest) => {
    if (!latest) throw notFound({ group: '', resource: 'pods' }, name);
    if (uid && latest.metadata.uid !== uid) throw conflict({ group: '', resource: 'pods' }, name, new Error(`Precondition failed: UID in precondition: ${uid}, UID in object meta: ${latest.metadata.uid}`));
    const pod = structuredClone(latest);
    pod.status ??= {};
    const conds: Array<Record<string, unknown>> = (pod.status.conditions ??= []);
    const want = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
    const i = conds.findIndex((c) => c.type === 'DisruptionTarget');
    const prev = i >= 0 ? conds[i] : undefined;
    const next = { ...prev, ...want, lastProbeTime: prev?.lastProbeTime ?? null, lastTransitionTime: prev?.status === 'True' && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now()) };
    if (i >= 0) conds[i] = next;
    else conds.push(next);
    return pod;
  });
}
