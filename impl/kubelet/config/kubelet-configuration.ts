/**
 * KubeletConfiguration files (`--config`, `kubelet.config.k8s.io/v1beta1`; upstream:
 * pkg/kubelet/apis/config/v1beta1 and cmd/kubelet/app/options): the fields kubets uses, mapped
 * onto {@link KubeletOptions}. Command-line flags override the file, as upstream.
 */
import { readFileSync } from 'node:fs';
import { parseYaml } from '#impl/apimachinery/util/yaml/index.ts';
import type { Taint } from '#generated/k8s/index.ts';
import type { KubeletOptions } from '../kubelet.ts';

/** parseDuration parses Go durations such as `10s`, `1m30s`, `500ms`, `1h` into milliseconds. */
export function parseDuration(v: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v.trim();
  if (/^\d+$/.test(rest)) return Number(rest) * 1000;
  if (rest === '') throw new Error(`invalid duration: ${v}`);
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration: ${v}`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** KubeletConfiguration is the subset of the v1beta1 type kubets reads. */
export interface KubeletConfiguration {
  apiVersion?: string;
  kind?: string;
  address?: string;
  port?: number;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  authentication?: { x509?: { clientCAFile?: string } };
  maxPods?: number;
  nodeStatusUpdateFrequency?: string;
  nodeLeaseDurationSeconds?: number;
  clusterDNS?: string[];
  clusterDomain?: string;
  cgroupRoot?: string;
  resolvConf?: string;
  registerWithTaints?: Taint[];
  containerRuntimeEndpoint?: string;
  syncFrequency?: string;
  staticPodPath?: string;
  fileCheckFrequency?: string;
  evictionHard?: Record<string, string>;
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
}

/** KUBELET_CONFIGURATION_API_VERSIONS are the accepted apiVersions. */
export const KUBELET_CONFIGURATION_API_VERSIONS = ['kubelet.config.k8s.io/v1beta1', 'kubelet.config.k8s.io/v1'];

/** kubeletConfigurationToOptions maps a parsed configuration onto options (only the fields set). */
export function kubeletConfigurationToOptions(c: KubeletConfiguration, source = 'config'): Partial<KubeletOptions> {
  if (c.kind !== 'KubeletConfiguration') throw new Error(`${source}: kind must be KubeletConfiguration, got ${String(c.kind)}`);
  if (!KUBELET_CONFIGURATION_API_VERSIONS.includes(c.apiVersion ?? '')) throw new Error(`${source}: unsupported apiVersion ${String(c.apiVersion)}`);
  const o: Partial<KubeletOptions> = {};
  if (c.address !== undefined) o.address = c.address;
  if (c.port !== undefined) o.port = c.port;
  if (c.tlsCertFile) o.tlsCertFile = c.tlsCertFile;
  if (c.tlsPrivateKeyFile) o.tlsPrivateKeyFile = c.tlsPrivateKeyFile;
  if (c.authentication?.x509?.clientCAFile) o.clientCA = readFileSync(c.authentication.x509.clientCAFile);
  if (c.maxPods !== undefined) o.maxPods = c.maxPods;
  if (c.nodeStatusUpdateFrequency) o.nodeStatusUpdateFrequencyMs = parseDuration(c.nodeStatusUpdateFrequency);
  if (c.nodeLeaseDurationSeconds !== undefined) o.leaseDurationSeconds = c.nodeLeaseDurationSeconds;
  if (c.clusterDNS) o.clusterDNS = c.clusterDNS;
  if (c.clusterDomain) o.clusterDomain = c.clusterDomain;
  if (c.cgroupRoot) o.cgroupRoot = c.cgroupRoot;
  if (c.resolvConf) o.resolvConf = c.resolvConf;
  if (c.registerWithTaints) o.registerWithTaints = c.registerWithTaints;
  if (c.containerRuntimeEndpoint) o.containerRuntimeEndpoint = c.containerRuntimeEndpoint;
  if (c.syncFrequency) o.podResyncIntervalMs = parseDuration(c.syncFrequency);
  if (c.staticPodPath) o.podManifestPath = c.staticPodPath;
  if (c.fileCheckFrequency) o.fileCheckFrequencyMs = parseDuration(c.fileCheckFrequency);
  if (c.evictionHard) o.evictionHard = Object.entries(c.evictionHard).map(([k, v]) => `${k}<${v}`).join(',');
  if (c.imageGCHighThresholdPercent !== undefined) o.imageGCHighThresholdPercent = c.imageGCHighThresholdPercent;
  if (c.imageGCLowThresholdPercent !== undefined) o.imageGCLowThresholdPercent = c.imageGCLowThresholdPercent;
  return o;
}

/** loadKubeletConfiguration reads a KubeletConfiguration YAML/JSON file. */
export function loadKubeletConfiguration(file: string): Partial<KubeletOptions> {
  return kubeletConfigurationToOptions(parseYaml(readFileSync(file, 'utf8')) as KubeletConfiguration, file);
}
