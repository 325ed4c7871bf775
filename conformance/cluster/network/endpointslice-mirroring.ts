/**
 * EndpointSliceMirroring (upstream test/e2e/network/endpointslicemirroring.go): custom Endpoints
 * of a Service without a selector are mirrored into EndpointSlices through create, update and
 * delete.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';

const MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';

/** waitForMirror polls the mirrored slices of `service` until `check` returns undefined (else the reason). */
async function waitForMirror(ctx: CaseContext, service: string, what: string, check: (slices: KubeObject[]) => string | undefined): Promise<void> {
  let why = '';
  await ctx.waitFor(
    async () => {
      const slices = (await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true).list({ labelSelector: `kubernetes.io/service-name=${service},endpointslice.kubernetes.io/managed-by=${MANAGED_BY}` })).items;
      why = check(slices) ?? '';
      return why === '';
    },
    { timeoutMs: 60_000, intervalMs: 1000, message: what, describe: () => why },
  );
}

/** oneSliceWith checks for exactly one mirrored slice with one endpoint `ip` and port 80. */
const oneSliceWith = (ip: string) => (slices: KubeObject[]): string | undefined => {
  if (slices.length !== 1) return `expected 1 EndpointSlice, got ${slices.length}`;
  const s = slices[0]!;
  const addresses = (s.endpoints ?? []).flatMap((e: KubeObject) => e.addresses ?? []);
  if (addresses.length !== 1 || addresses[0] !== ip) return `expected address ${ip}, got ${JSON.stringify(addresses)}`;
  if ((s.ports ?? [])[0]?.port !== 80) return `expected port 80, got ${JSON.stringify(s.ports)}`;
  return undefined;
};

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-13',
    codename: '[sig-network] EndpointSliceMirroring should mirror a custom Endpoints resource through create update and delete [Conformance]',
    async run(ctx) {
      const name = 'example-custom-endpoints';
      await ctx.core('services').create({ metadata: { name }, spec: { ports: [{ name: 'example', port: 80, protocol: 'TCP' }] } });
      const endpoints = ctx.core('endpoints');
      ctx.step('mirroring a new custom Endpoint');
      await endpoints.create({ metadata: { name }, subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ name: 'example', port: 80, protocol: 'TCP' }] }] });
      await waitForMirror(ctx, name, 'one mirrored EndpointSlice with address 10.1.2.3', oneSliceWith('10.1.2.3'));

      ctx.step('mirroring an update to a custom Endpoint');
      const cur = await endpoints.get(name);
      await endpoints.update({ ...cur, subsets: [{ addresses: [{ ip: '10.2.3.4' }], ports: [{ name: 'example', port: 80, protocol: 'TCP' }] }] });
      await waitForMirror(ctx, name, 'the mirrored EndpointSlice to carry address 10.2.3.4', oneSliceWith('10.2.3.4'));

      ctx.step('mirroring deletion of a custom Endpoint');
      await endpoints.delete(name);
      await waitForMirror(ctx, name, 'the mirrored EndpointSlices to be deleted', (slices) => (slices.length === 0 ? undefined : `${slices.length} EndpointSlice(s) left`));
    },
  }),
];
