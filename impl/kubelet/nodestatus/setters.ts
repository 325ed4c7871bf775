/**
 * Node status setters: machine facts and conditions written into the Node (upstream:
 * pkg/kubelet/nodestatus/setters.go, pkg/kubelet/cadvisor for the machine info). Each setter
 * mutates a Node in place; `now` is injected.
 */
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import type { Node, NodeCondition } from '#generated/k8s/index.ts';

/** KUBELET_VERSION is the version the kubelet reports (the API version kubets targets). */
export const KUBELET_VERSION = 'v1.35.0';

/** MachineInfo is what the node reports about its hardware and OS (upstream cadvisor MachineInfo + versions). */
export interface MachineInfo {
  numCores: number;
  memoryCapacityBytes: number;
  rootfsCapacityBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  architecture: string;
}

function readTrim(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** goArch maps Node's `process.arch` to GOARCH names. */
export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

/** readMachineInfo reads the machine facts, using `rootDir`'s filesystem for ephemeral storage. */
export function readMachineInfo(rootDir: string): MachineInfo {
  let rootfs = 0;
  try {
    const s = statfsSync(rootDir);
    rootfs = Number(s.blocks) * Number(s.bsize);
  } catch {
    /* unknown */
  }
  const osRelease = readTrim('/etc/os-release');
  const machineID = readTrim('/etc/machine-id') || readTrim('/var/lib/dbus/machine-id');
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(osRelease)?.[1] ?? 'Linux';
  return {
    numCores: os.cpus().length,
    memoryCapacityBytes: os.totalmem(),
    rootfsCapacityBytes: rootfs,
    machineID,
    // upstream cadvisor reads the DMI product UUID (root only); fall back to the machine ID.
    systemUUID: readTrim('/sys/class/dmi/id/product_uuid').toLowerCase() || machineID,
    bootID: readTrim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: os.release(),
    osImage: pretty,
    operatingSystem: 'linux',
    architecture: goArch(),
  };
}

/** ResourceReservations reduce allocatable (system/kube reserved and the hard eviction thresholds). */
export interface ResourceReservations {
  /** memoryBytes reserved (default: eviction-hard memory.available 100Mi). */
  memoryBytes: number;
  /** ephemeralStorageFraction reserved (default: nodefs.available 10%). */
  ephemeralStorageFraction: number;
}

/** DEFAULT_RESERVATIONS are upstream's default hard eviction thresholds. */
export const DEFAULT_RESERVATIONS: ResourceReservations = { memoryBytes: 100 * 1024 * 1024, ephemeralStorageFraction: 0.1 };

/**
 * machineInfo sets capacity and allocatable (upstream MachineInfo setter): the machine's
 * resources overwrite their capacity entries, other entries (extended resources others patched
 * into the status) stay, and allocatable is capacity less the reservations, entry by entry.
 */
export function setMachineInfo(node: Node, info: MachineInfo, maxPods: number, reserved: ResourceReservations = DEFAULT_RESERVATIONS): void {
  const ki = (bytes: number): string => `${Math.floor(bytes / 1024)}Ki`;
  node.status ??= {};
  const capacity: Record<string, string> = {
    ...(node.status.capacity ?? {}),
    cpu: String(info.numCores),
    memory: ki(info.memoryCapacityBytes),
    pods: String(maxPods),
    'ephemeral-storage': ki(info.rootfsCapacityBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
  };
  node.status.capacity = capacity;
  node.status.allocatable = {
    ...capacity,
    memory: ki(Math.max(0, info.memoryCapacityBytes - reserved.memoryBytes)),
    'ephemeral-storage': String(Math.floor(info.rootfsCapacityBytes * (1 - reserved.ephemeralStorageFraction))),
  };
}

/** setNodeAddress sets InternalIP(s) and Hostname (upstream NodeAddress setter). */
export function setNodeAddress(node: Node, nodeIPs: string[], hostname: string): void {
  node.status ??= {};
  node.status.addresses = [...nodeIPs.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: hostname }];
}

/** setVersionInfo sets nodeInfo (upstream VersionInfo + MachineInfo setters). */
export function setVersionInfo(node: Node, info: MachineInfo, containerRuntimeVersion: string): void {
  node.status ??= {};
  node.status.nodeInfo = {
    machineID: info.machineID,
    systemUUID: info.systemUUID,
    bootID: info.bootID,
    kernelVersion: info.kernelVersion,
    osImage: info.osImage,
    containerRuntimeVersion,
    kubeletVersion: KUBELET_VERSION,
    kubeProxyVersion: '',
    operatingSystem: info.operatingSystem,
    architecture: info.architecture,
  };
}

/** setDaemonEndpoints sets the kubelet port (upstream DaemonEndpoints setter). */
export function setDaemonEndpoints(node: Node, port: number): void {
  node.status ??= {};
  node.status.daemonEndpoints = { kubeletEndpoint: { Port: port } };
}

/** setImages sets the node's image list, largest first, at most `max` (upstream Images setter, 50). */
export function setImages(node: Node, images: { names: string[]; sizeBytes: number }[], max = 50): void {
  node.status ??= {};
  node.status.images = [...images].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, max).filter((i) => i.names.length > 0);
}

/** NodeConditionInput is what the condition setters look at. */
export interface NodeConditionInput {
  now: string;
  /** runtimeErrors / networkErrors make Ready False (upstream ReadyCondition). */
  runtimeErrors: string[];
  networkErrors: string[];
  memoryPressure: boolean;
  diskPressure: boolean;
  pidPressure: boolean;
}

/** setCondition sets one condition; returns whether its status changed (or it is new). */
function setCondition(node: Node, c: Omit<NodeCondition, 'lastHeartbeatTime' | 'lastTransitionTime'>, now: string): boolean {
  node.status ??= {};
  const conds = (node.status.conditions ??= []);
  const prev = conds.find((x) => x.type === c.type);
  const changed = !prev || prev.status !== c.status;
  const next: NodeCondition = {
    ...c,
    lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
  };
  if (prev) Object.assign(prev, next);
  else conds.push(next);
  return changed;
}

/**
 * setConditions sets MemoryPressure, DiskPressure, PIDPressure and Ready with upstream reasons/messages.
 * Returns the node event reasons of the conditions whose status changed, in upstream setter order
 * (NodeHasSufficientMemory, NodeHasNoDiskPressure, NodeHasSufficientPID, NodeReady, or their opposites),
 * for "Node X status is now: REASON" events.
 */
export function setConditions(node: Node, input: NodeConditionInput): string[] {
  const now = input.now;
  const events: string[] = [];
  if (setCondition(node, input.memoryPressure
    ? { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' }
    : { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' }, now)) {
    events.push(input.memoryPressure ? 'NodeHasInsufficientMemory' : 'NodeHasSufficientMemory');
  }
  if (setCondition(node, input.diskPressure
    ? { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' }
    : { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' }, now)) {
    events.push(input.diskPressure ? 'NodeHasDiskPressure' : 'NodeHasNoDiskPressure');
  }
  if (setCondition(node, input.pidPressure
    ? { type: 'PIDPressure', status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' }
    : { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' }, now)) {
    events.push(input.pidPressure ? 'NodeHasInsufficientPID' : 'NodeHasSufficientPID');
  }
  const errs = [...input.runtimeErrors, ...input.networkErrors];
  if (setCondition(node, errs.length === 0
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: errs.join(', ') }, now)) {
    events.push(errs.length === 0 ? 'NodeReady' : 'NodeNotReady');
  }
  // Keep upstream's order: MemoryPressure, DiskPressure, PIDPressure, Ready.
  const order = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'];
  node.status?.conditions?.sort((a, b) => (order.indexOf(a.type) + 1 || 99) - (order.indexOf(b.type) + 1 || 99));
  return events;
}
