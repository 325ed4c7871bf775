/**
 * Container concerns of the runtime manager (upstream: pkg/kubelet/kuberuntime/kuberuntime_container.go):
 * the container spec hash, the CRI ContainerConfig, and Linux resources per the container's
 * requests and limits (pkg/kubelet/kuberuntime/kuberuntime_container_linux.go).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Container, Pod } from '#generated/k8s/index.ts';
import { NamespaceMode, type ContainerConfig, type DeepPartial, type LinuxContainerResources, type Mount } from '#generated/cri/api.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import type { ResolvedEnv } from '../container-env.ts';
import { newContainerAnnotations, newContainerLabels } from './labels.ts';
import { podSupplementalGroups } from './security-context.ts';

/** Constants of cgroup v1 CPU accounting (upstream cm/helpers_linux.go). */
export const MIN_SHARES = 2;
export const SHARES_PER_CPU = 1024;
export const QUOTA_PERIOD = 100_000;
export const MIN_QUOTA_PERIOD = 1000;

/**
 * hashContainer hashes the parts of a container spec that require a restart when changed
 * (upstream HashContainer hashes the whole spec; the API only lets `image` change).
 */
export function hashContainer(container: Container): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name: container.name, image: container.image, command: container.command, args: container.args }));
  return h.digest('hex').slice(0, 8);
}

function milli(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return parseQuantity(String(v)).milliValue();
}

function bytes(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  return parseQuantity(String(v)).value();
}

/**
 * linuxContainerResources converts requests/limits to cgroup settings (upstream
 * generateLinuxContainerResources): cpu request -> shares, cpu limit -> quota/period, memory
 * limit -> limit in bytes. A BestEffort container gets the minimum shares.
 */
export function linuxContainerResources(container: Container): DeepPartial<LinuxContainerResources> {
  const req = container.resources?.requests as Record<string, unknown> | undefined;
  const lim = container.resources?.limits as Record<string, unknown> | undefined;
  const cpuReq = milli(req?.cpu) ?? milli(lim?.cpu);
  const cpuLim = milli(lim?.cpu);
  const memLim = bytes(lim?.memory);
  const out: DeepPartial<LinuxContainerResources> = {
    cpuShares: String(cpuReq ? Math.max(MIN_SHARES, Math.floor((cpuReq * SHARES_PER_CPU) / 1000)) : MIN_SHARES),
  };
  if (cpuLim) {
    out.cpuPeriod = String(QUOTA_PERIOD);
    out.cpuQuota = String(Math.max(MIN_QUOTA_PERIOD, Math.floor((cpuLim * QUOTA_PERIOD) / 1000)));
  }
  if (memLim) out.memoryLimitInBytes = String(memLim);
  return out;
}

/** ContainerConfigInput is everything generateContainerConfig needs besides pod and container. */
export interface ContainerConfigInput {
  restartCount: number;
  imageRef: string;
  env: ResolvedEnv[];
  mounts: DeepPartial<Mount>[];
  /** podLogsDir is the sandbox's log directory; the log path is relative to it. */
  podLogsDir: string;
}

/** buildContainerLogsPath is `<container>/<restartCount>.log` relative to the pod log dir (upstream). */
export function buildContainerLogsPath(containerName: string, restartCount: number): string {
  return path.join(containerName, `${restartCount}.log`);
}

/** generateContainerConfig builds the CRI ContainerConfig (upstream generateContainerConfig). */
export function generateContainerConfig(pod: Pod, container: Container, input: ContainerConfigInput): DeepPartial<ContainerConfig> {
  const env = new Map(input.env.map((e) => [e.key, e.value]));
  const expand = (s: string): string =>
    s.replace(/\$\$|\$\(([^)]+)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : env.get(name ?? '') ?? m));
  const sc = container.securityContext;
  const psc = pod.spec?.securityContext;
  const runAsUser = sc?.runAsUser ?? psc?.runAsUser;
  const runAsGroup = sc?.runAsGroup ?? psc?.runAsGroup;
  return {
    metadata: { name: container.name, attempt: input.restartCount },
    image: { image: input.imageRef, userSpecifiedImage: container.image },
    command: (container.command ?? []).map(expand),
    args: (container.args ?? []).map(expand),
    workingDir: container.workingDir ?? '',
    envs: input.env.map((e) => ({ key: e.key, value: Buffer.from(e.value, 'utf8') })),
    mounts: input.mounts,
    labels: newContainerLabels(container, pod),
    annotations: newContainerAnnotations(container, pod, input.restartCount, hashContainer(container)),
    logPath: buildContainerLogsPath(container.name, input.restartCount),
    stdin: container.stdin ?? false,
    stdinOnce: container.stdinOnce ?? false,
    tty: container.tty ?? false,
    linux: {
      resources: linuxContainerResources(container),
      securityContext: {
        privileged: sc?.privileged ?? false,
        readonlyRootfs: sc?.readOnlyRootFilesystem ?? false,
        runAsUser: runAsUser != null ? { value: String(runAsUser) } : undefined,
        runAsGroup: runAsGroup != null ? { value: String(runAsGroup) } : undefined,
        supplementalGroups: podSupplementalGroups(psc),
        noNewPrivs: sc?.allowPrivilegeEscalation === false,
        capabilities: {
          addCapabilities: sc?.capabilities?.add ?? [],
          dropCapabilities: sc?.capabilities?.drop ?? [],
        },
        namespaceOptions: {
          network: pod.spec?.hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD,
          pid: pod.spec?.hostPID ? NamespaceMode.NODE : pod.spec?.shareProcessNamespace ? NamespaceMode.POD : NamespaceMode.CONTAINER,
          ipc: pod.spec?.hostIPC ? NamespaceMode.NODE : NamespaceMode.POD,
        },
      },
    },
  };
}
