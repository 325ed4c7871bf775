import test from 'ava';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { AdmissionCall, StoreAdmission } from '../../../generic/store.ts';
import type { RequestContext } from '../../../rest/strategy.ts';
import { connectOptions, withConnectAdmission } from './connect-admission.ts';

const optionCases: Array<{ name: string; resource: string; sub: string; query: string; path?: string; want: Record<string, unknown> }> = [
  {
    name: 'attach',
    resource: 'pods',
    sub: 'attach',
    query: 'container=container1&stdin=true&stdout=1',
    want: { apiVersion: 'v1', kind: 'PodAttachOptions', stdin: true, stdout: true, stderr: false, tty: false, container: 'container1' },
  },
  {
    name: 'exec with a command',
    resource: 'pods',
    sub: 'exec',
    query: 'command=sh&command=-c&command=date&stderr=true',
    want: { apiVersion: 'v1', kind: 'PodExecOptions', stdin: false, stdout: false, stderr: true, tty: false, command: ['sh', '-c', 'date'] },
  },
  { name: 'portforward', resource: 'pods', sub: 'portforward', query: 'ports=80&ports=443', want: { apiVersion: 'v1', kind: 'PodPortForwardOptions', ports: [80, 443] } },
  { name: 'pod proxy', resource: 'pods', sub: 'proxy', query: '', path: 'a/b', want: { apiVersion: 'v1', kind: 'PodProxyOptions', path: 'a/b' } },
  { name: 'node proxy', resource: 'nodes', sub: 'proxy', query: '', path: 'healthz', want: { apiVersion: 'v1', kind: 'NodeProxyOptions', path: 'healthz' } },
];

for (const tc of optionCases) {
  test(`connectOptions: ${tc.name}`, (t) => {
    t.deepEqual(connectOptions(tc.resource, tc.sub, { query: new URLSearchParams(tc.query), path: tc.path ?? '' }), tc.want);
  });
}

const ctx: RequestContext = { namespace: 'ns', warnings: [] };
const req = (query: string) => ({ query: new URLSearchParams(query), path: '' }) as unknown as ConnectRequest;

test('withConnectAdmission: admits and validates a CONNECT before connecting', async (t) => {
  const seen: string[] = [];
  let call: AdmissionCall | undefined;
  const admission: StoreAdmission = {
    admit: async (_c, a) => void seen.push(`admit ${a.operation}`),
    validate: async (_c, a) => {
      call = a;
      seen.push(`validate ${a.operation}`);
    },
  };
  const wrapped = withConnectAdmission(async () => void seen.push('connect'), { resource: 'pods', subresource: 'attach', admission: () => admission });
  await wrapped(ctx, 'p', req('container=c&stdin=true'));
  t.deepEqual(seen, ['admit CONNECT', 'validate CONNECT', 'connect']);
  t.like(call, { resource: { group: '', version: 'v1', resource: 'pods' }, subresource: 'attach', name: 'p', namespace: 'ns', kind: { kind: 'PodAttachOptions' } });
});

test('withConnectAdmission: a denial stops the connection', async (t) => {
  let connected = false;
  const admission: StoreAdmission = { admit: async () => {}, validate: async () => Promise.reject(new Error('denied')) };
  const wrapped = withConnectAdmission(async () => void (connected = true), { resource: 'pods', subresource: 'exec', admission: () => admission });
  await t.throwsAsync(wrapped(ctx, 'p', req('command=ls')), { message: 'denied' });
  t.false(connected);
});
