/**
 * tools/runtime — the node's container runtime as processes of kubets' own: a local registry
 * (Debian docker-registry on 127.0.0.1) filled with the local images, and a containerd 1.6 with
 * its own config/root/state/socket under a data dir, mirroring docker.io and registry.k8s.io to
 * that registry, CNI bridge on 198.18.0.0/16, sandbox image `registry.k8s.io/pause:3.10`.
 *
 * - `runtimeUp({ dataDir, log?, signal? }) -> RuntimeInfo` (`endpoint` = `unix://.../containerd.sock`,
 *   `registry` = `127.0.0.1:PORT`, pids); idempotent. `kubets runtime up --data-dir DIR`.
 * - `runtimeDown({ dataDir })`: removes all pods via CRI, stops containerd, its shims, leftover
 *   mounts, then the registry, all by pid. `kubets runtime down --data-dir DIR`.
 * - `runtimeStatus(dataDir)`, `readRuntimeInfo(dataDir)`, `runtimePaths(dataDir)`.
 * - Pieces for other setups (e.g. a third-party containerd with its own config, or a registry
 *   with auth): `startRegistry`/`stopRegistry`/`registryConfig`, `containerdConfig`,
 *   `registryHosts`/`hostsToml`, `cniConflist`, `startContainerd`/`stopContainerd`, `criVersion`.
 *
 * Needs (Debian): containerd runc containernetworking-plugins busybox-static docker-registry
 * skopeo iptables; root (containerd, CNI, mounts).
 */
export {
  runtimeUp,
  runtimeDown,
  runtimeStatus,
  readRuntimeInfo,
  runtimePaths,
  type RuntimeInfo,
  type RuntimePaths,
  type RuntimeUpOptions,
  type RuntimeDownOptions,
  type RuntimeDownResult,
} from './runtime.ts';
export {
  startRegistry,
  stopRegistry,
  registryConfig,
  registryPaths,
  registryIsUp,
  manifestDigest,
  REGISTRY_BINARY,
  type RegistryInstance,
  type RegistryPaths,
  type StartRegistryOptions,
  type RegistryConfigOptions,
} from './registry.ts';
export {
  containerdConfig,
  registryHosts,
  hostsToml,
  cniConflist,
  POD_SUBNET,
  CNI_BIN_DIR,
  CNI_BRIDGE,
  CNI_NETWORK_NAME,
  type ContainerdConfigOptions,
  type RegistryHost,
  type CniConfOptions,
} from './containerd-config.ts';
export {
  startContainerd,
  stopContainerd,
  containerdRunning,
  criVersion,
  removeAllPodSandboxes,
  killShims,
  unmountUnder,
  CONTAINERD_BINARY,
  type StartContainerdOptions,
  type StopContainerdOptions,
  type StopContainerdResult,
} from './containerd.ts';
export {
  startDaemon,
  stopProcess,
  stopPidFile,
  readPidFile,
  isAlive,
  waitFor,
  freePort,
  portIsFree,
  canConnect,
  type StartDaemonOptions,
} from './process.ts';
