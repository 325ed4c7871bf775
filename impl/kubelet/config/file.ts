/**
 * The file pod source: static pods from `--pod-manifest-path` / `staticPodPath` (upstream:
 * pkg/kubelet/config/file.go and common.go applyDefaults). The folder (or one file) is read at
 * start and every `periodMs` (20 s upstream); each `*.yaml`/`*.yml`/`*.json` file holds one Pod.
 * Each pod gets upstream's defaults: a UID hashed from node, source and content, the name
 * `<name>-<node>`, the node name, the `kubernetes.io/config.{hash,source,seen}` annotations and a
 * NoExecute toleration. Changes are delivered as SET updates of source `file`.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Pod } from '#generated/k8s/index.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import type { PodSource, PodUpdate } from './apiserver.ts';

/** Annotation keys of static and mirror pods (upstream pkg/kubelet/types/pod_update.go). */
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';
export const CONFIG_HASH_ANNOTATION = 'kubernetes.io/config.hash';
export const CONFIG_SEEN_ANNOTATION = 'kubernetes.io/config.seen';
export const CONFIG_MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** podSource returns where a pod came from: `file` for static pods, else `api`. */
export function podSource(pod: Pod): 'api' | 'file' {
  return pod.metadata?.annotations?.[CONFIG_SOURCE_ANNOTATION] === 'file' ? 'file' : 'api';
}

/** isStaticPod reports a pod from a file source. */
export function isStaticPod(pod: Pod): boolean {
  return podSource(pod) === 'file';
}

/** isMirrorPod reports the API copy of a static pod. */
export function isMirrorPod(pod: Pod): boolean {
  return pod.metadata?.annotations?.[CONFIG_MIRROR_ANNOTATION] !== undefined;
}

/** applyStaticPodDefaults fills in what upstream's applyDefaults sets for a file pod. */
export function applyStaticPodDefaults(pod: Pod, nodeName: string, now: number): Pod {
  const p: Pod = structuredClone(pod);
  const h = createHash('md5');
  h.update(nodeName);
  h.update('file');
  h.update(JSON.stringify(pod));
  const uid = h.digest('hex');
  p.metadata ??= {};
  p.metadata.uid = uid;
  p.metadata.name = `${p.metadata.name ?? ''}-${nodeName}`.toLowerCase();
  p.metadata.namespace ||= 'default';
  p.metadata.annotations = {
    ...p.metadata.annotations,
    [CONFIG_HASH_ANNOTATION]: uid,
    [CONFIG_SOURCE_ANNOTATION]: 'file',
    [CONFIG_SEEN_ANNOTATION]: new Date(now).toISOString(),
  };
  p.spec ??= { containers: [] };
  p.spec.nodeName = nodeName;
  p.spec.tolerations = [...(p.spec.tolerations ?? []), { operator: 'Exists', effect: 'NoExecute' }];
  p.status = { phase: 'Pending' };
  return p;
}

/** FileSourceOptions configure {@link newSourceFile}. */
export interface FileSourceOptions {
  path: string;
  nodeName: string;
  clock: Clock;
  periodMs?: number;
  onError?: (file: string, err: unknown) => void;
}

/** readStaticPods reads every manifest under `p` (a folder or one file). */
export async function readStaticPods(p: string, nodeName: string, now: number, onError?: FileSourceOptions['onError']): Promise<Pod[]> {
  let files: string[];
  try {
    const st = await stat(p);
    files = st.isDirectory()
      ? (await readdir(p)).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.')).sort().map((f) => path.join(p, f))
      : [p];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError?.(p, err);
    return [];
  }
  const pods: Pod[] = [];
  for (const f of files) {
    try {
      const doc = parseYaml(await readFile(f, 'utf8')) as Pod & { kind?: string };
      if (!doc || doc.kind !== 'Pod') throw new Error(`${f}: not a Pod (kind ${String(doc?.kind)})`);
      pods.push(applyStaticPodDefaults(doc, nodeName, now));
    } catch (err) {
      onError?.(f, err);
    }
  }
  return pods;
}

/** newSourceFile returns the file {@link PodSource}. */
export function newSourceFile(opts: FileSourceOptions): PodSource {
  let synced = false;
  return {
    hasSynced: () => synced,
    async run(onUpdate: (u: PodUpdate) => void, signal: AbortSignal) {
      let last = '';
      while (!signal.aborted) {
        const pods = await readStaticPods(opts.path, opts.nodeName, opts.clock.now(), opts.onError);
        const key = JSON.stringify(pods.map((p) => p.metadata?.uid));
        if (key !== last || !synced) {
          last = key;
          onUpdate({ op: 'SET', pods, source: 'file' });
        }
        synced = true;
        await new Promise<void>((resolve) => {
          const t = opts.clock.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, opts.periodMs ?? 20_000);
          const onAbort = (): void => { opts.clock.clearTimeout(t); resolve(); };
          if (signal.aborted) onAbort(); else signal.addEventListener('abort', onAbort, { once: true });
        });
      }
    },
  };
}
