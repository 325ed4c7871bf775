/**
 * Service type changes (upstream test/e2e/network/service.go "should be able to change the type
 * from ... to ..."): ExternalName to ClusterIP or NodePort gets a cluster IP (and a node port)
 * that carry traffic to new pods by name, cluster IP and node port; ClusterIP or NodePort to
 * ExternalName clears the cluster IP and the name resolves to the named Service. Deviations as
 * in `service-util.ts` (nslookup + nc in a busybox exec pod, test-server backends).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue } from '../framework/expect.ts';
import { checkServiceReachability, createExecPod, createServicePods, serviceFQDN, startServeHostnameService, waitForReadyEndpoints } from './service-util.ts';

/** jigLabels are the selector a test jig gives its Service and pods (upstream `TestJig.Labels`). */
const jigLabels = (ctx: CaseContext, name: string): Record<string, string> => ({ testid: `${name}-${ctx.uid}` });

/** updateService applies `mutate` to the current Service and updates it (upstream `TestJig.UpdateService`, with conflict retries). */
async function updateService(ctx: CaseContext, name: string, mutate: (s: KubeObject) => void): Promise<KubeObject> {
  for (let i = 0; ; i++) {
    const cur = await ctx.core('services').get(name);
    mutate(cur);
    try {
      return await ctx.core('services').update(cur);
    } catch (err) {
      if (i >= 3 || !/conflict|modified/i.test(String(err))) throw err;
    }
  }
}

/** fromExternalName: create an ExternalName Service, turn it into `type` with port 80 -> 8080, start 2 pods, check reachability. */
async function fromExternalName(ctx: CaseContext, type: 'ClusterIP' | 'NodePort'): Promise<void> {
  const name = 'externalname-service';
  const labels = jigLabels(ctx, name);
  ctx.step(`creating a service ${name} with the type=ExternalName`);
  const created = await ctx.core('services').create({ metadata: { name, labels }, spec: { type: 'ExternalName', externalName: 'foo.example.com', selector: labels } });
  expectTrue(!created.spec.clusterIP, `an ExternalName Service got clusterIP ${created.spec.clusterIP}`);
  ctx.step(`changing the ExternalName service to type=${type}`);
  const svc = await updateService(ctx, name, (s) => {
    s.spec.type = type;
    delete s.spec.externalName;
    s.spec.ports = [{ port: 80, name: 'http', protocol: 'TCP', targetPort: 8080 }];
  });
  expectTrue(!!svc.spec.clusterIP && svc.spec.clusterIP !== 'None', `no clusterIP assigned after the change to ${type}: ${JSON.stringify(svc.spec)}`);
  if (type === 'NodePort') expectTrue((svc.spec.ports[0].nodePort ?? 0) > 0, `no nodePort assigned: ${JSON.stringify(svc.spec.ports)}`);
  await createServicePods(ctx, name, labels, 2);
  await waitForReadyEndpoints(ctx, name, 2);
  const execPod = await createExecPod(ctx);
  await checkServiceReachability(ctx, execPod, svc);
}

/** toExternalName: create a `type` Service, an active Service externalsvc, point the first at the second's FQDN, check the name resolves. */
async function toExternalName(ctx: CaseContext, type: 'ClusterIP' | 'NodePort'): Promise<void> {
  const name = type === 'ClusterIP' ? 'clusterip-service' : 'nodeport-service';
  const labels = jigLabels(ctx, name);
  ctx.step(`creating a service ${name} with the type=${type}`);
  const created = await ctx.core('services').create({ metadata: { name, labels }, spec: { type, selector: labels, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] } });
  if (type === 'NodePort') expectTrue((created.spec.ports[0].nodePort ?? 0) > 0, 'no nodePort allocated');
  ctx.step('creating active service to test reachability when its FQDN is referred as externalName for another service');
  await startServeHostnameService(ctx, 'externalsvc', 2, {});
  const fqdn = serviceFQDN(ctx, 'externalsvc');
  ctx.step(`changing the ${type} service to type=ExternalName ${fqdn}`);
  const svc = await updateService(ctx, name, (s) => {
    s.spec.type = 'ExternalName';
    s.spec.externalName = fqdn;
    // As upstream's jig update: the API server clears clusterIP(s) and node ports of an ExternalName Service.
  });
  expectEqual(svc.spec.clusterIP ?? '', '', 'Spec.ClusterIP after the change to ExternalName');
  const execPod = await createExecPod(ctx);
  await checkServiceReachability(ctx, execPod, svc);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-26',
    codename: '[sig-network] Services should be able to change the type from ExternalName to ClusterIP [Conformance]',
    run: (ctx) => fromExternalName(ctx, 'ClusterIP'),
  }),
  defineCase(import.meta.url, {
    id: 'NW-27',
    codename: '[sig-network] Services should be able to change the type from ExternalName to NodePort [Conformance]',
    run: (ctx) => fromExternalName(ctx, 'NodePort'),
  }),
  defineCase(import.meta.url, {
    id: 'NW-25',
    codename: '[sig-network] Services should be able to change the type from ClusterIP to ExternalName [Conformance]',
    run: (ctx) => toExternalName(ctx, 'ClusterIP'),
  }),
  defineCase(import.meta.url, {
    id: 'NW-28',
    codename: '[sig-network] Services should be able to change the type from NodePort to ExternalName [Conformance]',
    run: (ctx) => toExternalName(ctx, 'NodePort'),
  }),
];
