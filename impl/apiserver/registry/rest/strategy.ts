/**
 * Strategy interfaces the generic registry `Store` calls: one small method per decision, with
 * upstream names.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/registry/rest/{create,update,delete}.go
 * (RESTCreateStrategy, RESTUpdateStrategy, RESTDeleteStrategy, RESTGracefulDeleteStrategy).
 */
import type { FieldError } from '#impl/apimachinery/index.ts';

/** KubeObject is a Kubernetes object as JSON; the store reads only metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaLike;
  // Objects are open JSON; strategies narrow them with the generated types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
}

/** ObjectMetaLike is the subset of ObjectMeta the generic code reads and writes. */
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<Record<string, unknown>>;
  managedFields?: object[];
  selfLink?: string;
  [k: string]: unknown;
}

/** UserInfo is the authenticated user of a request. */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** RequestContext carries per-request facts into the registry (the Go `ctx`). */
export interface RequestContext {
  /** The request namespace ('' for cluster-scoped). */
  namespace: string;
  user?: UserInfo;
  signal?: AbortSignal;
  /** Warnings to send as `Warning: 299 - "..."` headers. */
  warnings: string[];
  /** The group/version the client used (for managedFields apiVersion and responses). */
  apiVersion?: string;
}

/** DeleteOptionsLike is the subset of meta/v1 DeleteOptions the store honours. */
export interface DeleteOptionsLike {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/** RESTCreateStrategy decides how objects are created (upstream rest.RESTCreateStrategy). */
export interface RESTCreateStrategy {
  /** namespaceScoped is true for namespaced resources. */
  namespaceScoped: boolean;
  /** prepareForCreate clears fields that are not allowed on create (e.g. status) and sets defaults. */
  prepareForCreate(ctx: RequestContext, obj: KubeObject): void;
  /** validate returns field errors of a new object (metadata is validated generically). */
  validate(ctx: RequestContext, obj: KubeObject): FieldError[];
  /** warningsOnCreate returns warnings for the client. */
  warningsOnCreate?(ctx: RequestContext, obj: KubeObject): string[];
  /** canonicalize normalizes the object after validation. */
  canonicalize?(obj: KubeObject): void;
}

/** RESTUpdateStrategy decides how objects are updated (upstream rest.RESTUpdateStrategy). */
export interface RESTUpdateStrategy {
  namespaceScoped: boolean;
  /** allowCreateOnUpdate: PUT of a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** allowUnconditionalUpdate: PUT without metadata.resourceVersion is allowed. */
  allowUnconditionalUpdate: boolean;
  /** prepareForUpdate copies fields the request may not change (status on main resource writes, spec on status writes). */
  prepareForUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void;
  validateUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): FieldError[];
  warningsOnUpdate?(ctx: RequestContext, obj: KubeObject, old: KubeObject): string[];
  canonicalize?(obj: KubeObject): void;
}

/** RESTDeleteStrategy decides how objects are deleted (upstream rest.RESTDeleteStrategy + RESTGracefulDeleteStrategy). */
export interface RESTDeleteStrategy {
  /**
   * checkGracefulDelete returns true when the object should be deleted gracefully, and may set
   * `options.gracePeriodSeconds` (pods: spec.terminationGracePeriodSeconds, 0 when unscheduled).
   */
  checkGracefulDelete?(ctx: RequestContext, obj: KubeObject, options: DeleteOptionsLike): boolean;
  /** defaultGarbageCollectionPolicy is the propagation policy when the request gives none. */
  defaultGarbageCollectionPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

/** Strategy is what a resource contributes: create, update and delete decisions plus presentation. */
export interface Strategy extends RESTCreateStrategy, RESTUpdateStrategy, RESTDeleteStrategy {
  /**
   * setDefaults defaults a decoded object before admission sees it (upstream's scheme defaulters,
   * `SetDefaults_<Kind>`), after the OpenAPI `default` values.
   */
  setDefaults?(obj: KubeObject): void;
  /** fieldSelectorAttrs returns the fields a field selector may use (metadata.name/namespace are added). */
  fieldSelectorAttrs?(obj: KubeObject): Record<string, string>;
  /**
   * hasSpecGeneration: the default prepareForUpdate bumps metadata.generation when `spec` changes
   * (true for resources whose schema has a spec).
   */
  hasSpecGeneration?: boolean;
  /** resetFields are the top-level fields this strategy wipes on writes (`status` or `spec`), for server-side apply. */
  resetFields?: string[];
}
