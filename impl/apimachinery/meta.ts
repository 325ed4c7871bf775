/**
 * Small object-metadata helpers shared by every component, after upstream
 * `k8s.io/apimachinery/pkg/api/meta`, `pkg/apis/meta/v1` (controller refs), client-go's
 * `MetaNamespaceKeyFunc` and apiserver's `names.SimpleNameGenerator`.
 */
import type { ObjectMeta, OwnerReference } from '#generated/k8s/index.ts';
import type { GroupKind, GroupResource } from './errors.ts';

/** An object with (optional) type and object metadata, as every Kubernetes object has. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** GroupVersion is an API group ('' for core) and version. */
export interface GroupVersion {
  group: string;
  version: string;
}

/** GroupVersionKind identifies a kind in a version of a group. */
export interface GroupVersionKind extends GroupVersion {
  kind: string;
}

/** qualifiedResource returns `{ group, resource }` (upstream schema.GroupResource). */
export function qualifiedResource(group: string, resource: string): GroupResource {
  return { group, resource };
}

/** qualifiedKind returns `{ group, kind }` (upstream schema.GroupKind). */
export function qualifiedKind(group: string, kind: string): GroupKind {
  return { group, kind };
}

/** parseGroupVersion splits `apps/v1` into `{ group: 'apps', version: 'v1' }` and `v1` into `{ group: '', version: 'v1' }`. */
export function parseGroupVersion(apiVersion: string): GroupVersion {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** groupVersionString renders `group/version`, or just `version` for the core group. */
export function groupVersionString(gv: GroupVersion): string {
  return gv.group === '' ? gv.version : `${gv.group}/${gv.version}`;
}

/** groupVersionKindOf reads apiVersion and kind of an object. */
export function groupVersionKindOf(obj: KubeObject): GroupVersionKind {
  return { ...parseGroupVersion(obj.apiVersion ?? ''), kind: obj.kind ?? '' };
}

/** metaOf returns the object's metadata, creating an empty one if missing. */
export function metaOf(obj: KubeObject): ObjectMeta {
  obj.metadata ??= {};
  return obj.metadata;
}

/** nameOf returns `metadata.name` or ''. */
export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? '';
}

/** namespaceOf returns `metadata.namespace` or ''. */
export function namespaceOf(obj: KubeObject): string {
  return obj.metadata?.namespace ?? '';
}

/** metaNamespaceKey returns `namespace/name`, or `name` for cluster-scoped objects (client-go MetaNamespaceKeyFunc). */
export function metaNamespaceKey(obj: KubeObject): string {
  const ns = namespaceOf(obj);
  return ns === '' ? nameOf(obj) : `${ns}/${nameOf(obj)}`;
}

/** splitMetaNamespaceKey splits a key from {@link metaNamespaceKey}; throws on more than one '/'. */
export function splitMetaNamespaceKey(key: string): { namespace: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { namespace: '', name: parts[0]! };
  if (parts.length === 2) return { namespace: parts[0]!, name: parts[1]! };
  throw new Error(`unexpected key format: ${JSON.stringify(key)}`);
}

/** isBeingDeleted is true once `metadata.deletionTimestamp` is set. */
export function isBeingDeleted(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp;
}

/** hasFinalizer reports whether the object lists `finalizer`. */
export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata?.finalizers?.includes(finalizer) ?? false;
}

/** addFinalizer adds `finalizer` if missing; returns whether the object changed. */
export function addFinalizer(obj: KubeObject, finalizer: string): boolean {
  if (hasFinalizer(obj, finalizer)) return false;
  const m = metaOf(obj);
  m.finalizers = [...(m.finalizers ?? []), finalizer];
  return true;
}

/** removeFinalizer removes `finalizer`; returns whether the object changed. */
export function removeFinalizer(obj: KubeObject, finalizer: string): boolean {
  if (!hasFinalizer(obj, finalizer)) return false;
  const m = metaOf(obj);
  m.finalizers = (m.finalizers ?? []).filter((f) => f !== finalizer);
  if (m.finalizers.length === 0) delete m.finalizers;
  return true;
}

/**
 * newControllerRef returns an owner reference marking `owner` as the managing controller, with
 * `blockOwnerDeletion: true` (upstream metav1.NewControllerRef).
 */
export function newControllerRef(owner: KubeObject, gvk: GroupVersionKind): OwnerReference {
  return {
    apiVersion: groupVersionString(gvk),
    kind: gvk.kind,
    name: nameOf(owner),
    uid: owner.metadata?.uid ?? '',
    blockOwnerDeletion: true,
    controller: true,
  };
}

/** getControllerOf returns the owner reference with `controller: true`, if any (upstream GetControllerOf). */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** isControlledBy reports whether `owner` (by uid) is the controller of `obj` (upstream IsControlledBy). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(obj);
  return !!ref && !!owner.metadata?.uid && ref.uid === owner.metadata.uid;
}

/** hasOwnerReference reports whether any owner reference points at `uid`. */
export function hasOwnerReference(obj: KubeObject, uid: string): boolean {
  return obj.metadata?.ownerReferences?.some((r) => r.uid === uid) ?? false;
}

const NAME_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
/** MAX_GENERATED_NAME_LENGTH is 63 - 5 random characters (upstream names.MaxGeneratedNameLength). */
export const MAX_GENERATED_NAME_LENGTH = 58;

/**
 * generateName appends 5 random characters from upstream's alphabet to `base` (truncated to 58
 * characters), as the apiserver does for `metadata.generateName`. `random` returns [0, 1).
 */
export function generateName(base: string, random: () => number = Math.random): string {
  const b = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHANUMS[Math.floor(random() * NAME_ALPHANUMS.length)];
  return b + suffix;
}
