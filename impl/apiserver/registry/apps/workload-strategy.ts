/**
 * Workload strategies (Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController):
 * defaults, selector must match the template labels, immutable selector, generation on spec change.
 *
 * upstream: pkg/registry/apps/{deployment,replicaset,statefulset,daemonset}/strategy.go,
 * pkg/apis/apps/v1/defaults.go, pkg/apis/apps/validation.
 */
import {
  fieldPath,
  invalidValue,
  labels,
  notSupported,
  required,
  validateImmutableField,
  type FieldError,
} from '#impl/apimachinery/index.ts';
import { newDefaultStrategy, newStatusStrategy } from '../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../rest/strategy.ts';
import { setDefaultsPodSpec, validatePodSpec } from '../core/pod/strategy.ts';

/** WorkloadKind names the workloads sharing this strategy. */
export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'ReplicationController';

function setDefaults(kind: WorkloadKind, obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  if (kind !== 'DaemonSet') spec.replicas ??= 1;
  if (kind === 'ReplicationController') {
    const tplLabels = spec.template?.metadata?.labels;
    spec.selector ??= tplLabels ? { ...tplLabels } : undefined;
    if (!obj.metadata.labels && tplLabels) obj.metadata.labels = { ...tplLabels };
  }
  if (kind === 'Deployment') {
    spec.strategy ??= { type: 'RollingUpdate' };
    if (spec.strategy.type === 'RollingUpdate' || spec.strategy.type === undefined) {
      spec.strategy.type = 'RollingUpdate';
      spec.strategy.rollingUpdate ??= {};
      spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
      spec.strategy.rollingUpdate.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
  }
  if (kind === 'StatefulSet') {
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    spec.revisionHistoryLimit ??= 10;
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
  }
  if (kind === 'DaemonSet') {
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
    spec.revisionHistoryLimit ??= 10;
  }
  if (spec.template) {
    spec.template.metadata ??= {};
    setDefaultsPodSpec(spec.template.spec);
  }
}

/** validateWorkload checks selector and template (upstream ValidateDeploymentSpec and friends, subset). */
export function validateWorkload(kind: WorkloadKind, obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const sp = fieldPath('spec');
  if (typeof spec.replicas === 'number' && spec.replicas < 0) errs.push(invalidValue(sp.child('replicas'), spec.replicas, 'must be greater than or equal to 0'));
  const tplLabels = spec.template?.metadata?.labels as Record<string, string> | undefined;
  if (kind === 'ReplicationController') {
    const sel = spec.selector as Record<string, string> | undefined;
    if (!sel || Object.keys(sel).length === 0) errs.push(required(sp.child('selector'), ''));
    else if (!labels.selectorFromSet(sel).matches(tplLabels ?? {})) errs.push(invalidValue(sp.child('template', 'metadata', 'labels'), tplLabels ?? {}, '`selector` does not match template `labels`'));
  } else {
    const sel = spec.selector;
    if (!sel) errs.push(required(sp.child('selector'), ''));
    else {
      let s;
      try {
        s = labels.labelSelectorAsSelector(sel);
      } catch (err) {
        errs.push(invalidValue(sp.child('selector'), sel, (err as Error).message));
      }
      if (s && s.empty()) errs.push(invalidValue(sp.child('selector'), sel, 'empty selector is invalid for deployment'));
      else if (s && !s.matches(tplLabels ?? {})) errs.push(invalidValue(sp.child('template', 'metadata', 'labels'), tplLabels ?? {}, '`selector` does not match template `labels`'));
    }
  }
  if (!spec.template) errs.push(required(sp.child('template'), ''));
  else errs.push(...validatePodSpec(spec.template.spec, sp.child('template', 'spec')));
  const rp = spec.template?.spec?.restartPolicy;
  if (rp && rp !== 'Always') errs.push(notSupported(sp.child('template', 'spec', 'restartPolicy'), rp, ['Always']));
  return errs;
}

/** newWorkloadStrategy builds the strategy of one workload kind. */
export function newWorkloadStrategy(kind: WorkloadKind): Strategy {
  const base = newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true });
  return {
    ...base,
    prepareForCreate(ctx, obj) {
      base.prepareForCreate(ctx, obj);
      setDefaults(kind, obj);
      obj.status = kind === 'DaemonSet' ? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 } : kind === 'StatefulSet' ? { replicas: 0, availableReplicas: 0 } : kind === 'ReplicaSet' || kind === 'ReplicationController' ? { replicas: 0 } : {};
    },
    prepareForUpdate(ctx, obj, old) {
      setDefaults(kind, obj);
      base.prepareForUpdate(ctx, obj, old);
    },
    validate: (_ctx, obj) => validateWorkload(kind, obj),
    validateUpdate(_ctx, obj, old) {
      const errs = validateWorkload(kind, obj);
      if (kind !== 'ReplicationController') errs.push(...validateImmutableField(obj.spec?.selector, old.spec?.selector, fieldPath('spec', 'selector')));
      return errs;
    },
    fieldSelectorAttrs: kind === 'ReplicaSet' || kind === 'ReplicationController' ? (obj) => ({ 'status.replicas': String(obj.status?.replicas ?? 0) }) : undefined,
  };
}

/**
 * newWorkloadStatusStrategy updates only status. A Deployment's status write also keeps the
 * old labels (upstream deploymentStatusStrategy resets metadata.labels with spec).
 */
export function newWorkloadStatusStrategy(kind: WorkloadKind): Strategy {
  const status = newStatusStrategy(newWorkloadStrategy(kind));
  if (kind !== 'Deployment') return status;
  return {
    ...status,
    prepareForUpdate(ctx, obj, old) {
      status.prepareForUpdate(ctx, obj, old);
      if (old.metadata?.labels === undefined) delete obj.metadata.labels;
      else obj.metadata.labels = structuredClone(old.metadata.labels);
    },
  };
}
