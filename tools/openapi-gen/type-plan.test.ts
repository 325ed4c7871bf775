import test from 'ava';
import { homeOf, moduleFileOf, planTypes } from './type-plan.ts';
import { fakeSpecDocument } from './fake-spec-document.ts';
import type { SchemaObject } from './spec-documents.ts';

const homeCases: { name: string; schema: string; home: ReturnType<typeof homeOf> }[] = [
  { name: 'core kinds live in core/v1', schema: 'io.k8s.api.core.v1.Pod', home: { pkg: 'core', version: 'v1', name: 'Pod' } },
  { name: 'group kinds live in their Go package', schema: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler', home: { pkg: 'autoscaling', version: 'v2', name: 'HorizontalPodAutoscaler' } },
  { name: 'apiextensions uses its pkg/apis path', schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', home: { pkg: 'apiextensions', version: 'v1', name: 'CustomResourceDefinition' } },
  { name: 'apiregistration uses its pkg/apis path', schema: 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService', home: { pkg: 'apiregistration', version: 'v1', name: 'APIService' } },
  { name: 'meta/v1 is apimachinery', schema: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', home: { pkg: 'apimachinery', version: '', name: 'ObjectMeta' } },
  { name: 'quantity is apimachinery', schema: 'io.k8s.apimachinery.pkg.api.resource.Quantity', home: { pkg: 'apimachinery', version: '', name: 'Quantity' } },
  { name: 'alpha versions are recognised', schema: 'io.k8s.api.resource.v1alpha3.DeviceTaintRule', home: { pkg: 'resource', version: 'v1alpha3', name: 'DeviceTaintRule' } },
];
for (const tc of homeCases) {
  test(`homeOf: ${tc.name}`, (t) => {
    t.deepEqual(homeOf(tc.schema), tc.home);
  });
}

test('moduleFileOf mirrors the spec/ layout', (t) => {
  t.is(moduleFileOf('', 'v1'), 'api/v1.ts');
  t.is(moduleFileOf('apps', 'v1'), 'apis/apps/v1.ts');
  t.is(moduleFileOf('rbac.authorization.k8s.io', 'v1'), 'apis/rbac.authorization.k8s.io/v1.ts');
});

const meta = (name: string): Record<string, SchemaObject> => ({
  [`io.k8s.apimachinery.pkg.apis.meta.v1.${name}`]: { type: 'object', properties: { name: { type: 'string' } } },
});

test('planTypes: a schema in several documents is emitted once, in shared.ts', (t) => {
  const objectMeta = meta('ObjectMeta');
  const scale = { 'io.k8s.api.autoscaling.v1.Scale': { type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }] } };
  const plan = planTypes([
    fakeSpecDocument({ group: 'apps', version: 'v1', resources: [{ resource: 'deployments', kind: 'Deployment', namespaced: true }], schemas: { ...objectMeta, ...scale } }),
    fakeSpecDocument({ group: 'autoscaling', version: 'v1', resources: [{ resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }], schemas: { ...objectMeta, ...scale } }),
  ]);
  t.is(plan.emittedIn.get('io.k8s.api.autoscaling.v1.Scale'), 'shared.ts');
  t.is(plan.emittedIn.get('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), 'shared.ts');
  t.is(plan.emittedIn.get('io.k8s.api.apps.v1.Deployment'), 'apis/apps/v1.ts');
  const autoscaling = plan.modules.find((m) => m.file === 'apis/autoscaling/v1.ts')!;
  t.deepEqual(autoscaling.namespace, ['autoscaling', 'v1']);
  t.true(autoscaling.aliases.some(([alias]) => alias === 'Scale'), 'Scale is exported by its home module');
  t.deepEqual(plan.modules.find((m) => m.file === 'apimachinery.ts')?.aliases, [['ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']]);
});

const bareCases: { name: string; docs: Parameters<typeof fakeSpecDocument>[0][]; short: string; expected: string | undefined }[] = [
  {
    name: 'GA wins over beta',
    docs: [
      { group: 'networking.k8s.io', version: 'v1', resources: [{ resource: 'ipaddresses', kind: 'IPAddress', namespaced: false }] },
      { group: 'networking.k8s.io', version: 'v1beta1', resources: [{ resource: 'ipaddresses', kind: 'IPAddress', namespaced: false }] },
    ],
    short: 'IPAddress',
    expected: 'io.k8s.api.networking.v1.IPAddress',
  },
  {
    name: 'the higher GA version wins (autoscaling/v2)',
    docs: [
      { group: 'autoscaling', version: 'v1', resources: [{ resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }] },
      { group: 'autoscaling', version: 'v2', resources: [{ resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true }] },
    ],
    short: 'HorizontalPodAutoscaler',
    expected: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  },
  {
    name: 'the core group wins a tie (core/v1 Event over events/v1 Event)',
    docs: [
      { group: '', version: 'v1', resources: [{ resource: 'events', kind: 'Event', namespaced: true }] },
      { group: 'events.k8s.io', version: 'v1', resources: [{ resource: 'events', kind: 'Event', namespaced: true }] },
    ],
    short: 'Event',
    expected: 'io.k8s.api.core.v1.Event',
  },
  {
    name: 'a kind wins over a non-kind of the same name',
    docs: [
      { group: '', version: 'v1', resources: [], schemas: { 'io.k8s.api.core.v1.ResourceClaim': { type: 'object' } } },
      { group: 'resource.k8s.io', version: 'v1', resources: [{ resource: 'resourceclaims', kind: 'ResourceClaim', namespaced: true }] },
    ],
    short: 'ResourceClaim',
    expected: 'io.k8s.api.resource.v1.ResourceClaim',
  },
  {
    name: 'a tie between two non-core groups gives no bare name',
    docs: [
      { group: 'rbac.authorization.k8s.io', version: 'v1', pkg: 'rbac', resources: [], schemas: { 'io.k8s.api.rbac.v1.Subject': { type: 'object' } } },
      { group: 'flowcontrol.apiserver.k8s.io', version: 'v1', pkg: 'flowcontrol', resources: [], schemas: { 'io.k8s.api.flowcontrol.v1.Subject': { type: 'object' } } },
    ],
    short: 'Subject',
    expected: undefined,
  },
];
for (const tc of bareCases) {
  test(`planTypes bare names: ${tc.name}`, (t) => {
    const plan = planTypes(tc.docs.map(fakeSpecDocument));
    t.is(new Map(plan.bare).get(tc.short), tc.expected);
    if (tc.expected === undefined) t.true(plan.qualifiedOnly.includes(tc.short));
  });
}
