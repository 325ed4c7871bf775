/**
 * Discovery documents: legacy (`/api`, `/apis`, `/api/v1`, `/apis/G`, `/apis/G/V`) and
 * aggregated (`APIGroupDiscoveryList`, apidiscovery.k8s.io v2 and v2beta1).
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/discovery/ (legacy) and
 * discovery/aggregated/handler.go (aggregated).
 */
import { createHash } from 'node:crypto';
import type { ApiRegistry, ServedResource } from './api-registry.ts';

/** apiVersions renders `/api` (APIVersions). */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

/** apiGroupList renders `/apis` (APIGroupList). */
export function apiGroupList(reg: ApiRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: reg.groups().filter((g) => g.name !== '').map((g) => groupDoc(g.name, g.versions)),
  };
}

/** apiGroup renders `/apis/G` (APIGroup), or undefined when the group is not served. */
export function apiGroup(reg: ApiRegistry, group: string): Record<string, unknown> | undefined {
  const g = reg.groups().find((x) => x.name === group);
  if (!g || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.name, g.versions) };
}

function storageVersionHash(r: ServedResource): string {
  return createHash('sha256').update(`${r.entry.group}/${r.entry.version}/${r.entry.kind}`).digest('base64').slice(0, 11);
}

/** apiResourceList renders `/api/v1` or `/apis/G/V` (APIResourceList), or undefined when not served. */
export function apiResourceList(reg: ApiRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const rs = reg.resources(group, version);
  if (rs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of rs) {
    const e = r.entry;
    const main: Record<string, unknown> = { name: e.resource, singularName: e.singular, namespaced: e.namespaced, kind: e.kind, verbs: e.verbs };
    if (e.shortNames.length) main.shortNames = e.shortNames;
    if (e.categories.length) main.categories = e.categories;
    if (r.store) main.storageVersionHash = storageVersionHash(r);
    resources.push(main);
    for (const s of e.subresources) {
      const sub: Record<string, unknown> = { name: `${e.resource}/${s.name}`, singularName: '', namespaced: e.namespaced };
      if (s.group !== e.group || s.version !== e.version) {
        sub.group = s.group;
        sub.version = s.version;
      }
      sub.kind = s.kind;
      sub.verbs = s.verbs;
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`, resources };
}

function discoveryResource(r: ServedResource): Record<string, unknown> {
  const e = r.entry;
  const out: Record<string, unknown> = {
    resource: e.resource,
    responseKind: { group: e.group, version: e.version, kind: e.kind },
    scope: e.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: e.singular,
    verbs: e.verbs,
  };
  if (e.shortNames.length) out.shortNames = e.shortNames;
  if (e.categories.length) out.categories = e.categories;
  if (e.subresources.length) {
    out.subresources = e.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return out;
}

/**
 * aggregatedDiscovery renders the APIGroupDiscoveryList for `/api` (core only) or `/apis`
 * (every other group), in the requested apidiscovery version.
 */
export function aggregatedDiscovery(reg: ApiRegistry, legacy: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  for (const g of reg.groups()) {
    if ((g.name === '') !== legacy) continue;
    items.push({
      metadata: g.name === '' ? { creationTimestamp: null } : { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: reg.resources(g.name, v).map(discoveryResource),
        freshness: 'Current',
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** aggregatedContentType is the Content-Type of an aggregated discovery response. */
export function aggregatedContentType(version: 'v2' | 'v2beta1'): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}
