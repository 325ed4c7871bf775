/**
 * volumeMounts[].subPath and subPathExpr (upstream: pkg/kubelet/container/helpers.go
 * ExpandContainerVolumeMounts, the subPath part of pkg/kubelet/kubelet_pods.go makeMounts, and
 * pkg/volume/util/subpath SafeMakeDir/PrepareSafeSubpath):
 * - subPathExpr expands `$(VAR)` against the container's resolved environment; a reference to a
 *   variable that is missing or empty is an error (`missing value for A, B`).
 * - The sub path must be relative and free of `..` elements.
 * - A sub path that does not exist yet is created as a directory with the mode of the volume's
 *   root, component by component, never through a symlink that leaves the volume.
 * - The host path handed to the runtime is the sub path with its symlinks resolved, and it must
 *   stay inside the volume (upstream bind-mounts the resolved path for the same reason).
 * Every failure is a CreateContainerConfigError with upstream's message.
 */
import { chmod, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VolumeMount } from '#generated/k8s/index.ts';
import { SyncError } from '../../container/sync-result.ts';
import { expandVars, type ResolvedEnv } from '../../container-env.ts';

/** expandSubPathExpr is upstream ExpandContainerVolumeMounts: expand, or throw on missing/empty values. */
export function expandSubPathExpr(expr: string, env: readonly ResolvedEnv[]): string {
  const values = new Map<string, string>();
  for (const e of env) values.set(e.key, e.value);
  const missing = new Set<string>();
  const expanded = expandVars(expr, (name) => {
    const v = values.get(name);
    if (v === undefined || v === '') missing.add(name);
    return v ?? '';
  });
  if (missing.size) throw new SyncError('CreateContainerConfigError', `missing value for ${[...missing].sort().join(', ')}`);
  return expanded;
}

/** validateSubPath is the kubelet's check of an expanded sub path (absolute paths and `..` are refused). */
export function validateSubPath(subPath: string): void {
  if (path.isAbsolute(subPath)) throw new SyncError('CreateContainerConfigError', `error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) throw new SyncError('CreateContainerConfigError', `unable to provision SubPath \`${subPath}\`: must not contain '..'`);
}

/** subPathOf returns the mount's sub path after expansion ('' when it has none). */
export function subPathOf(mount: VolumeMount, env: readonly ResolvedEnv[]): string {
  const subPath = mount.subPathExpr ? expandSubPathExpr(mount.subPathExpr, env) : (mount.subPath ?? '');
  if (subPath) validateSubPath(subPath);
  return subPath;
}

const within = (root: string, p: string): boolean => p === root || p.startsWith(root.endsWith('/') ? root : `${root}/`);

/**
 * safeMakeDir creates `subPath` below `volumePath` with `mode`, refusing to follow a symlink
 * that leads out of the volume (upstream SafeMakeDir).
 */
export async function safeMakeDir(volumePath: string, subPath: string, mode: number): Promise<void> {
  const root = await realpath(volumePath);
  let current = root;
  for (const part of subPath.split('/').filter((p) => p && p !== '.')) {
    const next = path.join(current, part);
    const st = await lstat(next).catch(() => undefined);
    if (!st) {
      await mkdir(next, { mode });
      await chmod(next, mode); // mkdir is subject to the umask
      current = next;
      continue;
    }
    const resolved = st.isSymbolicLink() ? await realpath(next) : next;
    if (!within(root, resolved)) throw new Error(`path ${next} is outside of allowed base ${root}`);
    if (!(await stat(resolved)).isDirectory()) throw new Error(`${next} is not a directory`);
    current = resolved;
  }
}

/**
 * prepareSubPath returns the host path to mount for `subPath` of the volume at `volumePath`,
 * creating it as a directory when it does not exist (see the module comment).
 */
export async function prepareSubPath(volumePath: string, subPath: string, mountName: string, containerName: string): Promise<string> {
  const hostPath = path.join(volumePath, subPath);
  const exists = await lstat(hostPath).then(() => true, () => false);
  if (!exists) {
    const mode = (await stat(volumePath)).mode & 0o7777;
    try {
      await safeMakeDir(volumePath, subPath, mode);
    } catch (err) {
      throw new SyncError('CreateContainerConfigError', `failed to create subPath directory for volumeMount "${mountName}" of container "${containerName}"`, { cause: err });
    }
  }
  let resolved: string;
  try {
    resolved = await realpath(hostPath);
  } catch (err) {
    throw new SyncError('CreateContainerConfigError', `failed to prepare subPath for volumeMount "${mountName}" of container "${containerName}"`, { cause: err });
  }
  const root = await realpath(volumePath);
  if (!within(root, resolved)) throw new SyncError('CreateContainerConfigError', `failed to prepare subPath for volumeMount "${mountName}" of container "${containerName}"`);
  return resolved;
}
