import test from 'ava';
import { OpenApiV3Service } from './openapi-v3.ts';

const cases: Array<{ name: string; schema: string; property: string }> = [
  { name: 'a core kind', schema: 'io.k8s.api.core.v1.ConfigMap', property: 'data' },
  { name: 'a kind of a named group', schema: 'io.k8s.api.apps.v1.Deployment', property: 'spec' },
  { name: 'a kind of a dotted group', schema: 'io.k8s.api.rbac.v1.Role', property: 'rules' },
  { name: 'a meta type', schema: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', property: 'labels' },
  { name: 'an apiextensions kind', schema: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', property: 'spec' },
];

for (const c of cases) {
  test(`rawSchema finds ${c.name} by name`, (t) => {
    const svc = new OpenApiV3Service();
    const s = svc.rawSchema(c.schema);
    t.truthy((s?.properties as Record<string, unknown> | undefined)?.[c.property]);
  });
}

test('rawSchema of an unknown name is undefined; allSchemas holds every document', (t) => {
  const svc = new OpenApiV3Service();
  t.is(svc.rawSchema('io.k8s.api.core.v1.NoSuchKind'), undefined);
  const all = svc.allSchemas();
  t.true(all.has('io.k8s.api.core.v1.Pod'));
  t.true(all.has('io.k8s.api.batch.v1.Job'));
});

test('documents are hashed on demand; the index lists them with ?hash=', (t) => {
  const svc = new OpenApiV3Service();
  const doc = svc.document('apis/apps/v1');
  t.truthy(doc);
  t.regex(doc!.hash, /^[0-9A-F]{128}$/);
  t.is(svc.index().paths['apis/apps/v1']?.serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${doc!.hash}`);
});
