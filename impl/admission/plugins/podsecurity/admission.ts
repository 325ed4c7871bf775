/**
 * PodSecurity: evaluate pods against the Pod Security Standards levels named by their
 * namespace's `pod-security.kubernetes.io/{enforce,audit,warn}` labels. Enforce rejects,
 * audit annotates the audit event, warn returns `Warning` headers.
 *
 * upstream: staging/src/k8s.io/pod-security-admission/admission/admission.go (ValidatePod,
 * EvaluatePod) and api/helpers.go (level/version labels)
 */
import type { Namespace, Pod } from '#generated/k8s/index.ts';
import { admissionForbidden, handlesOps, isResource, type AdmissionAttributes, type ValidatingPlugin } from '../../interfaces.ts';
import { aggregateResults, evaluatePod, LEVELS, type Level } from './checks.ts';

export const POD_SECURITY_NAME = 'PodSecurity';
export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const AUDIT_VIOLATIONS_ANNOTATION = 'pod-security.kubernetes.io/audit-violations';
export const ENFORCE_POLICY_ANNOTATION = 'pod-security.kubernetes.io/enforce-policy';

/** LevelVersion is a level with its version (`latest` or `v1.NN`). */
export interface LevelVersion {
  level: Level;
  version: string;
}

/** NamespacePolicy holds the three modes of a namespace. */
export interface NamespacePolicy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

/** PodSecurityConfig is upstream's PodSecurityConfiguration defaults and exemptions. */
export interface PodSecurityConfig {
  defaults?: Partial<Record<'enforce' | 'audit' | 'warn', string>> & Partial<Record<'enforce-version' | 'audit-version' | 'warn-version', string>>;
  exemptions?: { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] };
}

function parseLevel(v: string | undefined, fallback: Level): Level {
  if (v === undefined) return fallback;
  // An invalid level is evaluated as restricted, as upstream does.
  return (LEVELS as readonly string[]).includes(v) ? (v as Level) : 'restricted';
}

function parseVersion(v: string | undefined): string {
  if (v === undefined || v === '' || v === 'latest') return 'latest';
  return /^v1\.\d+$/.test(v) ? v : 'latest';
}

/** policyForNamespace reads the mode labels, falling back to the configured defaults (all `privileged` by default). */
export function policyForNamespace(labels: Record<string, string> | undefined, cfg: PodSecurityConfig = {}): NamespacePolicy {
  const l = labels ?? {};
  const mode = (m: 'enforce' | 'audit' | 'warn'): LevelVersion => ({
    level: parseLevel(l[LABEL_PREFIX + m], parseLevel(cfg.defaults?.[m], 'privileged')),
    version: parseVersion(l[`${LABEL_PREFIX}${m}-version`] ?? cfg.defaults?.[`${m}-version`]),
  });
  return { enforce: mode('enforce'), audit: mode('audit'), warn: mode('warn') };
}

const policyString = (lv: LevelVersion) => `${lv.level}:${lv.version}`;

/** podSpecChanged is false for updates that cannot change the security posture (metadata/status-only, as upstream ignores them). */
function podSpecChanged(a: AdmissionAttributes): boolean {
  if (a.operation !== 'UPDATE') return true;
  const pod = a.object as Pod | undefined;
  const old = a.oldObject as Pod | undefined;
  return JSON.stringify(pod?.spec ?? null) !== JSON.stringify(old?.spec ?? null);
}

/** POD_TEMPLATE_RESOURCES are workload resources whose pod template gets warn/audit (never enforce), as upstream. */
const POD_TEMPLATE_RESOURCES = new Set(['/replicationcontrollers', '/podtemplates', 'apps/replicasets', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'batch/jobs', 'batch/cronjobs']);

/** templateOf returns the pod (metadata + spec) a workload object templates. */
function templateOf(resource: string, obj: AdmissionAttributes['object']): Pod | undefined {
  if (!obj) return undefined;
  if (resource === 'podtemplates') return obj.template as Pod | undefined;
  if (resource === 'cronjobs') return obj.spec?.jobTemplate?.spec?.template as Pod | undefined;
  return obj.spec?.template as Pod | undefined;
}

/** newPodSecurity builds the plugin; `getNamespace` is usually a lister. */
export function newPodSecurity(opts: { getNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>; config?: PodSecurityConfig }) {
  const cfg = opts.config ?? {};
  const exemptUsers = new Set(cfg.exemptions?.usernames ?? []);
  const exemptNamespaces = new Set(cfg.exemptions?.namespaces ?? []);
  const exemptRuntimeClasses = new Set(cfg.exemptions?.runtimeClasses ?? []);
  return {
    name: POD_SECURITY_NAME,
    handles: handlesOps('CREATE', 'UPDATE'),
    async validate(a: AdmissionAttributes): Promise<void> {
      if (exemptUsers.has(a.userInfo.name) || exemptNamespaces.has(a.namespace)) return;
      if (a.subresource === '' && POD_TEMPLATE_RESOURCES.has(`${a.resource.group}/${a.resource.resource}`)) {
        const tpl = templateOf(a.resource.resource, a.object);
        if (!tpl?.spec) return;
        if (a.operation === 'UPDATE' && JSON.stringify(tpl.spec) === JSON.stringify(templateOf(a.resource.resource, a.oldObject)?.spec ?? null)) return;
        const policy = policyForNamespace((await opts.getNamespace(a.namespace))?.metadata?.labels, cfg);
        if (policy.audit.level !== 'privileged') {
          const failures = evaluatePod(policy.audit.level, tpl);
          if (failures.length) a.auditAnnotations[AUDIT_VIOLATIONS_ANNOTATION] = `would violate PodSecurity ${JSON.stringify(policyString(policy.audit))}: ${aggregateResults(failures)}`;
        }
        for (const lv of [policy.warn, policy.enforce]) {
          // upstream warns about templates that the warn level or the enforce level would reject.
          if (lv.level === 'privileged') continue;
          const failures = evaluatePod(lv.level, tpl);
          if (failures.length) {
            a.warnings.push(`would violate PodSecurity ${JSON.stringify(policyString(lv))}: ${aggregateResults(failures)}`);
            break;
          }
        }
        return;
      }
      if (!isResource(a, '', 'pods') && !isResource(a, '', 'pods', 'ephemeralcontainers')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      if (pod.spec.runtimeClassName && exemptRuntimeClasses.has(pod.spec.runtimeClassName)) return;
      if (!podSpecChanged(a)) return;
      const ns = await opts.getNamespace(a.namespace);
      const policy = policyForNamespace(ns?.metadata?.labels, cfg);
      if (policy.enforce.level !== 'privileged') {
        const failures = evaluatePod(policy.enforce.level, pod);
        a.auditAnnotations[ENFORCE_POLICY_ANNOTATION] = policyString(policy.enforce);
        if (failures.length) throw admissionForbidden(a, `violates PodSecurity ${JSON.stringify(policyString(policy.enforce))}: ${aggregateResults(failures)}`);
      }
      if (policy.audit.level !== 'privileged') {
        const failures = evaluatePod(policy.audit.level, pod);
        if (failures.length) a.auditAnnotations[AUDIT_VIOLATIONS_ANNOTATION] = `would violate PodSecurity ${JSON.stringify(policyString(policy.audit))}: ${aggregateResults(failures)}`;
      }
      if (policy.warn.level !== 'privileged') {
        const failures = evaluatePod(policy.warn.level, pod);
        if (failures.length) a.warnings.push(`would violate PodSecurity ${JSON.stringify(policyString(policy.warn))}: ${aggregateResults(failures)}`);
      }
    },
  } satisfies ValidatingPlugin;
}
