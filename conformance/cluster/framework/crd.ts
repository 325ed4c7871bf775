/**
 * CRD fixtures like upstream `test/e2e/framework/... fixtures.CreateTestCRD`: a random
 * group under example.com, a namespaced kind, and a wait until the new resource is served.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import { isNotFound } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';

/** TestCrd is a created CRD and a client for its custom resources. */
export interface TestCrd {
  crd: KubeObject;
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** Namespaced CR client in the case namespace for `version`. */
  resources(version?: string): ResourceClient;
}

const crds = (ctx: CaseContext): ResourceClient => ctx.api('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');

/** defaultSchema preserves unknown fields (a CRD "without validation schema"). */
export const preserveUnknownSchema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };

/** crdObject builds a CRD manifest. */
export function crdObject(opts: {
  group: string;
  plural: string;
  kind: string;
  versions?: KubeObject[];
  scope?: 'Namespaced' | 'Cluster';
  labels?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${opts.plural}.${opts.group}`, labels: opts.labels },
    spec: {
      group: opts.group,
      scope: opts.scope ?? 'Namespaced',
      names: { plural: opts.plural, singular: opts.kind.toLowerCase(), kind: opts.kind, listKind: `${opts.kind}List` },
      versions: opts.versions ?? [{ name: 'v1', served: true, storage: true, schema: preserveUnknownSchema }],
    },
  };
}

/** randomNames returns a fresh group, plural and kind. */
export function randomNames(ctx: CaseContext, base = 'e2e-test-crd'): { group: string; plural: string; kind: string } {
  const suffix = ctx.uniqueName('x').slice(2);
  return { group: `${base}-${suffix}.example.com`.replace(/^e2e-test-/, 'e2e-'), plural: `${base.replace(/-/g, '')}${suffix}s`, kind: `E2eTestCrd${suffix}` };
}

/** waitForServed waits until `/apis/<group>/<version>` lists `plural`. */
export async function waitForServed(ctx: CaseContext, group: string, version: string, plural: string): Promise<void> {
  await ctx.waitFor(
    async () => {
      try {
        const rl = await ctx.client.request<{ resources?: Array<{ name: string }> }>({ path: `/apis/${group}/${version}`, signal: ctx.signal });
        return rl.resources?.some((r) => r.name === plural) ?? false;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    { timeoutMs: 30_000, intervalMs: 250, message: `custom resource ${plural}.${group}/${version} to be served (CRD established)` },
  );
}

/** createTestCrd creates a CRD (deleted after the case) and waits until it is served. */
export async function createTestCrd(ctx: CaseContext, opts: { versions?: KubeObject[]; labels?: Record<string, string>; scope?: 'Namespaced' | 'Cluster'; base?: string } = {}): Promise<TestCrd> {
  const n = randomNames(ctx, opts.base);
  const manifest = crdObject({ ...n, versions: opts.versions, labels: opts.labels, scope: opts.scope });
  ctx.step(`Creating CustomResourceDefinition ${manifest.metadata!.name}`);
  const crd = await crds(ctx).create(manifest);
  ctx.defer(() => crds(ctx).delete(manifest.metadata!.name!).catch(() => undefined));
  const served = (manifest.spec.versions as KubeObject[]).filter((v) => v.served);
  for (const v of served) await waitForServed(ctx, n.group, v.name, n.plural);
  const storage = (manifest.spec.versions as KubeObject[]).find((v) => v.storage)?.name ?? 'v1';
  return {
    crd,
    ...n,
    version: storage,
    resources: (version = storage) =>
      opts.scope === 'Cluster' ? ctx.api(n.group, version, n.plural) : ctx.api(n.group, version, n.plural, true),
  };
}

/** crdClient returns the CRD resource client. */
export { crds as crdClient };
