/**
 * Service data-plane specs (upstream test/e2e/network/service.go) that one node with
 * kube-proxy can pass: endpoints that follow pods and carry traffic (single and multiple
 * ports), a functioning NodePort Service, and ClientIP session affinity through a ClusterIP or
 * a node port, switched on and off, and one port number served over TCP and UDP. Deviations are
 * listed in `service-util.ts` (busybox `nc` clients and `nslookup` for names, test-server
 * backends, loopback node address); the UDP client is agnhost netexec's `/dial` in a netexec
 * exec pod (upstream: `nc -u` in the agnhost exec pod).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectTrue } from '../framework/expect.ts';
import { createPod, waitForPodReady } from '../framework/pods.ts';
import { waitForDefaultServiceAccount, checkAffinity, checkReachable, checkServiceReachability, createExecPod, dialFrom, nodeAddressForPods, serverContainer, startServeHostnameService, validateEndpointsPorts } from './service-util.ts';
import { agnhostImage } from '../framework/images.ts';

const deletePod = async (ctx: CaseContext, name: string): Promise<void> => {
  await ctx.core('pods').delete(name, { gracePeriodSeconds: 0 });
};

/** serverPod is a test-server pod with the Service's labels serving HTTP on `port`. */
const serverPod = (ctx: CaseContext, name: string, labels: Record<string, string>, port: number, ports?: KubeObject[]): KubeObject => ({
  metadata: { name, labels },
  spec: { terminationGracePeriodSeconds: 0, containers: [serverContainer(ctx, port, ports)] },
});

/**
 * affinityTest is upstream `execAffinityTestForNonLBServiceWithOptionalTransition`: three
 * backends behind a ClientIP Service reached from an exec pod by cluster IP or node port;
 * affinity must hold, and with `transition` must stop holding under None and hold again after
 * switching back to ClientIP.
 */
async function affinityTest(ctx: CaseContext, name: string, type: 'ClusterIP' | 'NodePort', transition: boolean): Promise<void> {
  ctx.step(`creating service ${name} of type ${type} with sessionAffinity ClientIP and 3 pods`);
  const svc = await startServeHostnameService(ctx, name, 3, { type, sessionAffinity: 'ClientIP' });
  const execPod = await createExecPod(ctx, `execpod-affinity${ctx.uid}`);
  let host = svc.spec.clusterIP as string;
  let port = svc.spec.ports[0].port as number;
  if (type === 'NodePort') {
    host = await nodeAddressForPods(ctx, execPod);
    port = svc.spec.ports[0].nodePort as number;
  }
  ctx.step(`checking affinity through ${host}:${port}`);
  await checkReachable(ctx, execPod, host, port);
  await checkAffinity(ctx, execPod, host, port, true);
  if (!transition) return;
  const setAffinity = async (sessionAffinity: 'None' | 'ClientIP'): Promise<void> => {
    const cur = await ctx.core('services').get(name);
    await ctx.core('services').update({ ...cur, spec: { ...cur.spec, sessionAffinity, sessionAffinityConfig: sessionAffinity === 'None' ? undefined : cur.spec.sessionAffinityConfig } });
  };
  ctx.step('switching sessionAffinity to None; answers must come from several pods');
  await setAffinity('None');
  await checkAffinity(ctx, execPod, host, port, false);
  ctx.step('switching sessionAffinity back to ClientIP; affinity must hold again');
  await setAffinity('ClientIP');
  await checkAffinity(ctx, execPod, host, port, true);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-38',
    codename: '[sig-network] Services should serve a basic endpoint from pods [Conformance]',
    run: async (ctx) => {
      const name = 'endpoint-test2';
      const labels = { 'kubets-e2e': name };
      ctx.step(`creating service ${name}`);
      const svc = await ctx.core('services').create({ metadata: { name }, spec: { selector: labels, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } });
      const ip = svc.spec.clusterIP as string;
      await validateEndpointsPorts(ctx, name, {});
      await waitForDefaultServiceAccount(ctx);
      ctx.step('creating pod1');
      await createPod(ctx, serverPod(ctx, 'pod1', labels, 80));
      await validateEndpointsPorts(ctx, name, { pod1: [80] });
      ctx.step('checking if the Service forwards traffic to pod1');
      const execPod = await createExecPod(ctx);
      await checkServiceReachability(ctx, execPod, svc);
      ctx.step('creating pod2');
      await createPod(ctx, serverPod(ctx, 'pod2', labels, 80));
      await validateEndpointsPorts(ctx, name, { pod1: [80], pod2: [80] });
      ctx.step('checking if the Service forwards traffic to pod1 and pod2');
      await checkServiceReachability(ctx, execPod, svc);
      ctx.step('deleting pod1');
      await deletePod(ctx, 'pod1');
      await validateEndpointsPorts(ctx, name, { pod2: [80] });
      ctx.step('checking if the Service forwards traffic to pod2');
      await checkReachable(ctx, execPod, ip, 80, (h) => h === 'pod2');
      ctx.step('deleting pod2');
      await deletePod(ctx, 'pod2');
      await validateEndpointsPorts(ctx, name, {});
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-40',
    codename: '[sig-network] Services should serve multiport endpoints from pods [Conformance]',
    run: async (ctx) => {
      const name = 'multi-endpoint-test';
      const labels = { 'kubets-e2e': name };
      ctx.step(`creating service ${name} with two named target ports`);
      const svc = await ctx.core('services').create({
        metadata: { name },
        spec: {
          selector: labels,
          ports: [
            { name: 'portname1', port: 80, protocol: 'TCP', targetPort: 'svc1' },
            { name: 'portname2', port: 81, protocol: 'TCP', targetPort: 'svc2' },
          ],
        },
      });
      const ip = svc.spec.clusterIP as string;
      await validateEndpointsPorts(ctx, name, {});
      await waitForDefaultServiceAccount(ctx);
      ctx.step('creating pod1 serving port 100 (named svc1)');
      await createPod(ctx, serverPod(ctx, 'pod1', labels, 100, [{ name: 'svc1', containerPort: 100 }]));
      await validateEndpointsPorts(ctx, name, { pod1: [100] });
      ctx.step('creating pod2 serving port 101 (named svc2)');
      await createPod(ctx, serverPod(ctx, 'pod2', labels, 101, [{ name: 'svc2', containerPort: 101 }]));
      await validateEndpointsPorts(ctx, name, { pod1: [100], pod2: [101] });
      ctx.step('checking if the Service forwards traffic to pods on both ports');
      const execPod = await createExecPod(ctx);
      await checkServiceReachability(ctx, execPod, svc);
      await checkReachable(ctx, execPod, ip, 80, (h) => h === 'pod1');
      await checkReachable(ctx, execPod, ip, 81, (h) => h === 'pod2');
      ctx.step('deleting pod1');
      await deletePod(ctx, 'pod1');
      await validateEndpointsPorts(ctx, name, { pod2: [101] });
      ctx.step('deleting pod2');
      await deletePod(ctx, 'pod2');
      await validateEndpointsPorts(ctx, name, {});
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-29',
    codename: '[sig-network] Services should be able to create a functioning NodePort service [Conformance]',
    run: async (ctx) => {
      ctx.step('creating a NodePort Service nodeport-test with 2 pods');
      const svc = await startServeHostnameService(ctx, 'nodeport-test', 2, { type: 'NodePort' });
      const nodePort = svc.spec.ports[0].nodePort as number;
      expectTrue(nodePort > 0, `no nodePort allocated: ${JSON.stringify(svc.spec.ports)}`);
      const execPod = await createExecPod(ctx);
      ctx.step(`checking nodeport-test by name, cluster IP ${svc.spec.clusterIP}:80 and the node port ${nodePort}`);
      await checkServiceReachability(ctx, execPod, svc);
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-36',
    codename: '[sig-network] Services should have session affinity work for service with type clusterIP [LinuxOnly] [Conformance]',
    run: (ctx) => affinityTest(ctx, 'affinity-clusterip', 'ClusterIP', false),
  }),

  defineCase(import.meta.url, {
    id: 'NW-31',
    codename: '[sig-network] Services should be able to switch session affinity for service with type clusterIP [LinuxOnly] [Conformance]',
    run: (ctx) => affinityTest(ctx, 'affinity-clusterip-transition', 'ClusterIP', true),
  }),

  defineCase(import.meta.url, {
    id: 'NW-35',
    codename: '[sig-network] Services should have session affinity work for NodePort service [LinuxOnly] [Conformance]',
    run: (ctx) => affinityTest(ctx, 'affinity-nodeport', 'NodePort', false),
  }),

  defineCase(import.meta.url, {
    id: 'NW-30',
    codename: '[sig-network] Services should be able to switch session affinity for NodePort service [LinuxOnly] [Conformance]',
    run: (ctx) => affinityTest(ctx, 'affinity-nodeport-transition', 'NodePort', true),
  }),

  defineCase(import.meta.url, {
    id: 'NW-39',
    codename: '[sig-network] Services should serve endpoints on same port and different protocols [Conformance]',
    run: async (ctx) => {
      const name = 'multiprotocol-test';
      const labels = { app: 'multiport' };
      const containerPort = 100;
      ctx.step(`creating service ${name} with port 80 over TCP and UDP`);
      const svc = await ctx.core('services').create({
        metadata: { name },
        spec: {
          selector: labels,
          ports: [
            { name: 'tcp-port', port: 80, targetPort: containerPort, protocol: 'TCP' },
            { name: 'udp-port', port: 80, targetPort: containerPort, protocol: 'UDP' },
          ],
        },
      });
      const ip = svc.spec.clusterIP as string;
      await validateEndpointsPorts(ctx, name, {});
      await waitForDefaultServiceAccount(ctx);
      ctx.step('creating pod1 serving HTTP and UDP on port 100 (agnhost netexec)');
      await createPod(ctx, {
        metadata: { name: 'pod1', labels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: 'agnhost-container',
            image: agnhostImage(ctx),
            args: ['netexec', '--http-port', String(containerPort), '--udp-port', String(containerPort)],
            ports: [{ name: 'tcp-port', containerPort, protocol: 'TCP' }, { name: 'udp-port', containerPort, protocol: 'UDP' }],
            readinessProbe: { httpGet: { path: '/healthz', port: containerPort }, periodSeconds: 1 },
          }],
        },
      });
      await validateEndpointsPorts(ctx, name, { pod1: [containerPort] });
      ctx.step('checking if the Service forwards traffic to the TCP and UDP port');
      const execPod = 'execpod';
      await createPod(ctx, { metadata: { name: execPod }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'agnhost-container', image: agnhostImage(ctx), args: ['netexec', '--http-port', '8080', '--udp-port', '-1'], readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 } }] } });
      await waitForPodReady(ctx, execPod);
      let last = '';
      for (const protocol of ['http', 'udp'] as const) {
        await ctx.waitFor(
          async () => {
            const answers = await dialFrom(ctx, execPod, 'agnhost-container', 8080, ip, 80, protocol, 'hostname');
            last = `${protocol}: ${JSON.stringify(answers)}`;
            return answers.includes('pod1');
          },
          { timeoutMs: 60_000, intervalMs: 1000, message: `${ip}:80 over ${protocol === 'http' ? 'TCP' : 'UDP'} to answer from pod1`, describe: () => last },
        );
      }
      ctx.step('deleting pod1');
      await deletePod(ctx, 'pod1');
      await validateEndpointsPorts(ctx, name, {});
    },
  }),
];
