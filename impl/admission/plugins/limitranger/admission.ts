/**
 * LimitRanger: default container requests/limits from the namespace's LimitRanges, then enforce
 * their min, max and maxLimitRequestRatio per Container and per Pod.
 *
 * upstream: plugin/pkg/admission/limitranger/admission.go (defaultContainerResourceRequirements,
 * mergePodResourceRequirements, PodValidateLimitFunc, minConstraint, maxConstraint,
 * limitRequestRatioConstraint)
 */
import type { Container, LimitRange, LimitRangeItem, Pod } from '#generated/k8s/index.ts';
import { parseQuantity, type Quantity } from '#impl/apimachinery/index.ts';
import { admissionForbidden, handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin, type ValidatingPlugin } from '../../interfaces.ts';

export const LIMIT_RANGER_NAME = 'LimitRanger';
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceList = Record<string, string | number>;

/** withItemDefaults applies LimitRangeItem defaulting: default <- max, defaultRequest <- default, min (upstream SetDefaults_LimitRangeItem). */
export function withItemDefaults(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') return item;
  const def: ResourceList = { ...(item.default ?? {}) };
  for (const [k, v] of Object.entries(item.max ?? {})) if (def[k] === undefined) def[k] = v;
  const req: ResourceList = { ...(item.defaultRequest ?? {}) };
  for (const [k, v] of Object.entries(def)) if (req[k] === undefined) req[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (req[k] === undefined) req[k] = v;
  return { ...item, default: def, defaultRequest: req };
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** applyDefaults fills missing requests/limits of every container and returns the annotation text ('' if nothing changed). */
export function applyDefaults(pod: Pod, items: readonly LimitRangeItem[]): string {
  const notes: string[] = [];
  for (const raw of items) {
    const item = withItemDefaults(raw);
    if (item.type !== 'Container') continue;
    for (const c of allContainers(pod)) {
      c.resources ??= {};
      const setReq: string[] = [];
      const setLim: string[] = [];
      for (const [k, v] of Object.entries(item.default ?? {})) {
        c.resources.limits ??= {};
        if (c.resources.limits[k] === undefined) {
          c.resources.limits[k] = v;
          setLim.push(k);
        }
      }
      for (const [k, v] of Object.entries(item.defaultRequest ?? {})) {
        c.resources.requests ??= {};
        if (c.resources.requests[k] === undefined) {
          c.resources.requests[k] = v;
          setReq.push(k);
        }
      }
      if (setReq.length) notes.push(`${setReq.join(', ')} request for ${containerKind(pod, c)} ${c.name}`);
      if (setLim.length) notes.push(`${setLim.join(', ')} limit for ${containerKind(pod, c)} ${c.name}`);
    }
  }
  return notes.length ? `LimitRanger plugin set: ${notes.join('; ')}` : '';
}

function containerKind(pod: Pod, c: Container): string {
  return (pod.spec?.initContainers ?? []).includes(c) ? 'init container' : 'container';
}

function q(v: string | number | undefined): Quantity | undefined {
  return v === undefined ? undefined : parseQuantity(String(v));
}

/** checkConstraints returns upstream's error texts for one observed request/limit pair against an item. */
function checkConstraints(item: LimitRangeItem, kind: string, requests: ResourceList, limits: ResourceList): string[] {
  const errs: string[] = [];
  for (const [res, minS] of Object.entries(item.min ?? {})) {
    const min = q(minS)!;
    const req = q(requests[res]);
    const lim = q(limits[res]);
    if (!req) errs.push(`minimum ${res} usage per ${kind} is ${min.toString()}.  No request is specified`);
    else if (req.cmp(min) < 0) errs.push(`minimum ${res} usage per ${kind} is ${min.toString()}, but request is ${req.toString()}`);
    if (lim && lim.cmp(min) < 0) errs.push(`minimum ${res} usage per ${kind} is ${min.toString()}, but limit is ${lim.toString()}`);
  }
  for (const [res, maxS] of Object.entries(item.max ?? {})) {
    const max = q(maxS)!;
    const req = q(requests[res]);
    const lim = q(limits[res]);
    if (!lim) errs.push(`maximum ${res} usage per ${kind} is ${max.toString()}.  No limit is specified`);
    else if (lim.cmp(max) > 0) errs.push(`maximum ${res} usage per ${kind} is ${max.toString()}, but limit is ${lim.toString()}`);
    if (req && req.cmp(max) > 0) errs.push(`maximum ${res} usage per ${kind} is ${max.toString()}, but request is ${req.toString()}`);
  }
  for (const [res, ratioS] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const ratio = q(ratioS)!;
    const req = q(requests[res]);
    const lim = q(limits[res]);
    if (!req || !lim) {
      errs.push(`${res} max limit to request ratio per ${kind} is ${ratio.toString()}, but no ${!req ? 'request' : 'limit'} is specified`);
      continue;
    }
    const observed = req.isZero() ? Infinity : lim.asApproximateFloat64() / req.asApproximateFloat64();
    if (observed > ratio.asApproximateFloat64()) errs.push(`${res} max limit to request ratio per ${kind} is ${ratio.toString()}, but provided ratio is ${observed.toFixed(6)}`);
  }
  return errs;
}

function sumResources(containers: readonly Container[], field: 'requests' | 'limits'): ResourceList {
  const total = new Map<string, Quantity>();
  for (const c of containers) {
    for (const [k, v] of Object.entries(c.resources?.[field] ?? {})) {
      const cur = total.get(k);
      const add = parseQuantity(String(v));
      total.set(k, cur ? cur.add(add) : add);
    }
  }
  return Object.fromEntries([...total].map(([k, v]) => [k, v.toString()]));
}

/** validatePod returns every LimitRange violation of a pod (Container items per container, Pod items on the sum). */
export function validatePod(pod: Pod, items: readonly LimitRangeItem[]): string[] {
  const errs: string[] = [];
  for (const item of items) {
    if (item.type === 'Container') {
      for (const c of allContainers(pod)) errs.push(...checkConstraints(item, 'Container', c.resources?.requests ?? {}, c.resources?.limits ?? {}));
    } else if (item.type === 'Pod') {
      const cs = pod.spec?.containers ?? [];
      errs.push(...checkConstraints(item, 'Pod', sumResources(cs, 'requests'), sumResources(cs, 'limits')));
    }
  }
  return errs;
}

/** newLimitRanger builds the plugin; `listLimitRanges(ns)` is usually a lister. */
export function newLimitRanger(opts: { listLimitRanges(namespace: string): readonly LimitRange[] }) {
  const items = (ns: string) => opts.listLimitRanges(ns).flatMap((lr) => lr.spec?.limits ?? []);
  return {
    name: LIMIT_RANGER_NAME,
    handles: handlesOps('CREATE', 'UPDATE'),
    admit(a: AdmissionAttributes): void {
      if (a.operation !== 'CREATE' || !isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      const note = applyDefaults(pod, items(a.namespace));
      if (note) {
        pod.metadata ??= {};
        pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: note };
      }
    },
    validate(a: AdmissionAttributes): void {
      if (!isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      const errs = validatePod(pod, items(a.namespace));
      if (errs.length === 1) throw admissionForbidden(a, errs[0]);
      if (errs.length > 1) throw admissionForbidden(a, `[${errs.join(', ')}]`);
    },
  } satisfies MutatingPlugin & ValidatingPlugin;
}
