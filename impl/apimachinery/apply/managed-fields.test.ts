import test from 'ava';
import { fileURLToPath } from 'node:url';
import { loadOpenAPIPatchMetaIndex } from '../patch/openapi-patch-meta.ts';
import { apply, updateManagedFields } from './managed-fields.ts';
import { StatusError } from '../errors.ts';
import { FieldSet } from './field-set.ts';

const specDir = fileURLToPath(new URL('../../../spec/', import.meta.url));
const index = loadOpenAPIPatchMetaIndex([`${specDir}api/v1.json`, `${specDir}apis/apps/v1.json`]);
const schema = index.forSchemaName('io.k8s.api.apps.v1.Deployment')!;
const T0 = new Date('2025-01-01T00:00:00.000Z');
const T1 = new Date('2025-01-01T00:01:00.000Z');
const T2 = new Date('2025-01-01T00:02:00.000Z');

type Obj = Record<string, any>;

const deployment = (spec: Obj, metadata: Obj = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', ...metadata },
  spec,
});

const baseSpec = {
  replicas: 2,
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } },
};

function applyAs(manager: string, live: Obj | undefined, applied: Obj, now: Date, force = false) {
  return apply({ live, applied, manager, force, schema, apiVersion: 'apps/v1', now }).object as Obj;
}

test('apply on create records an Apply entry with upstream FieldsV1', (t) => {
  const obj = applyAs('mgr1', undefined, deployment(baseSpec, { labels: { team: 'a' } }), T0);
  t.deepEqual(obj.metadata.managedFields, [
    {
      manager: 'mgr1',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:team': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"web"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
  t.is(obj.spec.replicas, 2);
  t.is(obj.metadata.name, 'web');
});

test('apply by a second manager changing an owned field conflicts', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const err = t.throws(() => applyAs('mgr2', live, deployment({ replicas: 3 }), T1)) as StatusError;
  t.true(err instanceof StatusError);
  t.is(err.code, 409);
  t.is(err.status.reason, 'Conflict');
  t.is(err.message, 'Apply failed with 1 conflict: conflict with "mgr1": .spec.replicas');
  t.deepEqual(err.status.details, { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "mgr1"', field: '.spec.replicas' }] });
});

test('conflict with an Update manager names its apiVersion', (t) => {
  const created = updateManagedFields({ live: undefined, updated: deployment(baseSpec), manager: 'kubectl-client-side-apply', schema, apiVersion: 'apps/v1', now: T0 }).object;
  const err = t.throws(() => applyAs('mgr', created, deployment({ replicas: 5 }), T1)) as StatusError;
  t.is(err.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
});

test('several conflicts are listed per manager', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const err = t.throws(() =>
    applyAs('mgr2', live, deployment({ replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } } }), T1),
  ) as StatusError;
  t.is(err.message, 'Apply failed with 2 conflicts: conflicts with "mgr1":\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image');
  t.is(err.status.details?.causes?.[1]?.field, '.spec.template.spec.containers[name="web"].image');
});

test('force takes ownership', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const obj = applyAs('mgr2', live, deployment({ replicas: 3 }), T1, true);
  t.is(obj.spec.replicas, 3);
  const [m1, m2] = obj.metadata.managedFields;
  t.is(m1.manager, 'mgr1');
  t.false('f:replicas' in m1.fieldsV1['f:spec']);
  t.is(m2.manager, 'mgr2');
  t.deepEqual(m2.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  t.is(m2.time, '2025-01-01T00:01:00Z');
});

test('applying the same value shares ownership without conflict', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const obj = applyAs('mgr2', live, deployment({ replicas: 2 }), T1);
  t.is(obj.metadata.managedFields.length, 2);
  t.deepEqual(obj.metadata.managedFields[1].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  t.true('f:replicas' in obj.metadata.managedFields[0].fieldsV1['f:spec']);
});

test('fields dropped from the next apply are removed unless another manager owns them', (t) => {
  let obj = applyAs('mgr1', undefined, deployment(baseSpec, { labels: { a: '1', b: '2' } }), T0);
  obj = applyAs('mgr2', obj, deployment({}, { labels: { b: '2' } }), T1);
  obj = applyAs('mgr1', obj, deployment(baseSpec, {}), T2);
  t.deepEqual(obj.metadata.labels, { b: '2' });
});

test('a container dropped from the apply is removed', (t) => {
  const two = { ...baseSpec, template: { ...baseSpec.template, spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'side', image: 'busybox' }] } } };
  let obj = applyAs('mgr1', undefined, deployment(two), T0);
  t.is(obj.spec.template.spec.containers.length, 2);
  obj = applyAs('mgr1', obj, deployment(baseSpec), T1);
  t.deepEqual(obj.spec.template.spec.containers.map((c: Obj) => c.name), ['web']);
});

test('unowned fields (defaults) are kept by apply', (t) => {
  let obj = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  obj.spec.revisionHistoryLimit = 10; // defaulted by the server, owned by nobody
  obj.spec.template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
  obj = applyAs('mgr1', obj, deployment({ ...baseSpec, replicas: 4 }), T1);
  t.is(obj.spec.revisionHistoryLimit, 10);
  t.is(obj.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  t.is(obj.spec.replicas, 4);
});

test('no-op apply keeps the entry time', (t) => {
  const obj = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const again = applyAs('mgr1', obj, deployment(baseSpec), T1);
  t.is(again.metadata.managedFields[0].time, '2025-01-01T00:00:00Z');
});

test('an update takes ownership of the fields it changed', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const edited = structuredClone(live);
  edited.spec.template.spec.containers[0].image = 'nginx:2';
  edited.metadata.labels = { edited: 'yes' };
  const obj = updateManagedFields({ live, updated: edited, manager: 'kubectl-edit', schema, apiVersion: 'apps/v1', now: T1 }).object as Obj;
  const [applyEntry, updateEntry] = obj.metadata.managedFields;
  t.is(applyEntry.manager, 'mgr1');
  t.false('f:image' in applyEntry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}']);
  t.deepEqual(updateEntry, {
    manager: 'kubectl-edit',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: '2025-01-01T00:01:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { '.': {}, 'f:edited': {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } },
    },
  });
});

test('update on create owns everything but identity metadata', (t) => {
  const obj = updateManagedFields({ live: undefined, updated: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', uid: 'u', resourceVersion: '1' }, data: { k: 'v' } }, manager: 'kubectl-create', apiVersion: 'v1', now: T0 }).object as Obj;
  t.deepEqual(obj.metadata.managedFields, [
    { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } },
  ]);
});

test('no-op update adds no entry', (t) => {
  const live = applyAs('mgr1', undefined, deployment(baseSpec), T0);
  const obj = updateManagedFields({ live, updated: structuredClone(live), manager: 'x', schema, apiVersion: 'apps/v1', now: T1 }).object as Obj;
  t.deepEqual(obj.metadata.managedFields.map((e: Obj) => e.manager), ['mgr1']);
});

test('first apply on an untracked object assigns existing fields to before-first-apply', (t) => {
  const live = deployment(baseSpec);
  const obj = applyAs('mgr1', live, deployment({ replicas: 2 }), T1);
  t.deepEqual(obj.metadata.managedFields.map((e: Obj) => `${e.manager}/${e.operation}`), ['mgr1/Apply', 'before-first-apply/Update']);
});

test('ignored fields (status on the main resource) are not owned', (t) => {
  const obj = apply({ live: undefined, applied: { ...deployment(baseSpec), status: { replicas: 1 } }, manager: 'm', schema, apiVersion: 'apps/v1', now: T0, ignoredFields: [['status']] }).object as Obj;
  t.false('f:status' in obj.metadata.managedFields[0].fieldsV1);
});

test('duplicate list-map keys in the configuration are a 400', (t) => {
  const bad = { ...baseSpec, template: { spec: { containers: [{ name: 'a' }, { name: 'a' }] } } };
  const err = t.throws(() => applyAs('m', undefined, deployment(bad), T0)) as StatusError;
  t.is(err.code, 400);
  t.is(err.message, '.spec.template.spec.containers: duplicate entries for key [name="a"]');
});

test('FieldSet round trips FieldsV1 and set algebra', (t) => {
  const f = { 'f:a': { '.': {}, 'f:b': {} }, 'f:c': {} };
  const s = FieldSet.fromFieldsV1(f);
  t.deepEqual(s.toFieldsV1(), f);
  t.deepEqual(s.members().map((p) => p.join('.')), ['f:a', 'f:a.f:b', 'f:c']);
  const other = FieldSet.fromFieldsV1({ 'f:c': {} });
  t.deepEqual(s.difference(other).toFieldsV1(), { 'f:a': { '.': {}, 'f:b': {} } });
  t.deepEqual(s.intersection(other).toFieldsV1(), { 'f:c': {} });
});

test('set lists (finalizers) are owned per value', (t) => {
  const obj = applyAs('m', undefined, deployment(baseSpec, { finalizers: ['a.io/x', 'b.io/y'] }), T0);
  t.deepEqual(obj.metadata.managedFields[0].fieldsV1['f:metadata'], { 'f:finalizers': { 'v:"a.io/x"': {}, 'v:"b.io/y"': {} } });
  const merged = applyAs('n', obj, deployment({}, { finalizers: ['c.io/z'] }), T1);
  t.deepEqual(merged.metadata.finalizers, ['a.io/x', 'b.io/y', 'c.io/z']);
});

test('custom resources: CRD schema list-map keys, metadata typed as ObjectMeta', (t) => {
  const crd = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer' },
          items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'string' }, v: { type: 'string' } } } },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };
  const crSchema = index.forCustomResource(crd);
  const obj = apply({
    live: undefined,
    applied: { apiVersion: 'ex.io/v1', kind: 'W', metadata: { name: 'w', labels: { a: 'b' } }, spec: { replicas: 1, items: [{ id: 'x', v: '1' }], free: { k: { n: 1 } } } },
    manager: 'm',
    schema: crSchema,
    apiVersion: 'ex.io/v1',
    now: T0,
  }).object as Obj;
  t.deepEqual(obj.metadata.managedFields[0].fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': { 'f:free': { 'f:k': { '.': {}, 'f:n': {} } }, 'f:items': { 'k:{"id":"x"}': { '.': {}, 'f:id': {}, 'f:v': {} } }, 'f:replicas': {} },
  });
});

test('pruning releases ownership of removed fields and does not touch the live object', (t) => {
  let obj = applyAs('mgr1', undefined, deployment(baseSpec, { labels: { a: '1' } }), T0);
  obj = updateManagedFields({ live: obj, updated: { ...obj, metadata: { ...obj.metadata, annotations: { x: 'y' } } }, manager: 'other', schema, apiVersion: 'apps/v1', now: T1 }).object as Obj;
  const before = JSON.stringify(obj);
  const next = applyAs('mgr1', obj, deployment(baseSpec, {}), T2);
  t.is(JSON.stringify(obj), before, 'live not modified');
  t.is(next.metadata.labels, undefined);
  t.is(next.metadata.managedFields.find((e: Obj) => e.manager === 'mgr1').time, '2025-01-01T00:02:00Z');
  t.is(next.metadata.managedFields.find((e: Obj) => e.manager === 'mgr1').fieldsV1['f:metadata'], undefined);
  t.deepEqual(next.metadata.annotations, { x: 'y' });
});

test('list keys follow in-place edits of an item', (t) => {
  const obj = applyAs('m', undefined, deployment(baseSpec), T0);
  const edited = structuredClone(obj);
  const c = edited.spec.template.spec.containers[0];
  updateManagedFields({ live: obj, updated: edited, manager: 'x', schema, apiVersion: 'apps/v1', now: T1 });
  c.name = 'renamed';
  const out = updateManagedFields({ live: obj, updated: edited, manager: 'x', schema, apiVersion: 'apps/v1', now: T1 }).object as Obj;
  const x = out.metadata.managedFields.find((e: Obj) => e.manager === 'x');
  t.truthy(x.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"renamed"}']);
});
