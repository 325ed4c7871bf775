import test from 'ava';
import type { KubeObject, RequestContext } from '../../rest/strategy.ts';
import { newPersistentVolumeStrategy } from './strategy.ts';
import { persistentVolumeClaimStrategy } from '../persistentvolumeclaim/strategy.ts';
import { limitRangeStrategy } from '../limitrange/strategy.ts';

const ctx: RequestContext = { namespace: '', warnings: [] };
const at = new Date('2026-01-01T00:00:00.123Z');

const cases: Array<{ name: string; create: (o: KubeObject) => void; obj: KubeObject; want: Record<string, unknown> }> = [
  {
    name: 'a new PersistentVolume is Pending with Retain and Filesystem; its status is replaced',
    create: (o) => newPersistentVolumeStrategy(() => at).prepareForCreate(ctx, o),
    obj: { metadata: { name: 'pv' }, spec: { capacity: { storage: '1Gi' } }, status: { phase: 'Bound' } },
    want: { spec: { capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } },
  },
  {
    name: 'a PersistentVolume keeps a given reclaim policy and block mode',
    create: (o) => newPersistentVolumeStrategy(() => at).prepareForCreate(ctx, o),
    obj: { metadata: { name: 'pv' }, spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' } },
    want: { spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' }, status: { phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } },
  },
  {
    name: 'a new PersistentVolumeClaim is Pending with Filesystem',
    create: (o) => persistentVolumeClaimStrategy.prepareForCreate(ctx, o),
    obj: { metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'] } },
    want: { spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'LimitRange container defaults: limit from max, request from limit then min',
    create: (o) => limitRangeStrategy.prepareForCreate(ctx, o),
    obj: { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, default: { cpu: '500m' }, min: { cpu: '100m', 'ephemeral-storage': '1Mi' } }] } },
    want: { spec: { limits: [{ type: 'Container', max: { memory: '1Gi' }, default: { cpu: '500m', memory: '1Gi' }, defaultRequest: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Mi' }, min: { cpu: '100m', 'ephemeral-storage': '1Mi' } }] } },
  },
  {
    name: 'LimitRange Pod items and empty defaults are left alone',
    create: (o) => limitRangeStrategy.prepareForCreate(ctx, o),
    obj: { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Pod', max: { cpu: '1' } }, { type: 'Container' }] } },
    want: { spec: { limits: [{ type: 'Pod', max: { cpu: '1' } }, { type: 'Container' }] } },
  },
];

for (const c of cases) {
  test(c.name, (t) => {
    c.create(c.obj);
    const { metadata: _m, ...rest } = c.obj;
    t.deepEqual(rest, c.want);
  });
}
