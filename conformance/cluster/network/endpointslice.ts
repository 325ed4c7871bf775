/**
 * EndpointSlice specs (upstream test/e2e/network/endpointslice.go): the `kubernetes` Service's
 * Endpoints and EndpointSlices agree, a Service whose selector matches nothing still gets an
 * (empty) EndpointSlice that goes away with the Service, pods matching Services by number and by
 * named port appear in Endpoints and EndpointSlices (recreated after deletion), and a
 * selector-less Service with hand-made EndpointSlices (several ports, several IPs) carries
 * traffic to each port. Deviations: the pods run the test server instead of nginx/agnhost, and
 * clients in pods use busybox `nc` (see `service-util.ts`).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { createPod, waitForPodReady } from '../framework/pods.ts';
import { checkReachable, createExecPod, serverContainer, waitForDefaultServiceAccount } from './service-util.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

interface Subset {
  addresses?: Array<{ ip: string }>;
  notReadyAddresses?: Array<{ ip: string }>;
  ports?: Array<{ port: number; name?: string; protocol?: string }>;
}

/** slicesOf lists the EndpointSlices of a Service. */
async function slicesOf(ctx: CaseContext, ns: string, svc: string): Promise<KubeObject[]> {
  return (await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', ns).list({ labelSelector: `${SERVICE_NAME_LABEL}=${svc}` })).items;
}

/** endpointSlicesEqual: the same set of addresses and of ports in Endpoints and EndpointSlices (upstream `endpointSlicesEqual`). */
function endpointSlicesEqual(endpoints: KubeObject, slices: KubeObject[]): boolean {
  const epAddrs = new Set<string>();
  const epPorts = new Set<string>();
  for (const s of (endpoints.subsets ?? []) as Subset[]) {
    for (const a of s.addresses ?? []) epAddrs.add(a.ip);
    for (const p of s.ports ?? []) epPorts.add(`${p.port}/${p.protocol ?? 'TCP'}`);
  }
  const slAddrs = new Set<string>();
  const slPorts = new Set<string>();
  for (const sl of slices) {
    for (const e of (sl.endpoints ?? []) as Array<{ addresses: string[] }>) for (const a of e.addresses) slAddrs.add(a);
    for (const p of (sl.ports ?? []) as Array<{ port: number; protocol?: string }>) slPorts.add(`${p.port}/${p.protocol ?? 'TCP'}`);
  }
  const same = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
  return same(epAddrs, slAddrs) && same(epPorts, slPorts);
}

/**
 * expectEndpointsAndSlices waits until the Service's Endpoints has `subsets` subsets and it has
 * `slices` EndpointSlices, both listing exactly the given pods' IPs (upstream
 * `expectEndpointsAndSlices`).
 */
async function expectEndpointsAndSlices(ctx: CaseContext, svc: string, pods: KubeObject[], subsets: number, slices: number): Promise<void> {
  const want = pods.map((p) => p.status?.podIP as string).sort();
  let last = '';
  await ctx.waitFor(
    async () => {
      let endpoints: KubeObject;
      try {
        endpoints = await ctx.core('endpoints').get(svc);
      } catch (err) {
        if (isNotFound(err)) {
          last = 'no Endpoints';
          return false;
        }
        throw err;
      }
      const epSubsets = (endpoints.subsets ?? []) as Subset[];
      const epIPs = epSubsets.flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip)).sort();
      const sl = await slicesOf(ctx, ctx.ns, svc);
      const slIPs = sl.flatMap((s) => ((s.endpoints ?? []) as Array<{ addresses: string[] }>).map((e) => e.addresses[0])).sort();
      last = `Endpoints has ${epSubsets.length} subsets with ${JSON.stringify(epIPs)}, ${sl.length} EndpointSlices with ${JSON.stringify(slIPs)}; want ${subsets} subsets, ${slices} slices, pods ${JSON.stringify(want)}`;
      const sameSet = (got: string[]): boolean => new Set(got).size === want.length && want.every((ip) => got.includes(ip));
      return epSubsets.length === subsets && sl.length === slices && sameSet(epIPs) && sameSet(slIPs);
    },
    { timeoutMs: 120_000, intervalMs: 1000, message: `Endpoints and EndpointSlices of Service ${svc}`, describe: () => last },
  );
}

/**
 * customSlicesTest is upstream's "should support a Service with multiple ... specified in
 * multiple EndpointSlices": a selector-less Service with ports 80 and 81, one hand-made
 * EndpointSlice per port (port80 -> first backend, port81 -> second), and a client pod that
 * must reach each backend through its port.
 */
async function customSlicesTest(ctx: CaseContext, backends: Array<{ pod: string; port: number }>): Promise<void> {
  const svc = await ctx.core('services').create({ metadata: { name: 'example-custom-endpoints' }, spec: { ports: [{ name: 'port80', port: 80, protocol: 'TCP' }, { name: 'port81', port: 81, protocol: 'TCP' }] } });
  const pods = new Map<string, number[]>();
  for (const b of backends) pods.set(b.pod, [...(pods.get(b.pod) ?? []), b.port]);
  const ips = new Map<string, string>();
  await waitForDefaultServiceAccount(ctx);
  for (const [name, ports] of pods) {
    ctx.step(`creating server pod ${name} serving ${ports.join(', ')}`);
    await createPod(ctx, { metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: ports.map((p) => ({ ...serverContainer(ctx, p), name: `container-handle-${p}-request` })) } });
    const ready = await waitForPodReady(ctx, name);
    ips.set(name, ready.status!.podIP as string);
  }
  ctx.step('creating one EndpointSlice per Service port');
  const slices = ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true);
  for (const [i, b] of backends.entries()) {
    await slices.create({
      metadata: { generateName: 'e2e-custom-slice', labels: { [SERVICE_NAME_LABEL]: 'example-custom-endpoints', [MANAGED_BY_LABEL]: `e2e-test${ctx.ns}` } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ips.get(b.pod)!], conditions: { ready: true } }],
      ports: [{ name: i === 0 ? 'port80' : 'port81', port: b.port, protocol: 'TCP' }],
    });
  }
  ctx.step('connecting to each Service port from a client pod');
  const execPod = await createExecPod(ctx, 'pause-pod-0');
  await checkReachable(ctx, execPod, svc.spec.clusterIP as string, 80, (h) => h === backends[0]!.pod);
  await checkReachable(ctx, execPod, svc.spec.clusterIP as string, 81, (h) => h === backends[1]!.pod);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-11',
    codename: '[sig-network] EndpointSlice should have Endpoints and EndpointSlices pointing to API Server [Conformance]',
    run: async (ctx) => {
      ctx.step('getting the kubernetes Service, its Endpoints and EndpointSlices');
      await ctx.core('services', 'default').get('kubernetes');
      const endpoints = await ctx.core('endpoints', 'default').get('kubernetes');
      expectTrue(((endpoints.subsets ?? []) as Subset[]).length > 0, `Endpoints default/kubernetes has no subsets: ${JSON.stringify(endpoints.subsets)}`);
      const slices = await slicesOf(ctx, 'default', 'kubernetes');
      expectTrue(slices.length > 0, 'no EndpointSlice labelled kubernetes.io/service-name=kubernetes in default');
      expectTrue(endpointSlicesEqual(endpoints, slices), `EndpointSlices do not have the addresses and ports of Endpoints: ${JSON.stringify(endpoints.subsets)} vs ${JSON.stringify(slices.map((s) => ({ endpoints: s.endpoints, ports: s.ports })))}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-10',
    codename: '[sig-network] EndpointSlice should create and delete EndpointSlices for a Service with a selector that matches no pods [Conformance]',
    run: async (ctx) => {
      ctx.step('creating a Service whose selector matches nothing');
      await ctx.core('services').create({
        metadata: { name: 'example-empty-selector' },
        spec: { selector: { 'does-not-match-anything': 'endpoints-and-endpoint-slices-should-still-be-created' }, ports: [{ name: 'example', port: 80, protocol: 'TCP' }] },
      });
      ctx.step('waiting for its EndpointSlice');
      const slice = await ctx.waitFor(async () => (await slicesOf(ctx, ctx.ns, 'example-empty-selector'))[0], { timeoutMs: 30_000, intervalMs: 1000, message: 'an EndpointSlice for example-empty-selector' });
      expectEqual(slice.metadata?.labels?.[MANAGED_BY_LABEL], 'endpointslice-controller.k8s.io', `label ${MANAGED_BY_LABEL}`);
      expectEqual(((slice.endpoints ?? []) as unknown[]).length, 0, 'number of endpoints in the EndpointSlice');
      ctx.step('deleting the Service; its EndpointSlices must go');
      await ctx.core('services').delete('example-empty-selector');
      await ctx.waitFor(async () => (await slicesOf(ctx, ctx.ns, 'example-empty-selector')).length === 0, { timeoutMs: 90_000, intervalMs: 2000, message: 'EndpointSlices deleted with their Service' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-09',
    codename: '[sig-network] EndpointSlice should create Endpoints and EndpointSlices for Pods matching a Service [Conformance]',
    run: async (ctx) => {
      const pod = (name: string, labels: Record<string, string>, ports: Array<{ name: string; containerPort: number }>): KubeObject => ({
        metadata: { name, labels },
        spec: { containers: [{ name: 'container1', image: ctx.images.testServer, args: ['pause'], ports }] },
      });
      await waitForDefaultServiceAccount(ctx);
      ctx.step('creating pod1 and pod2');
      await ctx.core('pods').create(pod('pod1', { pod1: 'on', shared12: 'on' }, [{ name: 'example-name', containerPort: 3000 }]));
      await ctx.core('pods').create(pod('pod2', { pod2: 'on', shared12: 'on' }, [{ name: 'example-name', containerPort: 3001 }, { name: 'other-port', containerPort: 3002 }]));
      const svc = (name: string, selector: Record<string, string>, port: { name: string; targetPort: number | string }): KubeObject => ({
        metadata: { name },
        spec: { selector, publishNotReadyAddresses: true, ports: [{ name: port.name, port: 80, targetPort: port.targetPort, protocol: 'TCP' }] },
      });
      await ctx.core('services').create(svc('example-int-port', { pod1: 'on' }, { name: 'example', targetPort: 3000 }));
      await ctx.core('services').create(svc('example-named-port', { shared12: 'on' }, { name: 'http', targetPort: 'example-name' }));
      await ctx.core('services').create(svc('example-no-match', { pod3: 'on' }, { name: 'example-no-match', targetPort: 8080 }));
      ctx.step('waiting for the pods to have IPs');
      const [pod1, pod2] = await ctx.waitFor(
        async () => {
          const ps = await Promise.all(['pod1', 'pod2'].map((n) => ctx.core('pods').get(n)));
          return ps.every((p) => p.status?.podIP) ? ps : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 2000, message: 'pods pod1 and pod2 to have IPs' },
      );
      ctx.step('referencing a single matching pod');
      await expectEndpointsAndSlices(ctx, 'example-int-port', [pod1], 1, 1);
      ctx.step('referencing matching pods with named port');
      await expectEndpointsAndSlices(ctx, 'example-named-port', [pod1, pod2], 2, 2);
      ctx.step('creating empty Endpoints and EndpointSlices for no matching Pods');
      await expectEndpointsAndSlices(ctx, 'example-no-match', [], 0, 1);
      ctx.step("recreating EndpointSlices after they've been deleted");
      const old = await slicesOf(ctx, ctx.ns, 'example-named-port');
      for (const s of old) await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true).delete(s.metadata!.name!);
      await ctx.waitFor(async () => (await slicesOf(ctx, ctx.ns, 'example-named-port')).every((s) => !old.some((o) => o.metadata?.uid === s.metadata?.uid)), { timeoutMs: 60_000, intervalMs: 1000, message: 'the deleted EndpointSlices to be gone or replaced' });
      await expectEndpointsAndSlices(ctx, 'example-named-port', [pod1, pod2], 2, 2);
      if (!pod1.status?.podIP) fail('pod1 has no IP');
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-N02',
    codename: '[sig-network] EndpointSlice should support a Service with multiple ports specified in multiple EndpointSlices [Conformance]',
    run: (ctx) => customSlicesTest(ctx, [{ pod: 'pod-handle-http-request', port: 8090 }, { pod: 'pod-handle-http-request', port: 9090 }]),
  }),

  defineCase(import.meta.url, {
    id: 'NW-N01',
    codename: '[sig-network] EndpointSlice should support a Service with multiple endpoint IPs specified in multiple EndpointSlices [Conformance]',
    run: (ctx) => customSlicesTest(ctx, [{ pod: 'pod1-handle-http-request', port: 8090 }, { pod: 'pod2-handle-http-request', port: 8090 }]),
  }),
];
