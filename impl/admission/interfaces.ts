/**
 * Admission contracts: the attributes of one write, and the mutating/validating plugin
 * interfaces the chain calls.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/interfaces.go (Attributes,
 * MutationInterface, ValidationInterface, Handler.Handles)
 */
import { forbidden, type StatusError } from '#impl/apimachinery/index.ts';
import type { UserInfo } from '#impl/auth/user/user.ts';

/** OPERATIONS are the admission operations. */
export const OPERATIONS = { create: 'CREATE', update: 'UPDATE', delete: 'DELETE', connect: 'CONNECT' } as const;
export type Operation = (typeof OPERATIONS)[keyof typeof OPERATIONS];

/** AdmissionObject is any Kubernetes object as JSON. */
export interface AdmissionObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string | null;
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
  // Objects are open JSON; plugins narrow them with the generated types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
}

/**
 * AdmissionAttributes describes one write (upstream admission.Attributes). Mutating plugins may
 * change `object` in place (or replace it); validating plugins must not. `warnings` become
 * `Warning` headers; `auditAnnotations` go to the audit event.
 */
export interface AdmissionAttributes {
  operation: Operation;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subresource: string;
  namespace: string;
  /** Object name ('' on create with generateName). */
  name: string;
  object?: AdmissionObject;
  oldObject?: AdmissionObject;
  /** CreateOptions/UpdateOptions/DeleteOptions of the request. */
  options?: Record<string, unknown>;
  userInfo: UserInfo;
  dryRun: boolean;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

/** Plugin is what every admission plugin has. */
export interface Plugin {
  /** The upstream plugin name (`NamespaceLifecycle`, `PodSecurity`...). */
  readonly name: string;
  /** handles is true when the plugin acts on this operation at all (upstream Handler.Handles). */
  handles(op: Operation): boolean;
}

/**
 * MutatingPlugin may change the object (upstream MutationInterface.Admit). Throw a StatusError
 * to reject; the chain stops at the first one.
 */
export interface MutatingPlugin extends Plugin {
  admit(a: AdmissionAttributes, signal?: AbortSignal): void | Promise<void>;
}

/** ValidatingPlugin checks the final object (upstream ValidationInterface.Validate); must not mutate. */
export interface ValidatingPlugin extends Plugin {
  validate(a: AdmissionAttributes, signal?: AbortSignal): void | Promise<void>;
}

/** isMutatingPlugin is the type guard the chain dispatches with. */
export function isMutatingPlugin(p: Plugin): p is MutatingPlugin {
  return typeof (p as Partial<MutatingPlugin>).admit === 'function';
}

/** isValidatingPlugin is the type guard the chain dispatches with. */
export function isValidatingPlugin(p: Plugin): p is ValidatingPlugin {
  return typeof (p as Partial<ValidatingPlugin>).validate === 'function';
}

/** handlesOps builds a `handles` for a fixed set of operations (upstream admission.NewHandler). */
export function handlesOps(...ops: Operation[]): (op: Operation) => boolean {
  const set = new Set(ops);
  return (op) => set.has(op);
}

/** objectName is the name of the object being admitted (upstream uses the object's name, falling back to the request name). */
export function objectName(a: AdmissionAttributes): string {
  return a.name || a.object?.metadata?.name || '';
}

/**
 * admissionForbidden is upstream admission.NewForbidden: `pods "x" is forbidden: ERR` for the
 * admitted object's resource and name.
 */
export function admissionForbidden(a: AdmissionAttributes, err: unknown): StatusError {
  return forbidden({ group: a.resource.group, resource: a.resource.resource }, objectName(a), err);
}

/** isResource is true when the attributes target group/resource (no subresource unless given). */
export function isResource(a: AdmissionAttributes, group: string, resource: string, subresource = ''): boolean {
  return a.resource.group === group && a.resource.resource === resource && a.subresource === subresource;
}
