/**
 * CertificateSigningRequest strategies: the requester's identity is stamped into spec on create,
 * the main resource never changes status, `/status` never changes spec or the approval
 * conditions, and `/approval` changes only the Approved/Denied conditions.
 *
 * upstream: pkg/registry/certificates/certificates/strategy.go, pkg/apis/certificates/validation.
 */
import { fieldPath, forbiddenField, invalidValue, required, validateImmutableField, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, RequestContext, Strategy } from '../../rest/strategy.ts';

type Condition = { type?: string; status?: string };
const APPROVAL_TYPES = new Set(['Approved', 'Denied']);

function conditionsOf(obj: KubeObject): Condition[] {
  return ((obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? []) as Condition[];
}

/** validateConditions: known condition types once each, never both Approved and Denied. */
function validateConditions(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  conditionsOf(obj).forEach((c, i) => {
    const p = fieldPath('status', 'conditions').index(i);
    if (!c.type) errs.push(required(p.child('type'), ''));
    else if (APPROVAL_TYPES.has(c.type) || c.type === 'Failed') {
      if (seen.has(c.type)) errs.push(invalidValue(p.child('type'), c.type, 'duplicate condition type'));
      if (c.status !== 'True') errs.push(invalidValue(p.child('status'), c.status ?? '', `${c.type} conditions may only be set to True`));
    }
    if (c.type) seen.add(c.type);
  });
  if (seen.has('Approved') && seen.has('Denied')) {
    errs.push(invalidValue(fieldPath('status', 'conditions'), 'Approved, Denied', 'Approved and Denied conditions are mutually exclusive'));
  }
  return errs;
}

function validateCsr(obj: KubeObject): FieldError[] {
  const spec = (obj.spec ?? {}) as { request?: string; signerName?: string };
  const errs: FieldError[] = [];
  if (!spec.request) errs.push(required(fieldPath('spec', 'request'), ''));
  if (!spec.signerName) errs.push(required(fieldPath('spec', 'signerName'), ''));
  return [...errs, ...validateConditions(obj)];
}

/** approvalConditionsKept: conditions that may not be added or removed outside `/approval`. */
function approvalConditionsKept(obj: KubeObject, old: KubeObject): FieldError[] {
  const a = conditionsOf(obj).filter((c) => APPROVAL_TYPES.has(c.type ?? '')).map((c) => c.type).sort();
  const b = conditionsOf(old).filter((c) => APPROVAL_TYPES.has(c.type ?? '')).map((c) => c.type).sort();
  return a.join() === b.join() ? [] : [forbiddenField(fieldPath('status', 'conditions'), 'updates may not add or remove Approved or Denied conditions')];
}

const base = newDefaultStrategy({ namespaced: false, hasStatusSubresource: true, hasSpec: true });

/** csrStrategy is the main CertificateSigningRequest strategy. */
export const csrStrategy: Strategy = {
  ...base,
  // upstream SelectableFields: spec.signerName besides metadata.name.
  fieldSelectorAttrs: (obj) => ({ 'spec.signerName': obj.spec?.signerName ?? '' }),
  prepareForCreate(ctx: RequestContext, obj: KubeObject): void {
    base.prepareForCreate(ctx, obj);
    const spec = (obj.spec ??= {}) as Record<string, unknown>;
    // The requester is whoever sends the request, whatever the body says.
    delete spec.username; delete spec.uid; delete spec.groups; delete spec.extra;
    if (ctx.user) {
      spec.username = ctx.user.name;
      if (ctx.user.uid) spec.uid = ctx.user.uid;
      if (ctx.user.groups.length) spec.groups = [...ctx.user.groups];
      if (ctx.user.extra && Object.keys(ctx.user.extra).length) spec.extra = structuredClone(ctx.user.extra);
    }
  },
  validate: (_ctx, obj) => validateCsr(obj),
  validateUpdate: (_ctx, obj, old) => [...validateImmutableField(obj.spec, old.spec, fieldPath('spec'))],
};

/** csrStatusStrategy serves `/status`: spec is kept, approval conditions may not change. */
export const csrStatusStrategy: Strategy = {
  ...csrStrategy,
  prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
    obj.spec = old.spec;
  },
  validateUpdate: (_ctx, obj, old) => [...validateConditions(obj), ...approvalConditionsKept(obj, old)],
};

/** csrApprovalStrategy serves `/approval`: only the conditions change; spec and the rest of status are kept. */
export const csrApprovalStrategy: Strategy = {
  ...csrStrategy,
  prepareForUpdate(_ctx: RequestContext, obj: KubeObject, old: KubeObject): void {
    const conditions = conditionsOf(obj);
    obj.spec = old.spec;
    obj.status = { ...((old.status ?? {}) as Record<string, unknown>), conditions };
    if (conditions.length === 0) delete (obj.status as Record<string, unknown>).conditions;
  },
  validateUpdate: (_ctx, obj) => validateConditions(obj),
};
