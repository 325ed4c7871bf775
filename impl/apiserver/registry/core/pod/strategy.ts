/**
 * podStrategy: Pod defaults, validation, update rules, graceful deletion and field selectors.
 *
 * upstream: pkg/registry/core/pod/strategy.go, pkg/apis/core/v1/defaults.go (SetDefaults_Pod,
 * SetDefaults_Container...), pkg/apis/core/validation (ValidatePodCreate/Update, subset).
 */
import {
  duplicate,
  fieldPath,
  forbiddenField,
  invalidValue,
  isDNS1123Label,
  parseQuantity,
  type Quantity,
  required,
  semanticEqual,
  type FieldError,
  type FieldPath,
} from '#impl/apimachinery/index.ts';
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { DeleteOptionsLike, KubeObject, RequestContext, Strategy } from '../../rest/strategy.ts';

/** setDefaultsPodSpec applies upstream's PodSpec defaults (in place). */
export function setDefaultsPodSpec(spec: Record<string, any> | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of spec[list] ?? []) setDefaultsContainer(c);
  }
  for (const v of spec.volumes ?? []) {
    if (v.configMap) v.configMap.defaultMode ??= 420;
    if (v.secret) v.secret.defaultMode ??= 420;
    if (v.projected) v.projected.defaultMode ??= 420;
    if (v.downwardAPI) v.downwardAPI.defaultMode ??= 420;
  }
}

function setDefaultsContainer(c: Record<string, any>): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const ref = c.image.split('@')[0] as string;
    const lastSlash = ref.lastIndexOf('/');
    const tagPart = ref.slice(lastSlash + 1);
    const tag = tagPart.includes(':') ? tagPart.split(':').pop() : '';
    c.imagePullPolicy = tag === '' || tag === 'latest' ? (c.image.includes('@') ? 'IfNotPresent' : 'Always') : 'IfNotPresent';
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  c.resources ??= {};
}

/**
 * setDefaultsPod copies each container's limits into the requests it does not set (upstream
 * SetDefaults_Pod). It runs when the body is decoded, before admission: LimitRanger must see a
 * request equal to the limit, not fill in its own default request.
 */
export function setDefaultsPod(pod: KubeObject): void {
  const spec = pod.spec as Record<string, any> | undefined;
  for (const list of ['initContainers', 'containers'] as const) {
    for (const c of spec?.[list] ?? []) {
      const limits = c?.resources?.limits as Record<string, unknown> | undefined;
      if (!limits) continue;
      const requests = (c.resources.requests ??= {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
    }
  }
}

/** qosClass computes status.qosClass (upstream qos.GetPodQOS, simplified to cpu/memory). */
export function qosClass(spec: Record<string, any> | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])] as Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;
  let any = false;
  let guaranteed = cs.length > 0;
  for (const c of cs) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** validateContainers: names required, DNS labels, unique across all container lists; image required. */
export function validatePodSpec(spec: Record<string, any> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec) return [required(p, '')];
  const cs = spec.containers ?? [];
  if (!Array.isArray(cs) || cs.length === 0) errs.push(required(p.child('containers'), ''));
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    (spec[list] ?? []).forEach((c: Record<string, any>, i: number) => {
      const cp = p.child(list).index(i);
      if (!c.name) errs.push(required(cp.child('name'), ''));
      else {
        for (const msg of isDNS1123Label(c.name)) errs.push(invalidValue(cp.child('name'), c.name, msg));
        if (seen.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
        seen.add(c.name);
      }
      if (list !== 'ephemeralContainers' && (!c.image || String(c.image).trim() === '')) errs.push(required(cp.child('image'), ''));
      errs.push(...validateResources(c.resources, cp.child('resources')));
      (c.ports ?? []).forEach((port: Record<string, any>, j: number) => {
        const n = port.containerPort;
        if (typeof n !== 'number' || n < 1 || n > 65535) errs.push(invalidValue(cp.child('ports').index(j).child('containerPort'), n, 'must be between 1 and 65535, inclusive'));
      });
    });
  }
  const rp = spec.restartPolicy;
  if (rp && !['Always', 'OnFailure', 'Never'].includes(rp)) errs.push(invalidValue(p.child('restartPolicy'), rp, 'supported values: "Always", "OnFailure", "Never"'));
  errs.push(...validateSysctls(spec.securityContext?.sysctls, p.child('securityContext', 'sysctls')));
  return errs;
}

/** SYSCTL_NAME matches upstream's sysctl name format (dots or slashes as separators). */
const SYSCTL_NAME = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
const SYSCTL_NAME_MSG = `must have at most 253 characters and match regex ${String.raw`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`}`;

/** validateSysctls checks pod sysctl names and duplicates (upstream validateSysctls). */
export function validateSysctls(sysctls: unknown, p: FieldPath): FieldError[] {
  if (!Array.isArray(sysctls)) return [];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  sysctls.forEach((s: Record<string, unknown>, i: number) => {
    const name = typeof s?.name === 'string' ? s.name : '';
    const np = p.index(i).child('name');
    if (name === '') errs.push(required(np, ''));
    else if (name.length > 253 || !SYSCTL_NAME.test(name)) errs.push(invalidValue(np, name, SYSCTL_NAME_MSG));
    else if (seen.has(name)) errs.push(duplicate(np, name));
    seen.add(name);
  });
  return errs;
}

/** validateResources checks requests/limits quantities and requests <= limits (upstream ValidateResourceRequirements, subset). */
export function validateResources(res: Record<string, any> | undefined, p: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const parsed: Record<string, Record<string, Quantity>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, v] of Object.entries((res?.[kind] ?? {}) as Record<string, unknown>)) {
      const fp = p.child(kind).key(name);
      try {
        const q = parseQuantity(String(v));
        if (q.sign() < 0) errs.push(invalidValue(fp, v, 'must be greater than or equal to 0'));
        parsed[kind]![name] = q;
      } catch {
        errs.push(invalidValue(fp, v, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
      }
    }
  }
  for (const [name, req] of Object.entries(parsed.requests!)) {
    const lim = parsed.limits![name];
    if (lim && req.cmp(lim) > 0) errs.push(invalidValue(p.child('requests').key(name), String(res?.requests?.[name]), `must be less than or equal to ${name} limit of ${String(res?.limits?.[name])}`));
  }
  return errs;
}

/** POD_UPDATE_FORBIDDEN_MSG is the detail of upstream's pod spec update error (shortened list). */
export const POD_UPDATE_FORBIDDEN_MSG =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function mutableSpecView(spec: Record<string, any>): Record<string, any> {
  const c = structuredClone(spec ?? {});
  for (const list of ['containers', 'initContainers']) for (const x of c[list] ?? []) delete x.image;
  delete c.activeDeadlineSeconds;
  delete c.tolerations;
  delete c.terminationGracePeriodSeconds;
  delete c.schedulingGates;
  return c;
}

/** podStrategy is the Pod strategy. */
export const podStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: false }),
  hasSpecGeneration: true,
  setDefaults: setDefaultsPod,
  prepareForCreate(_ctx: RequestContext, obj: KubeObject): void {
    // Idempotent: bodies were defaulted when decoded; objects created without a request body were not.
    setDefaultsPod(obj);
    setDefaultsPodSpec(obj.spec);
    obj.metadata.generation = 1;
    obj.status = { phase: 'Pending', qosClass: qosClass(obj.spec) };
  },
  prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
    obj.status = old.status;
    setDefaultsPodSpec(obj.spec);
    obj.metadata.generation = old.metadata.generation ?? 1;
    if (!semanticEqual(obj.spec, old.spec)) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
  },
  validate(_ctx, obj) {
    return validatePodSpec(obj.spec, fieldPath('spec'));
  },
  validateUpdate(_ctx, obj, old) {
    const errs = validatePodSpec(obj.spec, fieldPath('spec'));
    if (!semanticEqual(mutableSpecView(obj.spec), mutableSpecView(old.spec))) errs.push(forbiddenField(fieldPath('spec'), POD_UPDATE_FORBIDDEN_MSG));
    return errs;
  },
  checkGracefulDelete(_ctx: RequestContext, obj: KubeObject, options: DeleteOptionsLike): boolean {
    // upstream: pod strategy CheckGracefulDelete.
    let grace = options.gracePeriodSeconds ?? obj.spec?.terminationGracePeriodSeconds ?? 30;
    if (!obj.spec?.nodeName) grace = 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') grace = 0;
    options.gracePeriodSeconds = grace;
    return true;
  },
  fieldSelectorAttrs(obj: KubeObject): Record<string, string> {
    return {
      'spec.nodeName': obj.spec?.nodeName ?? '',
      'spec.restartPolicy': obj.spec?.restartPolicy ?? '',
      'spec.schedulerName': obj.spec?.schedulerName ?? '',
      'spec.serviceAccountName': obj.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(obj.spec?.hostNetwork ?? false),
      'status.phase': obj.status?.phase ?? '',
      'status.podIP': obj.status?.podIP ?? '',
      'status.nominatedNodeName': obj.status?.nominatedNodeName ?? '',
    };
  },
};

/** podStatusStrategy updates only status (upstream podStatusStrategy). */
export const podStatusStrategy: Strategy = {
  ...newStatusStrategy(podStrategy),
  prepareForUpdate(ctx, obj, old) {
    newStatusStrategy(podStrategy).prepareForUpdate(ctx, obj, old);
    // The status endpoint may not change owner references (upstream).
    obj.metadata.ownerReferences = old.metadata.ownerReferences;
    if (!obj.metadata.ownerReferences) delete obj.metadata.ownerReferences;
  },
};
