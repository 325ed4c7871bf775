import test from 'ava';
import { deprecationWarning } from './deprecation.ts';

const cases: Array<{ name: string; gvr: [string, string, string]; want: string | undefined }> = [
  { name: 'endpoints names EndpointSlice', gvr: ['', 'v1', 'endpoints'], want: 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice' },
  { name: 'componentstatuses has no replacement', gvr: ['', 'v1', 'componentstatuses'], want: 'v1 ComponentStatus is deprecated in v1.19+' },
  { name: 'endpointslices are not deprecated', gvr: ['discovery.k8s.io', 'v1', 'endpointslices'], want: undefined },
  { name: 'pods are not deprecated', gvr: ['', 'v1', 'pods'], want: undefined },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    t.is(deprecationWarning(...tc.gvr), tc.want);
  });
}
