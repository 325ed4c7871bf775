import test from 'ava';
import { fieldPath } from './field-path.ts';

const cases = [
  { name: 'root only', path: fieldPath('metadata'), want: 'metadata' },
  { name: 'child', path: fieldPath('metadata').child('name'), want: 'metadata.name' },
  { name: 'several names at once', path: fieldPath('spec', 'template').child('spec', 'containers'), want: 'spec.template.spec.containers' },
  { name: 'index then child', path: fieldPath('spec', 'containers').index(0).child('name'), want: 'spec.containers[0].name' },
  { name: 'key', path: fieldPath('metadata').child('labels').key('app.kubernetes.io/name'), want: 'metadata.labels[app.kubernetes.io/name]' },
  { name: 'index then key', path: fieldPath('a').index(2).key('x'), want: 'a[2][x]' },
  { name: 'root index', path: fieldPath('items').index(3), want: 'items[3]' },
];

for (const tc of cases) {
  test(`fieldPath: ${tc.name}`, (t) => {
    t.is(tc.path.toString(), tc.want);
    t.is(`${tc.path}`, tc.want);
  });
}

test('fieldPath: immutable and root', (t) => {
  const base = fieldPath('spec');
  const a = base.child('a');
  const b = base.child('b');
  t.is(a.toString(), 'spec.a');
  t.is(b.toString(), 'spec.b');
  t.is(b.getRoot().toString(), 'spec');
});
