import test from 'ava';
import { FakeRuntimeService } from '../kuberuntime/fake-runtime-service.ts';
import { ImageGCManager, imagesToFree, type ImageRecord } from './image-gc-manager.ts';

const rec = (id: string, size: number, o: Partial<ImageRecord> = {}): ImageRecord => ({ id, size, pinned: false, firstDetected: 0, lastUsed: 0, ...o });

const cases: { name: string; images: ImageRecord[]; inUse: string[]; bytes: number; want: string[] }[] = [
  { name: 'images in use are kept', images: [rec('a', 10), rec('b', 10)], inUse: ['a'], bytes: 100, want: ['b'] },
  { name: 'pinned images are kept', images: [rec('pause', 10, { pinned: true }), rec('b', 10)], inUse: [], bytes: 100, want: ['b'] },
  { name: 'images younger than minAge are kept', images: [rec('new', 10, { firstDetected: 950 }), rec('old', 10)], inUse: [], bytes: 100, want: ['old'] },
  { name: 'least recently used first, stopping once enough is freed', images: [rec('recent', 10, { lastUsed: 500 }), rec('stale', 10, { lastUsed: 100 })], inUse: [], bytes: 5, want: ['stale'] },
];
for (const tc of cases) test(`imagesToFree: ${tc.name}`, (t) => t.deepEqual(imagesToFree(tc.images, new Set(tc.inUse), tc.bytes, 1000, 100).map((i) => i.id), tc.want));

test('garbageCollect: above the high threshold unused images are removed down to the low threshold; below it nothing is', async (t) => {
  const rt = new FakeRuntimeService();
  await rt.pullImage({ image: { image: 'unused:1' } });
  await rt.pullImage({ image: { image: 'unused:22' } });
  rt.imageFsInfo = async () => ({ imageFilesystems: [{ timestamp: '1', fsId: { mountpoint: '/img' }, usedBytes: { value: '90' }, inodesUsed: undefined }], containerFilesystems: [] });
  let available = 10; // 90% used
  const m = new ImageGCManager({ images: rt, runtime: rt, now: () => 10_000_000, fsCapacity: () => ({ capacity: 100, available }), policy: { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 0 } });
  const freed = await m.garbageCollect();
  t.true(freed >= 10, `freed ${freed}`);
  t.true(rt.calls.includes('removeImage'));
  const before = rt.images.size;
  available = 50;
  t.is(await m.garbageCollect(), 0);
  t.is(rt.images.size, before);
});
