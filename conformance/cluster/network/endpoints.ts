/**
 * EndpointsController specs (upstream test/e2e/network/endpoints.go, conformance again in
 * v1.35): a Service whose selector matches nothing gets an Endpoints object that is deleted with
 * the Service, and pods matching Services by number and by named port appear in Endpoints with
 * the right ports. (The Endpoint lifecycle spec of the same file lives in `api-objects.ts`.)
 * Deviation: the pods run the test server's `pause` instead of nginx (ports are only declared).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { waitForDefaultServiceAccount } from './service-util.ts';

interface Subset {
  addresses?: Array<{ ip: string; targetRef?: { name?: string } }>;
  notReadyAddresses?: Array<{ ip: string; targetRef?: { name?: string } }>;
  ports?: Array<{ port: number; name?: string; protocol?: string }>;
}

/**
 * expectEndpoints waits until the Service's Endpoints has `numSubsets` subsets listing exactly
 * the pods' IPs, each subset's port being the target port (a number) or the pod's container
 * port of that name (upstream `expectEndpoints`).
 */
async function expectEndpoints(ctx: CaseContext, svc: KubeObject, pods: KubeObject[], numSubsets: number, namedPort: boolean): Promise<void> {
  const want = pods.map((p) => p.status?.podIP as string).sort();
  const byIP = new Map(pods.map((p) => [p.status?.podIP as string, p]));
  const target = svc.spec.ports[0].targetPort as number | string;
  let last = '';
  await ctx.waitFor(
    async () => {
      let ep: KubeObject;
      try {
        ep = await ctx.core('endpoints').get(svc.metadata!.name!);
      } catch (err) {
        if (isNotFound(err)) {
          last = 'no Endpoints';
          return false;
        }
        throw err;
      }
      const subsets = (ep.subsets ?? []) as Subset[];
      const ips: string[] = [];
      const problems: string[] = [];
      for (const s of subsets) {
        const addrs = [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])];
        const port = s.ports?.[0];
        for (const a of addrs) {
          ips.push(a.ip);
          const pod = byIP.get(a.ip);
          if (!pod) problems.push(`unexpected address ${a.ip}`);
          else if (a.targetRef?.name !== pod.metadata?.name) problems.push(`address ${a.ip} has targetRef ${a.targetRef?.name}`);
          const wantPort = namedPort ? (pod?.spec.containers[0].ports as Array<{ name?: string; containerPort: number }>).find((p) => p.name === target)?.containerPort : target;
          if (port?.port !== wantPort) problems.push(`address ${a.ip} has port ${port?.port}, want ${wantPort}`);
        }
        if (port && port.name !== svc.spec.ports[0].name) problems.push(`port name ${port.name}, want ${svc.spec.ports[0].name}`);
      }
      ips.sort();
      last = `${subsets.length} subsets with ${JSON.stringify(ips)}${problems.length ? `; ${problems.join('; ')}` : ''}; want ${numSubsets} subsets with ${JSON.stringify(want)}`;
      return subsets.length === numSubsets && JSON.stringify(ips) === JSON.stringify(want) && problems.length === 0;
    },
    { timeoutMs: 120_000, intervalMs: 2000, message: `Endpoints of Service ${svc.metadata?.name}`, describe: () => last },
  );
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-N04',
    codename: '[sig-network] EndpointsController should create and delete Endpoints for a Service with a selector that matches no pods [Conformance]',
    run: async (ctx) => {
      ctx.step('creating a Service whose selector matches nothing');
      await ctx.core('services').create({
        metadata: { name: 'example-empty-selector' },
        spec: { selector: { 'does-not-match-anything': 'endpoints-and-endpoint-slices-should-still-be-created' }, ports: [{ name: 'example', port: 80, protocol: 'TCP' }] },
      });
      await ctx.waitFor(() => ctx.core('endpoints').get('example-empty-selector').then(() => true, () => false), { timeoutMs: 30_000, intervalMs: 2000, message: 'Endpoints for example-empty-selector' });
      ctx.step('deleting the Service; its Endpoints must go');
      await ctx.core('services').delete('example-empty-selector');
      await ctx.waitFor(
        async () => {
          try {
            await ctx.core('endpoints').get('example-empty-selector');
            return false;
          } catch (err) {
            if (isNotFound(err)) return true;
            throw err;
          }
        },
        { timeoutMs: 30_000, intervalMs: 2000, message: 'Endpoints deleted with their Service' },
      );
    },
  }),

  defineCase(import.meta.url, {
    id: 'NW-N03',
    codename: '[sig-network] EndpointsController should create Endpoints for Pods matching a Service [Conformance]',
    run: async (ctx) => {
      const pod = (name: string, labels: Record<string, string>, ports: Array<{ name: string; containerPort: number }>): KubeObject => ({
        metadata: { name, labels },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'container1', image: ctx.images.testServer, args: ['pause'], ports }] },
      });
      await waitForDefaultServiceAccount(ctx);
      ctx.step('creating pod1 and pod2 and two Services');
      await ctx.core('pods').create(pod('pod1', { pod1: 'on', shared12: 'on' }, [{ name: 'example-name', containerPort: 3000 }]));
      await ctx.core('pods').create(pod('pod2', { pod2: 'on', shared12: 'on' }, [{ name: 'example-name', containerPort: 3001 }, { name: 'other-port', containerPort: 3002 }]));
      const svc1 = await ctx.core('services').create({ metadata: { name: 'example-int-port' }, spec: { selector: { pod1: 'on' }, publishNotReadyAddresses: true, ports: [{ name: 'example', port: 80, targetPort: 3000, protocol: 'TCP' }] } });
      const svc2 = await ctx.core('services').create({ metadata: { name: 'example-named-port' }, spec: { selector: { shared12: 'on' }, publishNotReadyAddresses: true, ports: [{ name: 'http', port: 80, targetPort: 'example-name', protocol: 'TCP' }] } });
      const [pod1, pod2] = await ctx.waitFor(
        async () => {
          const ps = await Promise.all(['pod1', 'pod2'].map((n) => ctx.core('pods').get(n)));
          return ps.every((p) => p.status?.podIP) ? ps : undefined;
        },
        { timeoutMs: 180_000, intervalMs: 2000, message: 'pods pod1 and pod2 to have IPs' },
      );
      ctx.step('referencing a single matching pod');
      await expectEndpoints(ctx, svc1, [pod1!], 1, false);
      ctx.step('referencing matching pods with named port');
      await expectEndpoints(ctx, svc2, [pod1!, pod2!], 2, true);
    },
  }),
];
