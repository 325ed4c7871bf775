/**
 * Discovery, server version, aggregated discovery and Table negotiation:
 * upstream discovery.go, server_version.go, aggregated_discovery.go, table_conversion.go,
 * webhook.go (discovery document), custom_resource_definition.go (discovery).
 */
import { isNotFound } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { expectDiscovered } from '../framework/api-operations.ts';
import { createTestCrd } from '../framework/crd.ts';

interface GroupVersionForDiscovery { groupVersion: string; version: string }
interface APIGroup { name: string; versions: GroupVersionForDiscovery[]; preferredVersion?: GroupVersionForDiscovery }
interface APIResourceList { groupVersion?: string; resources?: Array<{ name: string; kind?: string; namespaced?: boolean; verbs?: string[] }> }

const AGGREGATED_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

async function groups(ctx: CaseContext): Promise<APIGroup[]> {
  const apis = await ctx.client.request<{ groups?: APIGroup[] }>({ path: '/apis', signal: ctx.signal });
  return apis.groups ?? [];
}

interface AggregatedDoc {
  kind?: string;
  apiVersion?: string;
  items?: Array<{ metadata?: { name?: string }; versions?: Array<{ version: string; resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[] }> }> }>;
}

async function aggregated(ctx: CaseContext, path: '/api' | '/apis'): Promise<{ doc: AggregatedDoc; contentType: string }> {
  const res = await ctx.client.requestRaw({ path, accept: AGGREGATED_ACCEPT, signal: ctx.signal });
  if (res.statusCode !== 200) fail(`GET ${path} with Accept ${AGGREGATED_ACCEPT}: HTTP ${res.statusCode}: ${res.body.slice(0, 200)}`);
  return { doc: JSON.parse(res.body) as AggregatedDoc, contentType: String(res.headers['content-type'] ?? '') };
}

function aggregatedResources(doc: AggregatedDoc): Set<string> {
  const out = new Set<string>();
  for (const g of doc.items ?? []) for (const v of g.versions ?? []) for (const r of v.resources ?? []) out.add(`${g.metadata?.name ?? ''}/${v.version}/${r.resource}`);
  return out;
}

/** legacyResources collects every top-level resource of the unaggregated discovery. */
async function legacyResources(ctx: CaseContext): Promise<Set<string>> {
  const out = new Set<string>();
  const core = await ctx.client.request<APIResourceList>({ path: '/api/v1', signal: ctx.signal });
  for (const r of core.resources ?? []) if (!r.name.includes('/')) out.add(`/v1/${r.name}`);
  for (const g of await groups(ctx)) {
    for (const v of g.versions) {
      // A group can vanish between the two requests (another test deleting its CRD).
      const rl = await ctx.client.request<APIResourceList>({ path: `/apis/${v.groupVersion}`, signal: ctx.signal }).catch((err: unknown) => {
        if (isNotFound(err) && g.name.endsWith('.example.com')) return {} as APIResourceList;
        throw err;
      });
      for (const r of rl.resources ?? []) if (!r.name.includes('/')) out.add(`${g.name}/${v.version}/${r.name}`);
    }
  }
  return out;
}

async function expectAggregatedHasAll(ctx: CaseContext): Promise<void> {
  ctx.step('Requesting aggregated discovery for /api and /apis');
  const core = await aggregated(ctx, '/api');
  const named = await aggregated(ctx, '/apis');
  for (const [p, d] of [['/api', core], ['/apis', named]] as const) {
    expectEqual(d.doc.kind, 'APIGroupDiscoveryList', `kind of the aggregated discovery document at ${p}`);
  }
  const have = new Set([...aggregatedResources(core.doc), ...aggregatedResources(named.doc)]);
  ctx.step('Comparing with the unaggregated discovery documents');
  const want = await legacyResources(ctx);
  // Built-in resources only: CRDs of concurrently running tests come and go.
  const missing = [...want].filter((r) => !r.split("/")[0]!.endsWith(".example.com") && !have.has(r));
  if (missing.length) fail(`aggregated discovery is missing ${missing.length} built-in resource(s): ${missing.slice(0, 20).join(', ')}`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AM-93',
    codename: '[sig-api-machinery] server version should find the server version [Conformance]',
    async run(ctx) {
      ctx.step('Request ServerVersion');
      const v = await ctx.client.request<{ major?: string; minor?: string; gitVersion?: string }>({ path: '/version', signal: ctx.signal });
      ctx.step('Confirm major version');
      expectTrue(/^\d+$/.test((v.major ?? '').replace(/\+$/, '')), `server major version must be an integer, got ${JSON.stringify(v.major)}`);
      ctx.step('Confirm minor version');
      expectTrue(/^\d+$/.test((v.minor ?? '').replace(/\+$/, '')), `server minor version must be an integer, got ${JSON.stringify(v.minor)}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-47',
    codename: '[sig-api-machinery] Discovery should locate the groupVersion and a resource within each APIGroup [Conformance]',
    async run(ctx) {
      ctx.step('Retrieving the API group list');
      const gs = await groups(ctx);
      expectTrue(gs.length > 0, '/apis returned no API groups');
      for (const g of gs) {
        for (const v of g.versions) {
          ctx.step(`Requesting APIResourceList from "${v.groupVersion}"`);
          const rl = await ctx.client.request<APIResourceList>({ path: `/apis/${v.groupVersion}`, signal: ctx.signal });
          expectEqual(rl.groupVersion, v.groupVersion, `groupVersion of the APIResourceList served at /apis/${v.groupVersion}`);
          expectTrue((rl.resources ?? []).some((r) => r.name !== ''), `no resource found in the APIResourceList for ${v.groupVersion}`);
        }
      }
      const core = await ctx.client.request<APIResourceList>({ path: '/api/v1', signal: ctx.signal });
      expectEqual(core.groupVersion, 'v1', 'groupVersion of /api/v1');
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-48',
    codename: '[sig-api-machinery] Discovery should validate PreferredVersion for each APIGroup [Conformance]',
    async run(ctx) {
      ctx.step('Getting the /apis group list');
      for (const g of await groups(ctx)) {
        if (g.name.endsWith('example.com')) continue;
        ctx.step(`Checking the preferredVersion of ${g.name}`);
        const pv = g.preferredVersion;
        expectTrue(pv, `API group ${g.name} has no preferredVersion`);
        expectTrue(g.versions.some((v) => v.groupVersion === pv.groupVersion && v.version === pv.version), `preferredVersion ${pv.groupVersion} of ${g.name} is not one of its versions`);
        const doc = await ctx.client.request<APIGroup>({ path: `/apis/${g.name}`, signal: ctx.signal });
        expectEqual(doc.preferredVersion?.groupVersion, pv.groupVersion, `preferredVersion served at /apis/${g.name}`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-25',
    codename: '[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface [Conformance]',
    async run(ctx) {
      await expectAggregatedHasAll(ctx);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-27',
    codename: '[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery endpoint Accept headers [Conformance]',
    async run(ctx) {
      for (const path of ['/api', '/apis'] as const) {
        ctx.step(`GET ${path} with Accept: ${AGGREGATED_ACCEPT}`);
        const { doc, contentType } = await aggregated(ctx, path);
        expectTrue(contentType.includes('g=apidiscovery.k8s.io') && contentType.includes('v=v2') && contentType.includes('as=APIGroupDiscoveryList'), `${path}: aggregated request answered with Content-Type ${contentType}`);
        expectEqual(doc.kind, 'APIGroupDiscoveryList', `${path}: kind`);
        ctx.step(`GET ${path} with Accept: application/json`);
        const plain = await ctx.client.request<{ kind?: string }>({ path, signal: ctx.signal });
        expectEqual(plain.kind, path === '/api' ? 'APIVersions' : 'APIGroupList', `${path}: kind without the aggregated Accept header`);
      }
      await expectAggregatedHasAll(ctx);
    },
  }),

  ...(['AM-26', 'AM-28'] as const).map((id) =>
    defineCase(import.meta.url, {
      id,
      codename:
        id === 'AM-26'
          ? '[sig-api-machinery] AggregatedDiscovery should support aggregated discovery interface for CRDs [Conformance]'
          : '[sig-api-machinery] AggregatedDiscovery should support raw aggregated discovery request for CRDs [Conformance]',
      async run(ctx) {
        const crd = await createTestCrd(ctx);
        ctx.step('Waiting for the CRD to appear in aggregated discovery');
        await ctx.waitFor(
          async () => {
            const { doc } = await aggregated(ctx, '/apis');
            return aggregatedResources(doc).has(`${crd.group}/${crd.version}/${crd.plural}`);
          },
          { timeoutMs: 30_000, message: `${crd.plural}.${crd.group}/${crd.version} in the aggregated /apis document` },
        );
      },
    }),
  ),

  defineCase(import.meta.url, {
    id: 'AM-14',
    codename: '[sig-api-machinery] AdmissionWebhook [Privileged:ClusterAdmin] should include webhook resources in discovery documents [Conformance]',
    async run(ctx) {
      await expectDiscovered(ctx, 'admissionregistration.k8s.io', 'v1', ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-37',
    codename: '[sig-api-machinery] CustomResourceDefinition resources [Privileged:ClusterAdmin] should include custom resource definition resources in discovery documents [Conformance]',
    async run(ctx) {
      await expectDiscovered(ctx, 'apiextensions.k8s.io', 'v1', ['customresourcedefinitions']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'AM-83',
    codename: '[sig-api-machinery] Servers with support for Table transformation should return a 406 for a backend which does not implement metadata [Conformance]',
    async run(ctx) {
      ctx.step('Posting a SelfSubjectAccessReview asking for a Table');
      await expectApiError(
        ctx.client.request({
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/', verb: 'get' } } },
          signal: ctx.signal,
        }),
        { code: 406 },
        'Table request to a backend that does not implement metadata',
      );
    },
  }),
];
