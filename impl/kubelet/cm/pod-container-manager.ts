/**
 * Pod-level cgroups with the cgroupfs driver (upstream: pkg/kubelet/cm/pod_container_manager_linux.go).
 * The runtime creates `<parent>/<container>` when a sandbox or container starts (runc makes the
 * parent folders); the kubelet removes the pod's folder in every hierarchy once the pod is gone,
 * as upstream's `Destroy` does. Only empty cgroups can be removed (rmdir); a busy one is left
 * for the next cleanup pass.
 */
import { readFileSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import path from 'node:path';

/** cgroupMounts lists the mount points of cgroup v1 hierarchies and cgroup2 (from /proc/self/mounts). */
export function cgroupMounts(mounts = '/proc/self/mounts'): string[] {
  try {
    return readFileSync(mounts, 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
      .map((f) => f[1]);
  } catch {
    return [];
  }
}

/**
 * destroyPodCgroup removes `parent` (e.g. `/kubepods/besteffort/pod<uid>`) and any empty child
 * folders from every hierarchy; returns the folders that could not be removed.
 */
export async function destroyPodCgroup(parent: string, mounts: string[] = cgroupMounts()): Promise<string[]> {
  const left: string[] = [];
  const remove = async (dir: string): Promise<void> => {
    let entries: string[];
    try {
      entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return; // absent in this hierarchy
    }
    for (const e of entries) await remove(path.join(dir, e));
    try {
      await rmdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') left.push(dir);
    }
  };
  for (const m of new Set(mounts)) await remove(path.join(m, parent));
  return left;
}
