/**
 * Helpers for the many upstream "should support <Kind> API operations" specs: discovery of
 * the group/version/resource, then create, get, list, watch, patch, update, (status), delete
 * and deletecollection, each checked for its visible effect.
 */
import type { KubeObject, ResourceClient } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';
import { expectApiError, expectEqual, expectTrue, fail } from './expect.ts';
import { WatchRecorder } from './watch-recorder.ts';

/** APIResourceLike is one entry of an APIResourceList. */
interface APIResourceLike { name: string; namespaced?: boolean; kind?: string; verbs?: string[] }

/**
 * expectDiscovered checks `/apis` (or `/api`) lists the group/version and the version
 * document lists each resource (including subresources such as `ingresses/status`).
 */
export async function expectDiscovered(ctx: CaseContext, group: string, version: string, resources: string[]): Promise<APIResourceLike[]> {
  if (group === '') {
    ctx.step('getting /api');
    const api = await ctx.client.request<{ versions?: string[] }>({ path: '/api', signal: ctx.signal });
    expectTrue(api.versions?.includes(version), `/api does not list version ${version}: ${JSON.stringify(api.versions)}`);
  } else {
    ctx.step('getting /apis');
    const apis = await ctx.client.request<{ groups?: Array<{ name: string; versions: Array<{ groupVersion: string }> }> }>({ path: '/apis', signal: ctx.signal });
    const g = apis.groups?.find((x) => x.name === group);
    expectTrue(g, `/apis discovery document does not list group ${group}`);
    expectTrue(g.versions.some((v) => v.groupVersion === `${group}/${version}`), `/apis group ${group} does not list version ${group}/${version}`);
    ctx.step(`getting /apis/${group}`);
    const gd = await ctx.client.request<{ versions?: Array<{ groupVersion: string }> }>({ path: `/apis/${group}`, signal: ctx.signal });
    expectTrue(gd.versions?.some((v) => v.groupVersion === `${group}/${version}`), `/apis/${group} does not list ${group}/${version}`);
  }
  const gvPath = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  ctx.step(`getting ${gvPath}`);
  const list = await ctx.client.request<{ groupVersion?: string; resources?: APIResourceLike[] }>({ path: gvPath, signal: ctx.signal });
  for (const r of resources) {
    expectTrue(list.resources?.some((x) => x.name === r), `${gvPath} discovery document does not list resource ${r}`);
  }
  return list.resources ?? [];
}

/** ApiOperationsSpec describes the resource under test. */
export interface ApiOperationsSpec {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
  /** Builds an object with the given name and labels. */
  make(name: string, labels: Record<string, string>): KubeObject;
  /** When set, /status is exercised: a merge patch body and a mutation for update. */
  status?: { patch: KubeObject; update: (o: KubeObject) => KubeObject; check: (o: KubeObject, phase: 'patched' | 'updated') => string | undefined };
  /** Number of objects to create (default 3). */
  count?: number;
}

/**
 * verifyApiOperations runs the upstream full verb set (create, get, list, watch, patch,
 * update, delete, deletecollection, and optionally status get/patch/update).
 */
export async function verifyApiOperations(ctx: CaseContext, spec: ApiOperationsSpec): Promise<void> {
  const { group, version, resource } = spec;
  await expectDiscovered(ctx, group, version, spec.status ? [resource, `${resource}/status`] : [resource]);
  const label = { 'e2e-test': `${resource}-${ctx.uid}` };
  const selector = `e2e-test=${label['e2e-test']}`;
  const client: ResourceClient = spec.namespaced ? ctx.api(group, version, resource, true) : ctx.api(group, version, resource);
  const all = ctx.api(group, version, resource);
  const names: string[] = [];
  if (!spec.namespaced) {
    ctx.defer(() => all.deleteCollection({ labelSelector: selector }).catch(() => undefined));
  }
  ctx.step('creating');
  for (let i = 0; i < (spec.count ?? 3); i++) {
    const name = `${resource.replace(/s$/, '').replace(/[^a-z0-9-]/g, '')}-${ctx.uid}-${i}`.slice(0, 63);
    const created = await client.create(spec.make(name, label));
    expectEqual(created.metadata?.name, name, `created ${resource} name`);
    names.push(name);
  }
  ctx.step('getting');
  const got = await client.get(names[0]!);
  expectEqual(got.metadata?.uid !== undefined, true, `get ${resource}/${names[0]} returns a uid`);
  ctx.step('listing');
  const listed = await client.list({ labelSelector: selector });
  expectEqual(listed.items.length, names.length, `number of ${resource} listed with selector ${selector}`);
  ctx.step('watching');
  const w = new WatchRecorder(resource, client.watch({ labelSelector: selector, resourceVersion: listed.metadata.resourceVersion, signal: ctx.signal }));
  ctx.defer(() => w.stop());
  if (spec.namespaced) {
    ctx.step('cluster-wide listing');
    const cl = await all.list({ labelSelector: selector });
    expectEqual(cl.items.length, names.length, `number of ${resource} listed across all namespaces with selector ${selector}`);
  }
  ctx.step('patching');
  const patched = await client.patch(names[0]!, { metadata: { annotations: { patched: 'true' } } }, { type: 'merge' });
  expectEqual(patched.metadata?.annotations?.patched, 'true', `patched annotation on ${resource}/${names[0]}`);
  await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.metadata?.name === names[0] && e.object.metadata?.annotations?.patched === 'true', `MODIFIED (patched) ${names[0]}`);
  // Not an upstream step: upstream's update relies on optimistic concurrency implicitly (its
  // helpers retry on Conflict); this makes the guarantee explicit so a server that ignores
  // resourceVersion preconditions fails here (issue #7, acceptance 4).
  ctx.step('updating with a stale resourceVersion is rejected with 409 Conflict');
  const stale = { ...got, metadata: { ...got.metadata, annotations: { ...got.metadata?.annotations, stale: 'true' } } };
  await expectApiError(
    client.update(stale),
    { code: 409, reason: 'Conflict' },
    `optimistic concurrency: update of ${resource}/${names[0]} with stale resourceVersion ${got.metadata?.resourceVersion} (the object was patched since)`,
  );
  ctx.step('updating');
  const fresh = await client.get(names[0]!);
  fresh.metadata = { ...fresh.metadata, annotations: { ...fresh.metadata?.annotations, updated: 'true' } };
  const updated = await client.update(fresh);
  expectEqual(updated.metadata?.annotations?.updated, 'true', `updated annotation on ${resource}/${names[0]}`);
  await w.waitForEvent((e) => e.type === 'MODIFIED' && e.object.metadata?.name === names[0] && e.object.metadata?.annotations?.updated === 'true', `MODIFIED (updated) ${names[0]}`);
  if (spec.status) {
    ctx.step('getting /status');
    const st = await client.get(names[0]!, { subresource: 'status' });
    expectEqual(st.metadata?.name, names[0], `${resource}/status name`);
    ctx.step('patching /status');
    const sp = await client.patch(names[0]!, spec.status.patch, { type: 'merge', subresource: 'status' });
    const p1 = spec.status.check(sp, 'patched');
    if (p1) fail(`patch ${resource}/status: ${p1}`);
    ctx.step('updating /status');
    const cur = await client.get(names[0]!, { subresource: 'status' });
    const su = await client.update(spec.status.update(cur), { subresource: 'status' });
    const p2 = spec.status.check(su, 'updated');
    if (p2) fail(`update ${resource}/status: ${p2}`);
  }
  ctx.step('deleting');
  await client.delete(names[1]!);
  await w.waitForEvent((e) => e.type === 'DELETED' && e.object.metadata?.name === names[1], `DELETED ${names[1]}`);
  await ctx.waitFor(async () => (await client.list({ labelSelector: selector })).items.length === names.length - 1, { timeoutMs: 30_000, message: `${resource}/${names[1]} to be gone` });
  await expectApiError(client.get(names[1]!), { code: 404 }, `get deleted ${resource}/${names[1]}`);
  ctx.step('deleting a collection');
  await client.deleteCollection({ labelSelector: selector });
  await ctx.waitFor(async () => (await client.list({ labelSelector: selector })).items.length === 0, {
    timeoutMs: 30_000,
    message: `all ${resource} with ${selector} to be deleted by deletecollection`,
  });
}
