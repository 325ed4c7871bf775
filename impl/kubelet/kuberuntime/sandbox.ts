/**
 * Pod sandbox concerns of the runtime manager (upstream: pkg/kubelet/kuberuntime/kuberuntime_sandbox.go):
 * building the full PodSandboxConfig from a pod, running and stopping sandboxes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pod } from '#generated/k8s/index.ts';
import { NamespaceMode, Protocol, type DNSConfig, type DeepPartial, type PodSandboxConfig, type PortMapping } from '#generated/cri/api.ts';
import { getPodQOS, type PodQOSClass } from '../qos.ts';
import { newPodAnnotations, newPodLabels } from './labels.ts';
import { podSupplementalGroups } from './security-context.ts';

/** SandboxConfigContext is node-level input to {@link generatePodSandboxConfig}. */
export interface SandboxConfigContext {
  /** podLogsRootDir is `<root>/logs/pods` (upstream /var/log/pods). */
  podLogsRootDir: string;
  /** cgroupRoot is the node's cgroup root for pods (default `/`, pods go under `/kubepods`). */
  cgroupRoot: string;
  /** clusterDNS / clusterDomain configure ClusterFirst DNS; empty falls back to the host's resolv.conf. */
  clusterDNS: string[];
  clusterDomain: string;
  /** resolvConf is the host resolv.conf path used for dnsPolicy Default (and ClusterFirst without clusterDNS). */
  resolvConf: string;
}

/** buildPodLogsDirectory returns `<root>/<ns>_<name>_<uid>` (upstream BuildPodLogsDirectory). */
export function buildPodLogsDirectory(podLogsRootDir: string, pod: Pod): string {
  return path.join(podLogsRootDir, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
}

/**
 * podCgroupParent returns the pod-level cgroup for the cgroupfs driver (upstream
 * pkg/kubelet/cm/pod_container_manager_linux.go): `/kubepods/pod<uid>` for Guaranteed,
 * `/kubepods/<qos>/pod<uid>` otherwise.
 */
export function podCgroupParent(pod: Pod, cgroupRoot: string, qos: PodQOSClass = getPodQOS(pod)): string {
  const base = path.posix.join(cgroupRoot || '/', 'kubepods');
  const uid = pod.metadata?.uid ?? '';
  return qos === 'Guaranteed' ? path.posix.join(base, `pod${uid}`) : path.posix.join(base, qos.toLowerCase(), `pod${uid}`);
}

/** parseResolvConf reads nameservers, search domains and options (upstream dns.go parseResolvConf). */
export function parseResolvConf(text: string): { servers: string[]; searches: string[]; options: string[] } {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const f = line.split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) servers.push(f[1]);
    else if ((f[0] === 'search' || f[0] === 'domain') && f.length > 1) searches = f.slice(1);
    else if (f[0] === 'options') options.push(...f.slice(1));
  }
  return { servers, searches, options };
}

/** getPodDNS computes the sandbox DNS config from dnsPolicy and dnsConfig (upstream dns.go GetPodDNS). */
export function getPodDNS(pod: Pod, ctx: SandboxConfigContext): DeepPartial<DNSConfig> {
  let policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  else if (policy === 'ClusterFirst' && pod.spec?.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirst' && ctx.clusterDNS.length === 0) policy = 'Default'; // upstream: falls back with a warning
  let dns: { servers: string[]; searches: string[]; options: string[] } = { servers: [], searches: [], options: [] };
  if (policy === 'Default') {
    try {
      dns = parseResolvConf(readFileSync(ctx.resolvConf, 'utf8'));
    } catch {
      /* no host resolv.conf: empty */
    }
  } else if (policy === 'ClusterFirst') {
    const ns = pod.metadata?.namespace ?? 'default';
    const d = ctx.clusterDomain;
    dns = { servers: [...ctx.clusterDNS], searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ['ndots:5'] };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    dns.servers = [...dns.servers, ...(extra.nameservers ?? [])];
    dns.searches = [...dns.searches, ...(extra.searches ?? [])];
    for (const o of extra.options ?? []) {
      const rendered = o.value !== undefined ? `${o.name}:${o.value}` : (o.name ?? '');
      dns.options = [...dns.options.filter((x) => x.split(':')[0] !== o.name), rendered];
    }
  }
  return { servers: dns.servers.slice(0, 3), searches: dns.searches.slice(0, 32), options: dns.options };
}

/** portMappings collects the containers' hostPort mappings (upstream makePortMappings). */
export function portMappings(pod: Pod): DeepPartial<PortMapping>[] {
  const out: DeepPartial<PortMapping>[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({
        containerPort: p.containerPort,
        hostPort: p.hostPort,
        hostIp: p.hostIP ?? '',
        protocol: p.protocol === 'UDP' ? Protocol.UDP : p.protocol === 'SCTP' ? Protocol.SCTP : Protocol.TCP,
      });
    }
  }
  return out;
}

/** podHostname returns the pod's hostname: spec.hostname, else the name truncated to 63 characters. */
export function podHostname(pod: Pod): string {
  const h = pod.spec?.hostname || pod.metadata?.name || '';
  return h.slice(0, 63).replace(/[-.]+$/, '');
}

/** generatePodSandboxConfig builds the CRI sandbox config of a pod (upstream generatePodSandboxConfig). */
export function generatePodSandboxConfig(pod: Pod, attempt: number, ctx: SandboxConfigContext): DeepPartial<PodSandboxConfig> {
  const spec = pod.spec;
  const sc = spec?.securityContext;
  const hostNetwork = spec?.hostNetwork ?? false;
  return {
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid, attempt },
    hostname: hostNetwork ? '' : podHostname(pod),
    logDirectory: buildPodLogsDirectory(ctx.podLogsRootDir, pod),
    dnsConfig: getPodDNS(pod, ctx),
    portMappings: portMappings(pod),
    labels: newPodLabels(pod),
    annotations: newPodAnnotations(pod),
    linux: {
      cgroupParent: podCgroupParent(pod, ctx.cgroupRoot),
      sysctls: Object.fromEntries((sc?.sysctls ?? []).map((s) => [s.name, s.value])),
      securityContext: {
        namespaceOptions: {
          network: hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD,
          pid: spec?.hostPID ? NamespaceMode.NODE : spec?.shareProcessNamespace ? NamespaceMode.POD : NamespaceMode.CONTAINER,
          ipc: spec?.hostIPC ? NamespaceMode.NODE : NamespaceMode.POD,
        },
        runAsUser: sc?.runAsUser != null ? { value: String(sc.runAsUser) } : undefined,
        runAsGroup: sc?.runAsGroup != null ? { value: String(sc.runAsGroup) } : undefined,
        supplementalGroups: podSupplementalGroups(sc),
        readonlyRootfs: false,
        privileged: false,
      },
    },
  };
}
