/**
 * ImageGCManager removes unused images when the image filesystem fills up (upstream:
 * pkg/kubelet/images/image_gc_manager.go). Every period (upstream 5 min) it reads ImageFsInfo;
 * when usage reaches `--image-gc-high-threshold` percent (85) it frees
 * `capacity * (100 - low) / 100 - available` bytes (`--image-gc-low-threshold`, 80) by removing
 * images no container uses, least recently used first, skipping pinned images (the pause image)
 * and images first seen less than `minAge` ago (`--minimum-image-ttl-duration`, 2 min).
 */
import { statfsSync } from 'node:fs';
import type { ImageService, RuntimeService } from '../kuberuntime/cri-services.ts';

/** ImageGCPolicy is upstream's ImageGCPolicy. */
export interface ImageGCPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
  minAgeMs: number;
}

/** DEFAULT_IMAGE_GC_POLICY is the kubelet default (85%, 80%, 2 min). */
export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

/** ImageRecord is what the manager knows of one image. */
export interface ImageRecord {
  id: string;
  size: number;
  pinned: boolean;
  firstDetected: number;
  lastUsed: number;
}

/** FsCapacity reads capacity and available bytes of a mount point (statfs by default). */
export type FsCapacity = (mountpoint: string) => { capacity: number; available: number } | undefined;

/** ImageGCManagerOptions configure an {@link ImageGCManager}. */
export interface ImageGCManagerOptions {
  images: Pick<ImageService, 'listImages' | 'removeImage' | 'imageFsInfo'>;
  runtime: Pick<RuntimeService, 'listContainers'>;
  policy?: ImageGCPolicy;
  now: () => number;
  fsCapacity?: FsCapacity;
  onEvent?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

const statfsCapacity: FsCapacity = (mountpoint) => {
  try {
    const s = statfsSync(mountpoint);
    return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
  } catch {
    return undefined;
  }
};

/**
 * imagesToFree picks images to remove (pure): unused, unpinned, older than minAge, least
 * recently used first (then oldest detected), until `bytes` are freed.
 */
export function imagesToFree(images: ImageRecord[], inUse: Set<string>, bytes: number, now: number, minAgeMs: number): ImageRecord[] {
  const candidates = images
    .filter((i) => !inUse.has(i.id) && !i.pinned && now - i.firstDetected >= minAgeMs)
    .sort((a, b) => a.lastUsed - b.lastUsed || a.firstDetected - b.firstDetected);
  const out: ImageRecord[] = [];
  let freed = 0;
  for (const i of candidates) {
    if (freed >= bytes) break;
    out.push(i);
    freed += i.size;
  }
  return out;
}

/** ImageGCManager: see the module comment. */
export class ImageGCManager {
  private readonly o: ImageGCManagerOptions;
  private readonly records = new Map<string, ImageRecord>();

  constructor(o: ImageGCManagerOptions) {
    this.o = o;
  }

  get policy(): ImageGCPolicy {
    return this.o.policy ?? DEFAULT_IMAGE_GC_POLICY;
  }

  /** detectImages refreshes the records and returns the ids in use by containers (upstream detectImages). */
  private async detectImages(signal?: AbortSignal): Promise<Set<string>> {
    const now = this.o.now();
    const [images, containers] = await Promise.all([this.o.images.listImages({}, { signal }), this.o.runtime.listContainers({}, { signal })]);
    const inUse = new Set<string>();
    for (const c of containers.containers) {
      if (c.imageRef) inUse.add(c.imageRef);
      if (c.image?.image) inUse.add(c.image.image);
    }
    const seen = new Set<string>();
    for (const img of images.images) {
      seen.add(img.id);
      const used = inUse.has(img.id) || img.repoTags.some((t) => inUse.has(t)) || img.repoDigests.some((d) => inUse.has(d));
      if (used) inUse.add(img.id);
      const rec = this.records.get(img.id) ?? { id: img.id, size: Number(img.size), pinned: img.pinned, firstDetected: now, lastUsed: 0 };
      rec.size = Number(img.size);
      rec.pinned = img.pinned;
      if (used) rec.lastUsed = now;
      this.records.set(img.id, rec);
    }
    for (const id of [...this.records.keys()]) if (!seen.has(id)) this.records.delete(id);
    return inUse;
  }

  /** usage returns image filesystem capacity and availability (undefined when unknown). */
  async usage(signal?: AbortSignal): Promise<{ capacity: number; available: number } | undefined> {
    const info = await this.o.images.imageFsInfo({}, { signal });
    const fs = info.imageFilesystems[0];
    if (!fs?.fsId?.mountpoint) return undefined;
    return (this.o.fsCapacity ?? statfsCapacity)(fs.fsId.mountpoint);
  }

  /** freeSpace removes unused images until `bytes` are freed; returns the bytes freed (upstream freeSpace). */
  async freeSpace(bytes: number, signal?: AbortSignal): Promise<number> {
    const inUse = await this.detectImages(signal);
    const victims = imagesToFree([...this.records.values()], inUse, bytes, this.o.now(), this.policy.minAgeMs);
    let freed = 0;
    for (const v of victims) {
      try {
        await this.o.images.removeImage({ image: { image: v.id } }, { signal });
        this.records.delete(v.id);
        freed += v.size;
      } catch (err) {
        if (signal?.aborted) throw err;
      }
    }
    return freed;
  }

  /** garbageCollect runs one pass (upstream GarbageCollect); returns the bytes freed. */
  async garbageCollect(signal?: AbortSignal): Promise<number> {
    const u = await this.usage(signal);
    if (!u || u.capacity <= 0) {
      await this.detectImages(signal);
      return 0;
    }
    const usagePercent = 100 - Math.floor((u.available * 100) / u.capacity);
    if (usagePercent < this.policy.highThresholdPercent) {
      await this.detectImages(signal);
      return 0;
    }
    const amountToFree = Math.floor((u.capacity * (100 - this.policy.lowThresholdPercent)) / 100) - u.available;
    const freed = await this.freeSpace(amountToFree, signal);
    if (freed < amountToFree) {
      this.o.onEvent?.('Warning', 'FreeDiskSpaceFailed', `Failed to garbage collect required amount of images. Attempted to free ${amountToFree} bytes, but only found ${freed} bytes eligible to free.`);
    }
    return freed;
  }

  /** deleteUnusedImages removes every unused image (eviction's node-level reclaim). */
  async deleteUnusedImages(signal?: AbortSignal): Promise<number> {
    return this.freeSpace(Number.MAX_SAFE_INTEGER, signal);
  }
}
