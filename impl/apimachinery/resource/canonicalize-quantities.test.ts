import test from 'ava';
import { fileURLToPath } from 'node:url';
import { loadOpenAPIPatchMetaIndex } from '../patch/openapi-patch-meta.ts';
import { canonicalizeQuantities } from './canonicalize-quantities.ts';

const specDir = fileURLToPath(new URL('../../../spec/', import.meta.url));
const pod = loadOpenAPIPatchMetaIndex([`${specDir}api/v1.json`]).forSchemaName('io.k8s.api.core.v1.Pod');

test('pod resource quantities and emptyDir sizeLimit become canonical', (t) => {
  const input = {
    spec: {
      containers: [{ name: 'a', resources: { requests: { cpu: 0.5, memory: '1024Mi' }, limits: { cpu: '1000m', memory: 'bad' } } }],
      volumes: [{ name: 'v', emptyDir: { sizeLimit: '1.5Gi' } }],
    },
  };
  const before = JSON.stringify(input);
  const out = canonicalizeQuantities(input, pod);
  t.deepEqual(out.spec.containers[0]!.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: 'bad' } });
  t.is(out.spec.volumes[0]!.emptyDir.sizeLimit, '1536Mi');
  t.is(JSON.stringify(input), before);
});

test('already canonical objects are returned as is', (t) => {
  const input = { spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '100m' } } }] } };
  t.is(canonicalizeQuantities(input, pod), input);
});
