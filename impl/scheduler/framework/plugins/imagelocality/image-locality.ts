/**
 * ImageLocality favours nodes that already have the pod's container images, weighted by image
 * size and by how few nodes have the image (so popular images do not pull every pod to one place).
 * upstream: pkg/scheduler/framework/plugins/imagelocality/image_locality.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { MaxNodeScore, type Handle, type PluginFactory, type ScorePlugin, type Status } from '../../interface.ts';
import type { ImageStateSummary, NodeInfo } from '../../types.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.ImageLocality;

const MB = 1024 * 1024;
/** MIN_THRESHOLD: images smaller than 23 MB score nothing. */
export const MIN_THRESHOLD = 23 * MB;
/** MAX_CONTAINER_THRESHOLD: the per-container cap (1000 MB). */
export const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** normalizedImageName appends ":latest" to an image without a tag or digest. */
export function normalizedImageName(name: string): string {
  const lastSlash = name.lastIndexOf('/');
  const last = name.slice(lastSlash + 1);
  if (!last.includes(':') && !name.includes('@')) return `${name}:latest`;
  return name;
}

/** scaledImageScore spreads an image's size by the fraction of nodes that have it. */
export function scaledImageScore(state: ImageStateSummary, totalNumNodes: number): number {
  const spread = state.numNodes / totalNumNodes;
  return Math.trunc(state.size * spread);
}

/** sumImageScores adds the scaled scores of the pod's images present on the node. */
export function sumImageScores(nodeInfo: NodeInfo, pod: Pod, totalNumNodes: number): number {
  if (nodeInfo.imageStates.size === 0) return 0;
  let sum = 0;
  for (const image of podImages(pod)) {
    const st = nodeInfo.imageStates.get(image);
    if (st) sum += scaledImageScore(st, totalNumNodes);
  }
  return sum;
}

const imagesCache = new WeakMap<Pod, string[]>();

/** podImages returns the normalized images of a pod's init and regular containers (cached per pod object). */
export function podImages(pod: Pod): string[] {
  let images = imagesCache.get(pod);
  if (!images) {
    images = [];
    for (const c of pod.spec?.initContainers ?? []) if (c.image) images.push(normalizedImageName(c.image));
    for (const c of pod.spec?.containers ?? []) if (c.image) images.push(normalizedImageName(c.image));
    imagesCache.set(pod, images);
  }
  return images;
}

/** calculatePriority maps the summed size into [0, 100] between the thresholds. */
export function calculatePriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  let s = sumScores;
  if (s < MIN_THRESHOLD) s = MIN_THRESHOLD;
  else if (s > maxThreshold) s = maxThreshold;
  return Math.trunc((MaxNodeScore * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

/** newImageLocality builds the plugin. */
export const newImageLocality: PluginFactory = (_args, handle: Handle) =>
  ({
    name: NAME,
    score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number | Status {
      const totalNumNodes = handle.snapshotSharedLister().nodeInfos().list().length || 1;
      const numContainers = (pod.spec?.initContainers?.length ?? 0) + (pod.spec?.containers?.length ?? 0);
      if (numContainers === 0) return 0;
      return calculatePriority(sumImageScores(nodeInfo, pod, totalNumNodes), numContainers);
    },
  }) satisfies ScorePlugin;
