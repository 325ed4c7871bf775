/**
 * recordUpdate keeps `metadata.managedFields` current on ordinary (non-apply) writes, with
 * impl/apimachinery's field-ownership bookkeeping; the apply path goes through applyPatch.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager (FieldManager.UpdateNoErrors).
 */
import { updateManagedFields, type PatchMeta } from '#impl/apimachinery/index.ts';
import type { KubeObject } from '../registry/rest/strategy.ts';

/** RecordUpdateOptions describes one write. */
export interface RecordUpdateOptions {
  obj: KubeObject;
  /** The object before the write; undefined on create. */
  old: KubeObject | undefined;
  manager: string;
  apiVersion: string;
  subresource: string;
  /** Top-level fields not tracked for this endpoint (strategy resetFields). */
  resetFields: readonly string[];
  patchMeta: PatchMeta | undefined;
  now: Date;
}

/** recordUpdate sets `o.obj.metadata.managedFields` in place. */
export function recordUpdate(o: RecordUpdateOptions): void {
  const { object } = updateManagedFields({
    live: o.old,
    updated: o.obj,
    manager: o.manager || 'unknown',
    schema: o.patchMeta,
    apiVersion: o.apiVersion,
    subresource: o.subresource || undefined,
    ignoredFields: o.resetFields.map((f) => [f]),
    now: o.now,
  });
  const mf = (object.metadata as { managedFields?: object[] } | undefined)?.managedFields;
  if (mf && mf.length) o.obj.metadata.managedFields = mf;
  else delete o.obj.metadata.managedFields;
}
