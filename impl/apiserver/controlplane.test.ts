import test from 'ava';
import { parseRuntimeConfig, keyPrefixFor, nameFnFor } from './controlplane.ts';
import { validateResources } from './registry/core/pod/strategy.ts';
import { fieldPath } from '#impl/apimachinery/index.ts';
import { validateSchedule } from './registry/batch/cronjob/strategy.ts';

const runtimeCases = [
  { name: 'GA on, beta and alpha off by default', spec: '', gv: { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', stability: 'beta' }, want: false },
  { name: 'GA on by default', spec: '', gv: { group: 'apps', version: 'v1', stability: 'ga' }, want: true },
  { name: 'api/beta=true enables beta', spec: 'api/beta=true', gv: { group: 'x.k8s.io', version: 'v1beta1', stability: 'beta' }, want: true },
  { name: 'api/all=true enables alpha', spec: 'api/all=true', gv: { group: 'x.k8s.io', version: 'v1alpha1', stability: 'alpha' }, want: true },
  { name: 'a group-version can be turned off', spec: 'batch/v1=false', gv: { group: 'batch', version: 'v1', stability: 'ga' }, want: false },
  { name: 'a single version can be turned on', spec: 'resource.k8s.io/v1beta1', gv: { group: 'resource.k8s.io', version: 'v1beta1', stability: 'beta' }, want: true },
];
for (const tc of runtimeCases) test(`runtime-config: ${tc.name}`, (t) => t.is(parseRuntimeConfig(tc.spec).enabled(tc.gv), tc.want));

test('key prefixes follow upstream', (t) => {
  const core = new Set(['events', 'pods', 'services']);
  t.is(keyPrefixFor({ group: '', resource: 'pods' }, core), '/registry/pods');
  t.is(keyPrefixFor({ group: '', resource: 'services' }, core), '/registry/services/specs');
  t.is(keyPrefixFor({ group: 'apps', resource: 'deployments' }, core), '/registry/deployments');
  t.is(keyPrefixFor({ group: 'events.k8s.io', resource: 'events' }, core), '/registry/events.k8s.io/events');
});

test('name rules per resource', (t) => {
  t.deepEqual(nameFnFor('', 'namespaces')('a.b', false).length > 0, true);
  t.deepEqual(nameFnFor('rbac.authorization.k8s.io', 'clusterroles')('system:controller:x', false), []);
  t.deepEqual(nameFnFor('', 'configmaps')('a.b', false), []);
});

const quantityCases = [
  { name: 'valid quantities', res: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } }, want: [] },
  { name: 'malformed quantity', res: { requests: { cpu: 'abc' } }, want: ['resources.requests[cpu]'] },
  { name: 'request above limit', res: { requests: { cpu: '2' }, limits: { cpu: '1' } }, want: ['resources.requests[cpu]'] },
];
for (const tc of quantityCases) test(`pod resources: ${tc.name}`, (t) => t.deepEqual(validateResources(tc.res, fieldPath('resources')).map((e) => e.field), tc.want));

const scheduleCases = [
  { name: 'five fields', s: '*/5 * * * *', want: undefined },
  { name: 'macro', s: '@hourly', want: undefined },
  { name: 'every', s: '@every 1h30m', want: undefined },
  { name: 'garbage', s: 'not a cron', want: 'expected exactly 5 fields, found 3: not a cron' },
  { name: 'TZ is rejected', s: 'TZ=UTC * * * * *', want: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' },
];
for (const tc of scheduleCases) test(`cron schedule: ${tc.name}`, (t) => t.is(validateSchedule(tc.s), tc.want));
