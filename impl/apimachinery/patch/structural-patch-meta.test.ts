import test from 'ava';
import { patchMetaFromStructural, type StructuralLike } from './structural-patch-meta.ts';
import { strategicMergePatch } from './strategic-merge-patch.ts';

const container: StructuralLike = { type: 'object', properties: new Map([['name', { type: 'string' }], ['image', { type: 'string' }]]) };
const pod: StructuralLike = {
  type: 'object',
  properties: new Map<string, StructuralLike>([
    ['spec', { type: 'object', properties: new Map([['containers', { type: 'array', items: container, listType: 'map', listMapKeys: ['name'], patchStrategy: 'merge', patchMergeKey: 'name' }]]) }],
  ]),
};

test('structural schema drives strategic merge', (t) => {
  const out = strategicMergePatch(
    { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } },
    { spec: { containers: [{ name: 'b', image: '2' }] } },
    { schema: patchMetaFromStructural(pod) },
  );
  t.deepEqual(out, { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }] } });
});

test('structural schema node metadata', (t) => {
  const m = patchMetaFromStructural(pod).field('spec')!.field('containers')!;
  t.is(m.kind, 'array');
  t.is(m.listType, 'map');
  t.deepEqual(m.listMapKeys, ['name']);
  t.is(m.items()!.kind, 'object');
});
