/**
 * Network API specs that need no data plane: EndpointSlice, Ingress and IngressClass API
 * operations, Endpoints lifecycle, Service status and collection deletes, and the
 * `kubernetes` Service (endpointslice.go, ingress.go, ingressclass.go, endpoints.go,
 * service.go, apiserver.go).
 */
import { defineCase } from '../framework/case.ts';
import { verifyApiOperations } from '../framework/api-operations.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-12',
    codename: '[sig-network] EndpointSlice should support creating EndpointSlice API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'discovery.k8s.io',
        version: 'v1',
        resource: 'endpointslices',
        namespaced: true,
        make: (name, labels) => ({ metadata: { name, labels }, addressType: 'IPv4', endpoints: [{ addresses: ['1.2.3.4', '5.6.7.8'] }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'NW-15',
    codename: '[sig-network] Ingress API should support creating Ingress API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'networking.k8s.io',
        version: 'v1',
        resource: 'ingresses',
        namespaced: true,
        make: (name, labels) => ({
          metadata: { name, labels },
          spec: { defaultBackend: { service: { name: 'default-backend', port: { number: 8080 } } }, rules: [{ host: 'foo.bar.com', http: { paths: [{ path: '/foo', pathType: 'Prefix', backend: { service: { name: 'test-backend', port: { number: 8080 } } } }] } }] },
        }),
        status: {
          patch: { status: { loadBalancer: { ingress: [{ ip: '169.1.1.1' }] } } },
          update: (o) => ({ ...o, status: { loadBalancer: { ingress: [{ ip: '169.1.1.2' }] } } }),
          check: (o, phase) => {
            const ip = o.status?.loadBalancer?.ingress?.[0]?.ip;
            const want = phase === 'patched' ? '169.1.1.1' : '169.1.1.2';
            return ip === want ? undefined : `status.loadBalancer.ingress[0].ip is ${ip}, want ${want}`;
          },
        },
      }),
  }),

  defineCase(import.meta.url, {
    id: 'NW-16',
    codename: '[sig-network] IngressClass API should support creating IngressClass API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'networking.k8s.io',
        version: 'v1',
        resource: 'ingressclasses',
        namespaced: false,
        make: (name, labels) => ({ metadata: { name, labels }, spec: { controller: 'example.com/controller' } }),
      }),
  }),

  defineCase(import.meta.url, {
    id: 'NW-41',
    codename: '[sig-network] Endpoints should test the lifecycle of an Endpoint [Conformance]',
    async run(ctx) {
      const eps = ctx.core('endpoints');
      const name = 'testservice';
      const selector = 'test-endpoint-static=true';
      ctx.step('creating an Endpoint');
      const w = new WatchRecorder('endpoints', eps.watch({ labelSelector: selector, signal: ctx.signal }));
      ctx.defer(() => w.stop());
      await new Promise((r) => setTimeout(r, 300));
      await eps.create({ metadata: { name, labels: { 'test-endpoint-static': 'true' } }, subsets: [{ addresses: [{ ip: '10.0.0.24' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }] });
      ctx.step('waiting for available Endpoint');
      await w.waitForEvent((e) => e.type === 'ADDED' && e.object.metadata?.name === name, 'ADDED Endpoints');
      ctx.step('listing all Endpoints');
      const all = await ctx.api('', 'v1', 'endpoints').list({ labelSelector: selector });
      expectTrue(all.items.some((e) => e.metadata?.name === name && e.metadata?.namespace === ctx.ns), 'Endpoints not found when listing all namespaces');
      ctx.step('updating the Endpoint');
      const cur = await eps.get(name);
      cur.metadata = { ...cur.metadata, labels: { ...cur.metadata?.labels, 'test-service': 'updated' } };
      await eps.update(cur);
      ctx.step('fetching the Endpoint');
      expectEqual((await eps.get(name)).metadata?.labels?.['test-service'], 'updated', 'label after the update');
      ctx.step('patching the Endpoint');
      await eps.patch(name, { metadata: { labels: { 'test-service': 'patched' } }, subsets: [{ addresses: [{ ip: '10.0.0.25' }], ports: [{ name: 'http-test', port: 8080, protocol: 'TCP' }] }] }, { type: 'strategic' });
      await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.metadata?.labels?.['test-service'] === 'patched', 'MODIFIED (patched) Endpoints');
      ctx.step('fetching the Endpoint');
      const patched = await eps.get(name);
      expectEqual(patched.subsets?.[0]?.addresses?.[0]?.ip, '10.0.0.25', 'patched address');
      expectEqual(patched.subsets?.[0]?.ports?.[0]?.port, 8080, 'patched port');
      ctx.step('deleting the Endpoint by Collection');
      await eps.deleteCollection({ labelSelector: selector });
      ctx.step('waiting for Endpoint deletion');
      await w.waitForEvent((e) => e.type === 'DELETED' && e.object.metadata?.name === name, 'DELETED Endpoints');
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-33',
    codename: '[sig-network] Services should delete a collection of services [Conformance]',
    async run(ctx) {
      const svcs = ctx.core('services');
      ctx.step('creating a collection of services');
      for (const n of ['a', 'b', 'c']) await svcs.create({ metadata: { name: `e2e-svc-${n}-${ctx.uid}`, labels: { 'e2e-test-service': 'delete' } }, spec: { type: 'ClusterIP', ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 }] } });
      ctx.step('getting a list of all services');
      expectEqual((await svcs.list({ labelSelector: 'e2e-test-service=delete' })).items.length, 3, 'services listed by label');
      ctx.step('deleting service collection');
      await svcs.deleteCollection({ labelSelector: 'e2e-test-service=delete' });
      expectEqual((await svcs.list({ labelSelector: 'e2e-test-service=delete' })).items.length, 0, 'services left after deletecollection');
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-34',
    codename: '[sig-network] Services should find a service from listing all namespaces [Conformance]',
    async run(ctx) {
      ctx.step('fetching services');
      const all = await ctx.api('', 'v1', 'services').list();
      expectTrue(all.items.some((s) => s.metadata?.name === 'kubernetes' && s.metadata?.namespace === 'default'), 'service default/kubernetes not found when listing services in all namespaces');
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-37',
    codename: '[sig-network] Services should provide secure master service [Conformance]',
    async run(ctx) {
      ctx.step('getting the kubernetes Service in the default namespace');
      const svc = await ctx.core('services', 'default').get('kubernetes');
      expectEqual(svc.metadata?.name, 'kubernetes', 'name of default/kubernetes');
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-32',
    codename: '[sig-network] Services should complete a service status lifecycle [Conformance]',
    async run(ctx) {
      const svcs = ctx.core('services');
      const name = `test-service-${ctx.uid}`;
      const selector = 'test-service-static=true';
      const w = new WatchRecorder('services', svcs.watch({ labelSelector: selector, signal: ctx.signal }));
      ctx.defer(() => w.stop());
      await new Promise((r) => setTimeout(r, 300));
      ctx.step('creating a Service');
      await svcs.create({ metadata: { name, labels: { 'test-service-static': 'true' } }, spec: { type: 'LoadBalancer', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80 }], loadBalancerClass: 'example.com/internal-vip' } });
      await w.waitForEvent((e) => e.type === 'ADDED' && e.object.metadata?.name === name, 'ADDED Service');
      ctx.step('Getting /status');
      const st = await svcs.get(name, { subresource: 'status' });
      expectEqual(st.metadata?.name, name, 'name read through /status');
      ctx.step('patching the ServiceStatus');
      await svcs.patch(name, { metadata: { annotations: { 'patchedstatus': 'true' } }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } }, { type: 'merge', subresource: 'status' });
      await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.status?.loadBalancer?.ingress?.[0]?.ip === '203.0.113.1', 'MODIFIED with patched status');
      ctx.step('updating the ServiceStatus');
      const cur = await svcs.get(name, { subresource: 'status' });
      cur.status = { ...cur.status, conditions: [{ type: 'StatusUpdate', status: 'True', reason: 'E2E', message: 'Set from e2e test', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
      await svcs.update(cur, { subresource: 'status' });
      await w.waitForEvent((e) => e.type === 'MODIFIED' && (e.object.status?.conditions ?? []).some((c: { type: string }) => c.type === 'StatusUpdate'), 'MODIFIED with updated status');
      ctx.step('patching the service');
      await svcs.patch(name, { metadata: { labels: { 'test-service': 'patched' } } }, { type: 'strategic' });
      await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.metadata?.labels?.['test-service'] === 'patched', 'MODIFIED with patched label');
      ctx.step('deleting the service');
      await svcs.delete(name);
      await w.waitForEvent((e) => e.type === 'DELETED' && e.object.metadata?.name === name, 'DELETED Service');
    },
  }),
];
