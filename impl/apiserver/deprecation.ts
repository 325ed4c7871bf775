/**
 * Deprecated built-in resources and the warning upstream adds to every request for them
 * (`Warning: 299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"`).
 *
 * upstream: the `+k8s:prerelease-lifecycle-gen:deprecated` / `APILifecycleDeprecated` markers on the
 * types, turned into the text by staging/src/k8s.io/apiserver/pkg/endpoints/deprecation
 * (`%s %s is deprecated in v%d.%d+` and `; use %s %s` when a replacement is named). The generated
 * resource table does not carry the markers, so the served deprecated kinds of v1.35 are listed here.
 */

/** DeprecatedResource is one deprecated group/version/resource. */
export interface DeprecatedResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** Release that deprecated it: [major, minor]. */
  deprecatedIn: [number, number];
  /** Replacement `group/version Kind`, when upstream names one. */
  replacement?: string;
}

/** DEPRECATED_RESOURCES are the deprecated resources kubets serves (GA ones; none of the served beta APIs are deprecated in v1.35). */
export const DEPRECATED_RESOURCES: readonly DeprecatedResource[] = [
  { group: '', version: 'v1', resource: 'endpoints', kind: 'Endpoints', deprecatedIn: [1, 33], replacement: 'discovery.k8s.io/v1 EndpointSlice' },
  { group: '', version: 'v1', resource: 'componentstatuses', kind: 'ComponentStatus', deprecatedIn: [1, 19] },
];

const byKey = new Map(DEPRECATED_RESOURCES.map((d) => [`${d.group}/${d.version}/${d.resource}`, d]));

/** deprecationWarning is the warning text for a request to group/version/resource, or undefined when it is not deprecated. */
export function deprecationWarning(group: string, version: string, resource: string): string | undefined {
  const d = byKey.get(`${group}/${version}/${resource}`);
  if (!d) return undefined;
  const gv = d.group === '' ? d.version : `${d.group}/${d.version}`;
  const head = `${gv} ${d.kind} is deprecated in v${d.deprecatedIn[0]}.${d.deprecatedIn[1]}+`;
  return d.replacement ? `${head}; use ${d.replacement}` : head;
}
