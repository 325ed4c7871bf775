/**
 * Pod Security Standards checks (baseline and restricted), each returning upstream's forbidden
 * reason and detail texts.
 *
 * upstream: staging/src/k8s.io/pod-security-admission/policy/check_*.go
 */
import type { Container, Pod } from '#generated/k8s/index.ts';

/** LEVELS are the Pod Security Standards levels. */
export const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type Level = (typeof LEVELS)[number];

/** CheckResult is a failed check (a passing check returns undefined). */
export interface CheckResult {
  forbiddenReason: string;
  forbiddenDetail: string;
}

/** Check is one policy check. `overrides` lists baseline checks a restricted check replaces. */
export interface Check {
  id: string;
  level: Exclude<Level, 'privileged'>;
  overrides?: string[];
  check(pod: Pod): CheckResult | undefined;
}

function containers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...((pod.spec?.ephemeralContainers ?? []) as Container[])];
}

const pluralize = (one: string, many: string, n: number) => (n === 1 ? one : many);
const joinQuote = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(', ');

function badContainers(pod: Pod, bad: (c: Container) => boolean): string[] {
  return containers(pod).filter(bad).map((c) => c.name);
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const ALLOWED_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const ALLOWED_SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUME_FIELDS = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** CHECKS lists every check; evaluation sorts them by id, as upstream does. */
export const CHECKS: readonly Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    check(pod) {
      const bad = badContainers(pod, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
      if (bad.length === 0) return undefined;
      return { forbiddenReason: 'allowPrivilegeEscalation != false', forbiddenDetail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must set securityContext.allowPrivilegeEscalation=false` };
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    check(pod) {
      const badValues: string[] = [];
      const okType = (t: string | undefined) => t === undefined || t === 'RuntimeDefault' || t === 'Localhost';
      if (!okType(pod.spec?.securityContext?.appArmorProfile?.type)) badValues.push(`pod must not set securityContext.appArmorProfile.type to ${JSON.stringify(pod.spec?.securityContext?.appArmorProfile?.type)}`);
      for (const c of containers(pod)) if (!okType(c.securityContext?.appArmorProfile?.type)) badValues.push(`container ${JSON.stringify(c.name)} must not set securityContext.appArmorProfile.type to ${JSON.stringify(c.securityContext?.appArmorProfile?.type)}`);
      for (const [k, v] of Object.entries(pod.metadata?.annotations ?? {})) {
        if (!k.startsWith('container.apparmor.security.beta.kubernetes.io/')) continue;
        if (v !== 'runtime/default' && !v.startsWith('localhost/')) badValues.push(`${k}=${JSON.stringify(v)}`);
      }
      if (badValues.length === 0) return undefined;
      return { forbiddenReason: 'forbidden AppArmor profile', forbiddenDetail: badValues.join(', ') };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    check(pod) {
      const bad: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(pod)) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter((x) => !BASELINE_CAPABILITIES.has(x));
        if (extra.length) {
          bad.push(c.name);
          extra.forEach((x) => caps.add(x));
        }
      }
      if (bad.length === 0) return undefined;
      return { forbiddenReason: 'non-default capabilities', forbiddenDetail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    check(pod) {
      const noDrop: string[] = [];
      const adding: string[] = [];
      const caps = new Set<string>();
      for (const c of containers(pod)) {
        const sc = c.securityContext?.capabilities;
        if (!(sc?.drop ?? []).includes('ALL')) noDrop.push(c.name);
        const bad = (sc?.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
        if (bad.length) {
          adding.push(c.name);
          bad.forEach((x) => caps.add(x));
        }
      }
      const details: string[] = [];
      if (noDrop.length) details.push(`${pluralize('container', 'containers', noDrop.length)} ${joinQuote(noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${pluralize('container', 'containers', adding.length)} ${joinQuote(adding)} must not include ${joinQuote([...caps].sort())} in securityContext.capabilities.add`);
      if (details.length === 0) return undefined;
      return { forbiddenReason: 'unrestricted capabilities', forbiddenDetail: details.join('; ') };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    check(pod) {
      const bad: string[] = [];
      if (pod.spec?.hostNetwork) bad.push('hostNetwork=true');
      if (pod.spec?.hostPID) bad.push('hostPID=true');
      if (pod.spec?.hostIPC) bad.push('hostIPC=true');
      return bad.length ? { forbiddenReason: 'host namespaces', forbiddenDetail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    check(pod) {
      const bad = (pod.spec?.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return bad.length ? { forbiddenReason: 'hostPath volumes', forbiddenDetail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    check(pod) {
      const bad: string[] = [];
      const ports: string[] = [];
      for (const c of containers(pod)) {
        const hp = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
        if (hp.length) {
          bad.push(c.name);
          ports.push(...hp.map(String));
        }
      }
      if (!bad.length) return undefined;
      return { forbiddenReason: 'hostPort', forbiddenDetail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    check(pod) {
      const bad = badContainers(pod, (c) => c.securityContext?.privileged === true);
      return bad.length ? { forbiddenReason: 'privileged', forbiddenDetail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    check(pod) {
      const bad = badContainers(pod, (c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default');
      return bad.length ? { forbiddenReason: 'procMount', forbiddenDetail: `${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)} must not set securityContext.procMount to "Unmasked"` } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    check(pod) {
      const details: string[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== 'name');
        if (type !== undefined && !RESTRICTED_VOLUME_FIELDS.has(type)) details.push(`volume ${JSON.stringify(v.name)} uses restricted volume type ${JSON.stringify(type)}`);
      }
      return details.length ? { forbiddenReason: 'restricted volume types', forbiddenDetail: details.join(', ') } : undefined;
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    check(pod) {
      const setters: string[] = [];
      const podValue = pod.spec?.securityContext?.runAsNonRoot;
      if (podValue === false) setters.push('pod');
      const explicitBad: string[] = [];
      const implicitBad: string[] = [];
      for (const c of containers(pod)) {
        const v = c.securityContext?.runAsNonRoot;
        if (v === false) explicitBad.push(c.name);
        else if (v === undefined || v === null) {
          if (podValue !== true) implicitBad.push(c.name);
        }
      }
      if (explicitBad.length) setters.push(`${pluralize('container', 'containers', explicitBad.length)} ${joinQuote(explicitBad)}`);
      if (setters.length) return { forbiddenReason: 'runAsNonRoot != true', forbiddenDetail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
      if (implicitBad.length) return { forbiddenReason: 'runAsNonRoot != true', forbiddenDetail: `pod or ${pluralize('container', 'containers', implicitBad.length)} ${joinQuote(implicitBad)} must set securityContext.runAsNonRoot=true` };
      return undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    check(pod) {
      const setters: string[] = [];
      if (pod.spec?.securityContext?.runAsUser === 0) setters.push('pod');
      const bad = badContainers(pod, (c) => c.securityContext?.runAsUser === 0);
      if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
      return setters.length ? { forbiddenReason: 'runAsUser=0', forbiddenDetail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    check(pod) {
      const details: string[] = [];
      const checkOpts = (o: { type?: string; user?: string; role?: string } | undefined, who: string) => {
        if (!o) return;
        if (!ALLOWED_SELINUX_TYPES.has(o.type ?? '')) details.push(`${who} set forbidden securityContext.seLinuxOptions: type ${JSON.stringify(o.type)}`);
        if (o.user) details.push(`${who} set forbidden securityContext.seLinuxOptions: user ${JSON.stringify(o.user)}`);
        if (o.role) details.push(`${who} set forbidden securityContext.seLinuxOptions: role ${JSON.stringify(o.role)}`);
      };
      checkOpts(pod.spec?.securityContext?.seLinuxOptions, 'pod');
      for (const c of containers(pod)) checkOpts(c.securityContext?.seLinuxOptions, `container ${JSON.stringify(c.name)}`);
      return details.length ? { forbiddenReason: 'seLinuxOptions', forbiddenDetail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    check(pod) {
      const setters: string[] = [];
      if (pod.spec?.securityContext?.seccompProfile?.type === 'Unconfined') setters.push('pod');
      const bad = badContainers(pod, (c) => c.securityContext?.seccompProfile?.type === 'Unconfined');
      if (bad.length) setters.push(`${pluralize('container', 'containers', bad.length)} ${joinQuote(bad)}`);
      return setters.length ? { forbiddenReason: 'seccompProfile', forbiddenDetail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    check(pod) {
      const valid = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
      const setters: string[] = [];
      const badValues = new Set<string>();
      let podSet = false;
      const podProfile = pod.spec?.securityContext?.seccompProfile;
      if (podProfile) {
        if (!valid(podProfile.type)) {
          setters.push('pod');
          badValues.add(podProfile.type ?? '');
        } else podSet = true;
      }
      const explicitBad: string[] = [];
      const implicitBad: string[] = [];
      for (const c of containers(pod)) {
        const prof = c.securityContext?.seccompProfile;
        if (prof) {
          if (!valid(prof.type)) {
            explicitBad.push(c.name);
            badValues.add(prof.type ?? '');
          }
        } else if (!podSet) implicitBad.push(c.name);
      }
      if (explicitBad.length) setters.push(`${pluralize('container', 'containers', explicitBad.length)} ${joinQuote(explicitBad)}`);
      if (setters.length) return { forbiddenReason: 'seccompProfile', forbiddenDetail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote([...badValues].sort())}` };
      if (implicitBad.length) return { forbiddenReason: 'seccompProfile', forbiddenDetail: `pod or ${pluralize('container', 'containers', implicitBad.length)} ${joinQuote(implicitBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
      return undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    check(pod) {
      const bad = (pod.spec?.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !ALLOWED_SYSCTLS.has(n));
      return bad.length ? { forbiddenReason: 'forbidden sysctls', forbiddenDetail: bad.join(', ') } : undefined;
    },
  },
];

/** checksFor returns the checks of a level, restricted checks replacing the baseline ones they override, sorted by id. */
export function checksFor(level: Level): Check[] {
  if (level === 'privileged') return [];
  const selected = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const overridden = new Set(selected.flatMap((c) => c.overrides ?? []));
  return selected.filter((c) => !overridden.has(c.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** evaluatePod runs a level's checks and returns the failures in order. */
export function evaluatePod(level: Level, pod: Pod): CheckResult[] {
  const out: CheckResult[] = [];
  for (const c of checksFor(level)) {
    const r = c.check(pod);
    if (r) out.push(r);
  }
  return out;
}

/** aggregateResults renders failures as upstream: `reason (detail), reason (detail)`. */
export function aggregateResults(results: readonly CheckResult[]): string {
  return results.map((r) => (r.forbiddenDetail ? `${r.forbiddenReason} (${r.forbiddenDetail})` : r.forbiddenReason)).join(', ');
}
