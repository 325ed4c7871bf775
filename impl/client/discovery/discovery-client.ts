/**
 * The discovery client (client-go `discovery`): which resources the server serves, in their
 * preferred versions, with scope and verbs. The namespace controller deletes every namespaced
 * resource it finds here and the garbage collector watches every deletable one, so CRDs are
 * picked up as soon as they are served.
 */
import type { RestClient } from '../rest-client.ts';

/** APIResourceInfo is one resource from an `APIResourceList` plus its group and version. */
export interface APIResourceInfo {
  group: string;
  version: string;
  /** Plural name, e.g. `pods`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** DiscoveryResult is the resources found and the group-versions that failed (client-go `ErrGroupDiscoveryFailed`). */
export interface DiscoveryResult {
  resources: APIResourceInfo[];
  /** groupVersion -> error, for group-versions whose resource list could not be read. */
  failed: Map<string, Error>;
}

/** DiscoveryInterface lists the server's preferred resources. */
export interface DiscoveryInterface {
  serverPreferredResources(signal?: AbortSignal): Promise<DiscoveryResult>;
}

/** discoveryFailedMessage renders a partial failure like upstream `ErrGroupDiscoveryFailed.Error()`. */
export function discoveryFailedMessage(failed: ReadonlyMap<string, Error>): string {
  const parts = [...failed.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([gv, err]) => `${gv}: ${err.message}`);
  return `unable to retrieve the complete list of server APIs: ${parts.join(', ')}`;
}

/** supportsAllVerbs keeps resources that have every verb in `verbs` (client-go `discovery.SupportsAllVerbs`). */
export function supportsAllVerbs(resources: readonly APIResourceInfo[], verbs: readonly string[]): APIResourceInfo[] {
  return resources.filter((r) => verbs.every((v) => r.verbs.includes(v)));
}

interface APIResourceList {
  groupVersion?: string;
  resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }>;
}

/** newDiscoveryClient reads `/api`, `/apis` and each preferred group-version's resource list. */
export function newDiscoveryClient(rest: RestClient): DiscoveryInterface {
  return {
    async serverPreferredResources(signal) {
      const gvs: Array<{ group: string; version: string }> = [];
      const core = await rest.request<{ versions?: string[] }>({ path: '/api', signal });
      for (const v of core?.versions?.slice(0, 1) ?? []) gvs.push({ group: '', version: v });
      const groups = await rest.request<{ groups?: Array<{ name: string; preferredVersion?: { version: string }; versions?: Array<{ version: string }> }> }>({ path: '/apis', signal });
      for (const g of groups?.groups ?? []) {
        const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
        if (version) gvs.push({ group: g.name, version });
      }
      const resources: APIResourceInfo[] = [];
      const failed = new Map<string, Error>();
      await Promise.all(
        gvs.map(async ({ group, version }) => {
          const gv = group === '' ? version : `${group}/${version}`;
          try {
            const list = await rest.request<APIResourceList>({ path: group === '' ? `/api/${version}` : `/apis/${group}/${version}`, signal });
            for (const r of list?.resources ?? []) {
              if (r.name.includes('/')) continue; // subresources
              resources.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
            }
          } catch (err) {
            failed.set(gv, err instanceof Error ? err : new Error(String(err)));
          }
        }),
      );
      resources.sort((a, b) => (`${a.group}/${a.resource}` < `${b.group}/${b.resource}` ? -1 : 1));
      return { resources, failed };
    },
  };
}

/** staticDiscovery serves a fixed list (tests). */
export function staticDiscovery(resources: APIResourceInfo[], failed: Map<string, Error> = new Map()): DiscoveryInterface {
  return { serverPreferredResources: () => Promise.resolve({ resources, failed }) };
}
