/**
 * applyPatch applies one PATCH body to the current object: JSON patch (RFC 6902), JSON merge
 * patch (RFC 7386), strategic merge patch driven by the schema's `x-kubernetes-patch-*` /
 * `x-kubernetes-list-*` extensions, or server-side apply (managedFields and conflicts).
 * The algorithms live in impl/apimachinery; this adapts them to the handler.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go (patcher.applyPatch).
 */
import { parseYaml } from '#impl/apimachinery/util/yaml/index.ts';
import {
  applyJSONPatch,
  applyMergePatch,
  apply as serverSideApply,
  badRequest,
  notFound,
  StatusError,
  strategicMergePatch,
  type PatchMeta,
} from '#impl/apimachinery/index.ts';
import { isObject } from '../schema/structural.ts';
import type { KubeObject } from '../registry/rest/strategy.ts';

/** PatchKind is the decoded Content-Type of a PATCH. */
export type PatchKind = 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

/** PatchRequest is one patch to apply to the current object. */
export interface PatchRequest {
  kind: PatchKind;
  patch: Buffer;
  /** The current object, undefined when it does not exist (apply creates). */
  old: KubeObject | undefined;
  /** Patch meta of the kind (list merge keys, list/map types); undefined = untyped JSON. */
  patchMeta: PatchMeta | undefined;
  manager: string;
  force: boolean;
  apiVersion: string;
  objectKind: string;
  /** Group and resource, for NotFound. */
  group: string;
  resource: string;
  name: string;
  namespace: string;
  now: Date;
  subresource: string;
  /** Top-level fields whose ownership this endpoint does not track (strategy resetFields). */
  resetFields: readonly string[];
}

/** LAST_APPLIED_ANNOTATION is kubectl's client-side apply record. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const CLIENT_SIDE_APPLY_MANAGERS = new Set(['kubectl-client-side-apply', 'before-first-apply']);

/**
 * upgradesClientSideApply tells whether an apply conflict only involves client-side-apply
 * ownership of an object that has a last-applied configuration (upstream
 * fieldmanager/internal/lastappliedmanager.go allows those conflicts).
 */
function upgradesClientSideApply(err: unknown, live: KubeObject | undefined): boolean {
  if (!(err instanceof StatusError) || err.reason !== 'Conflict') return false;
  if (!live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION]) return false;
  const causes = err.status.details?.causes ?? [];
  if (causes.length === 0) return false;
  return causes.every((c) => {
    const m = /conflict with "([^"]+)"/.exec(c.message ?? '');
    return m !== null && CLIENT_SIDE_APPLY_MANAGERS.has(m[1]!);
  });
}

/** applyPatch returns the patched object (a new value; `old` is not modified). */
export async function applyPatch(p: PatchRequest): Promise<KubeObject> {
  const text = p.patch.toString('utf8');
  if (p.kind === 'apply-patch') {
    let cfg: unknown;
    try {
      cfg = parseYaml(text);
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
    if (!isObject(cfg)) throw badRequest('apply patch must be an object');
    const meta = (cfg.metadata ?? {}) as Record<string, unknown>;
    if (meta.name !== undefined && meta.name !== p.name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${p.name})`);
    if (cfg.apiVersion !== undefined && cfg.apiVersion !== p.apiVersion) throw badRequest(`the API version in the data (${String(cfg.apiVersion)}) does not match the expected API version (${p.apiVersion})`);
    if (cfg.kind !== undefined && cfg.kind !== p.objectKind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${p.objectKind}): ${String(cfg.kind)} in version "${p.apiVersion}" cannot be handled as a ${p.objectKind}`);
    }
    const run = (force: boolean) =>
      serverSideApply({
        live: p.old,
        applied: cfg,
        manager: p.manager,
        force,
        schema: p.patchMeta,
        apiVersion: p.apiVersion,
        subresource: p.subresource || undefined,
        ignoredFields: p.resetFields.map((f) => [f]),
        now: p.now,
      });
    let object;
    try {
      ({ object } = run(p.force));
    } catch (err) {
      if (!upgradesClientSideApply(err, p.old)) throw err;
      // upstream lastappliedmanager: fields a `kubectl apply` (client-side) owns move to the
      // server-side applier without conflicts when the object carries a last-applied configuration.
      ({ object } = run(true));
    }
    const out = object as KubeObject;
    out.apiVersion = p.apiVersion;
    out.kind = p.objectKind;
    out.metadata ??= {};
    out.metadata.name = p.name;
    if (p.namespace) out.metadata.namespace = p.namespace;
    return out;
  }
  if (!p.old) throw notFound({ group: p.group, resource: p.resource }, p.name);
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
  switch (p.kind) {
    case 'json-patch':
      return applyJSONPatch<KubeObject>(p.old, patch);
    case 'merge-patch':
      return applyMergePatch<KubeObject>(p.old, patch);
    case 'strategic-merge-patch':
      return strategicMergePatch(p.old, patch, { schema: p.patchMeta }) as KubeObject;
  }
}
