import test from 'ava';
import { StatusError } from '#impl/apimachinery/index.ts';
import type { KubeObject, RequestContext } from '../../../rest/strategy.ts';
import { serviceLocation, type ServiceProxyDeps } from './proxy.ts';

const getter = (objs: KubeObject[]) => ({
  get: async (_ctx: RequestContext, name: string): Promise<KubeObject> => {
    const o = objs.find((x) => x.metadata.name === name);
    if (!o) throw new Error(`${name} not found`);
    return o;
  },
});
const svc: KubeObject = { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 9000 }] } };
const pod = (name: string, ip: string): KubeObject => ({ metadata: { name }, status: { podIP: ip, podIPs: [{ ip }] } });
const eps: KubeObject = {
  metadata: { name: 'web' },
  subsets: [
    {
      addresses: [{ ip: '198.18.0.5', targetRef: { kind: 'Pod', name: 'a', namespace: 'ns' } }, { ip: '198.18.0.6', targetRef: { kind: 'Pod', name: 'gone', namespace: 'ns' } }],
      ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 9090 }],
    },
  ],
};
const deps = (endpoints: KubeObject[] = [eps], random = (n: number) => n - 1): ServiceProxyDeps => ({ services: getter([svc]), endpoints: () => getter(endpoints), pods: () => getter([pod('a', '198.18.0.5')]), random });
const ctx: RequestContext = { namespace: 'ns', warnings: [] };

const cases: { name: string; id: string; want: string }[] = [
  { name: 'a port name picks its endpoint port', id: 'web:admin', want: 'http://198.18.0.5:9090' },
  { name: 'a port number is mapped to the port name', id: 'web:80', want: 'http://198.18.0.5:8080' },
  { name: 'the scheme is kept', id: 'https:web:http', want: 'https://198.18.0.5:8080' },
  { name: 'an address whose pod is gone is skipped', id: 'web:http', want: 'http://198.18.0.5:8080' },
];
for (const tc of cases) {
  test(`serviceLocation: ${tc.name}`, async (t) => {
    const loc = await serviceLocation(deps(), ctx, tc.id);
    t.is(`${loc.scheme}://${loc.host}:${loc.port}`, tc.want);
  });
}

const errors: { name: string; id: string; endpoints?: KubeObject[]; code: number; message: string }[] = [
  { name: 'an unknown port number', id: 'web:81', code: 503, message: 'no service port 81 found for service "web"' },
  { name: 'no subsets', id: 'web:http', endpoints: [{ metadata: { name: 'web' }, subsets: [] }], code: 503, message: 'no endpoints available for service "web"' },
  { name: 'an unnamed port the endpoints lack', id: 'web', code: 503, message: 'no endpoints available for service "web"' },
  { name: 'a malformed name', id: 'ftp:web:80', code: 400, message: 'invalid service request "ftp:web:80"' },
];
for (const tc of errors) {
  test(`serviceLocation fails: ${tc.name}`, async (t) => {
    const err = await t.throwsAsync(serviceLocation(deps(tc.endpoints), ctx, tc.id));
    t.true(err instanceof StatusError);
    t.like((err as unknown as { status: { code: number; message: string } }).status, { code: tc.code, message: tc.message });
  });
}
