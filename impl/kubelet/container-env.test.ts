import test from 'ava';
import type { Container } from '#generated/k8s/index.ts';
import { resourceFieldValue } from './container-env.ts';

const c = (resources: Container['resources']): Container => ({ name: 'c', image: 'i', resources });
const allocatable = { cpu: '2', memory: '4Gi' };

const cases: { name: string; container: Container; resource: string; divisor?: string; want: string }[] = [
  { name: 'cpu limit in cores, rounded up', container: c({ limits: { cpu: '1250m' } }), resource: 'limits.cpu', want: '2' },
  { name: 'cpu limit in millicores', container: c({ limits: { cpu: '1250m' } }), resource: 'limits.cpu', divisor: '1m', want: '1250' },
  { name: 'memory request in Mi', container: c({ requests: { memory: '64Mi' } }), resource: 'requests.memory', divisor: '1Mi', want: '64' },
  { name: 'no cpu limit: node allocatable', container: c({}), resource: 'limits.cpu', want: '2' },
  { name: 'no memory limit: node allocatable', container: c({ requests: { memory: '1Mi' } }), resource: 'limits.memory', want: String(4 * 1024 ** 3) },
  { name: 'no request: 0', container: c({ limits: { cpu: '1' } }), resource: 'requests.memory', want: '0' },
];
for (const tc of cases) {
  test(`resourceFieldValue: ${tc.name}`, (t) => t.is(resourceFieldValue(tc.container, tc.resource, tc.divisor, allocatable), tc.want));
}

test('resourceFieldValue: without a known allocatable an unset limit is 0', (t) => t.is(resourceFieldValue(c({}), 'limits.cpu', undefined), '0'));
