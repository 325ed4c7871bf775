import test from 'ava';
import type { Pod, Service } from '#generated/k8s/index.ts';
import { fromServices, serviceEnvFor } from './envvars.ts';

const svc = (ns: string, name: string, ip: string, ports: { name?: string; port: number; protocol?: string }[]): Service => ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });
const kubernetes = svc('default', 'kubernetes', '198.19.0.1', [{ name: 'https', port: 443 }]);

test('fromServices renders the upstream variables', (t) => {
  const env = Object.fromEntries(fromServices([svc('ns', 'my-svc', '198.19.0.7', [{ name: 'http', port: 80 }, { name: 'dns', port: 53, protocol: 'UDP' }])]).map((e) => [e.key, e.value]));
  t.deepEqual(env, {
    MY_SVC_SERVICE_HOST: '198.19.0.7',
    MY_SVC_SERVICE_PORT: '80',
    MY_SVC_SERVICE_PORT_HTTP: '80',
    MY_SVC_SERVICE_PORT_DNS: '53',
    MY_SVC_PORT: 'tcp://198.19.0.7:80',
    MY_SVC_PORT_80_TCP: 'tcp://198.19.0.7:80',
    MY_SVC_PORT_80_TCP_PROTO: 'tcp',
    MY_SVC_PORT_80_TCP_PORT: '80',
    MY_SVC_PORT_80_TCP_ADDR: '198.19.0.7',
    MY_SVC_PORT_53_UDP: 'udp://198.19.0.7:53',
    MY_SVC_PORT_53_UDP_PROTO: 'udp',
    MY_SVC_PORT_53_UDP_PORT: '53',
    MY_SVC_PORT_53_UDP_ADDR: '198.19.0.7',
  });
});

const pod = (ns: string, enableServiceLinks?: boolean): Pod => ({ metadata: { namespace: ns, name: 'p' }, spec: { containers: [], enableServiceLinks } });
const all = [kubernetes, svc('a', 'web', '198.19.0.5', [{ port: 8080 }]), svc('b', 'other', '198.19.0.6', [{ port: 1 }]), svc('a', 'headless', 'None', [{ port: 2 }])];

const cases: { name: string; pod: Pod; want: string[] }[] = [
  { name: 'own namespace services plus kubernetes', pod: pod('a'), want: ['KUBERNETES_SERVICE_HOST', 'WEB_SERVICE_HOST'] },
  { name: 'enableServiceLinks false keeps only kubernetes', pod: pod('a', false), want: ['KUBERNETES_SERVICE_HOST'] },
  { name: 'headless services are skipped', pod: pod('b'), want: ['KUBERNETES_SERVICE_HOST', 'OTHER_SERVICE_HOST'] },
];
for (const tc of cases) {
  test(`serviceEnvFor: ${tc.name}`, (t) => {
    t.deepEqual(serviceEnvFor(tc.pod, all).filter((e) => e.key.endsWith('_SERVICE_HOST')).map((e) => e.key), tc.want);
  });
}
