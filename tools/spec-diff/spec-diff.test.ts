import test from 'ava';
import { diffSpecs, formatSpecDiff, isEmptySpecDiff, type SpecDiff } from './spec-diff.ts';
import { fakeSpecDocument, type FakeSpecOptions } from '../openapi-gen/fake-spec-document.ts';

const core = (properties: string[] = ['spec'], extra: Partial<FakeSpecOptions> = {}): FakeSpecOptions => ({
  group: '',
  version: 'v1',
  resources: [{ resource: 'pods', kind: 'Pod', namespaced: true, properties }],
  ...extra,
});
const widgets = (version: string): FakeSpecOptions => ({
  group: 'example.io',
  version,
  resources: [{ resource: 'widgets', kind: 'Widget', namespaced: false }],
});

const cases: { name: string; old: FakeSpecOptions[]; new: FakeSpecOptions[]; check: (t: import('ava').ExecutionContext, d: SpecDiff) => void }[] = [
  {
    name: 'identical documents give an empty diff',
    old: [core()],
    new: [core()],
    check: (t, d) => t.true(isEmptySpecDiff(d)),
  },
  {
    name: 'a new group-version adds its resources and kinds',
    old: [core(), widgets('v1beta1')],
    new: [core(), widgets('v1beta1'), widgets('v1')],
    check: (t, d) => {
      t.deepEqual(d.groupVersions, { added: ['example.io/v1'], removed: [] });
      t.deepEqual(d.resources.added, ['example.io/v1 widgets']);
      t.deepEqual(d.kinds.added, ['example.io/v1 Widget', 'example.io/v1 WidgetList']);
      t.deepEqual(d.definitions.added, ['io.k8s.api.example.v1.Widget', 'io.k8s.api.example.v1.WidgetList']);
    },
  },
  {
    name: 'a dropped alpha version removes its resources and kinds',
    old: [core(), widgets('v1alpha1')],
    new: [core()],
    check: (t, d) => {
      t.deepEqual(d.groupVersions.removed, ['example.io/v1alpha1']);
      t.deepEqual(d.resources.removed, ['example.io/v1alpha1 widgets']);
      t.deepEqual(d.kinds.removed, ['example.io/v1alpha1 Widget', 'example.io/v1alpha1 WidgetList']);
    },
  },
  {
    name: 'fields added to and removed from a definition',
    old: [core(['spec', 'legacy'])],
    new: [core(['spec', 'workloadRef'])],
    check: (t, d) => {
      t.deepEqual(d.fields, [{ definition: 'io.k8s.api.core.v1.Pod', added: ['workloadRef'], removed: ['legacy'] }]);
      t.false(isEmptySpecDiff(d));
    },
  },
  {
    name: 'a new subresource shows as a resource change',
    old: [core()],
    new: [
      {
        group: '',
        version: 'v1',
        resources: [{ resource: 'pods', kind: 'Pod', namespaced: true, properties: ['spec'], subresources: [{ name: 'resize', actions: { get: 'get', patch: 'patch' } }] }],
      },
    ],
    check: (t, d) => {
      t.deepEqual(d.resources.changed, [{ resource: 'v1 pods', changes: ['subresources +resize'] }]);
    },
  },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    tc.check(t, diffSpecs(tc.old.map(fakeSpecDocument), tc.new.map(fakeSpecDocument)));
  });
}

test('the report marks additions with + and removals with -', (t) => {
  const d = diffSpecs([core(['spec', 'legacy']), widgets('v1alpha1')].map(fakeSpecDocument), [core(['spec', 'workloadRef']), widgets('v1')].map(fakeSpecDocument));
  const report = formatSpecDiff(d, { old: 'OLD', new: 'NEW' });
  t.regex(report, /^Kubernetes API changes: OLD -> NEW/);
  t.regex(report, /Group-versions \(\+1 -1\)\n {2}\+ example\.io\/v1\n {2}- example\.io\/v1alpha1/);
  t.regex(report, /io\.k8s\.api\.core\.v1\.Pod\n {4}\+ workloadRef\n {4}- legacy/);
  t.notRegex(report, /No differences/);
});

test('an empty diff says so', (t) => {
  const d = diffSpecs([fakeSpecDocument(core())], [fakeSpecDocument(core())]);
  t.regex(formatSpecDiff(d, { old: 'a', new: 'b' }), /No differences\./);
});
