/**
 * ValidatingAdmissionPolicy: in-process CEL validation. Each ValidatingAdmissionPolicyBinding
 * names a policy; when the request matches the policy's `matchConstraints` (and the binding's
 * `matchResources`) and its `matchConditions`, every `validations[]` expression must be true.
 * Failures act as the binding's `validationActions`: Deny (the request is refused with the
 * validation's reason, default Invalid/422), Warn (a warning), Audit (an audit annotation).
 * Expressions see `object`, `oldObject`, `request`, `params` (the binding's paramRef by name),
 * `namespaceObject` and `variables` (the policy's `variables`, in order).
 *
 * Not supported: paramRef selectors, `authorizer`, type checking (see match-conditions.ts),
 * and status (typeChecking) on the policy object.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating (plugin.go,
 * dispatcher.go, validator.go) and .../policy/matching
 */
import type { Namespace, ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from '#generated/k8s/index.ts';
import { StatusError, fieldPath, invalidValue, required, type FieldError, type FieldPath, type StatusReason } from '#impl/apimachinery/index.ts';
import { handlesOps, type AdmissionAttributes, type ValidatingPlugin } from '../../interfaces.ts';
import { admissionVariables, celInput, compileMatchExpression, evaluateExpression, evaluateMatchConditions, validateMatchConditions } from '../webhook/match-conditions.ts';
import { isExemptResource, namespaceSelectorMatches, objectSelectorMatches, rulesMatch } from '../webhook/matcher.ts';

export const VALIDATING_ADMISSION_POLICY_NAME = 'ValidatingAdmissionPolicy';

/** ValidatingAdmissionPolicyOptions gives the plugin its listers. */
export interface ValidatingAdmissionPolicyOptions {
  listPolicies(): readonly ValidatingAdmissionPolicy[];
  listBindings(): readonly ValidatingAdmissionPolicyBinding[];
  getNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>;
  /** getParam reads a param object of the policy's paramKind (apiVersion, kind), by namespace and name. */
  getParam?(ref: { apiVersion: string; kind: string; namespace: string; name: string }): Promise<Record<string, unknown> | undefined>;
}

const CODES: Partial<Record<string, number>> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

type MatchResources = NonNullable<NonNullable<ValidatingAdmissionPolicy['spec']>['matchConstraints']>;

async function resourcesMatch(m: MatchResources | undefined, a: AdmissionAttributes, getNamespace: ValidatingAdmissionPolicyOptions['getNamespace']): Promise<boolean> {
  if (!m) return true;
  const rules = { rules: (m.resourceRules ?? []) as never, matchPolicy: m.matchPolicy, namespaceSelector: m.namespaceSelector, objectSelector: m.objectSelector };
  if ((m.resourceRules ?? []).length > 0 && !rulesMatch(rules, a)) return false;
  if ((m.excludeResourceRules ?? []).length > 0 && rulesMatch({ rules: m.excludeResourceRules as never, matchPolicy: m.matchPolicy }, a)) return false;
  if (!objectSelectorMatches(rules, a)) return false;
  return namespaceSelectorMatches(rules, a, getNamespace);
}

/** newValidatingAdmissionPolicy builds the plugin. */
export function newValidatingAdmissionPolicy(opts: ValidatingAdmissionPolicyOptions) {
  return {
    name: VALIDATING_ADMISSION_POLICY_NAME,
    handles: handlesOps('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    async validate(a: AdmissionAttributes): Promise<void> {
      if (isExemptResource(a)) return;
      const bindings = opts.listBindings();
      if (bindings.length === 0) return;
      const policies = new Map(opts.listPolicies().map((p) => [p.metadata?.name ?? '', p]));
      let denial: StatusError | undefined;
      for (const binding of [...bindings].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''))) {
        const policy = policies.get(binding.spec?.policyName ?? '');
        if (!policy?.spec) continue;
        const spec = policy.spec;
        const policyName = policy.metadata?.name ?? '';
        const bindingName = binding.metadata?.name ?? '';
        if (!(await resourcesMatch(spec.matchConstraints, a, opts.getNamespace))) continue;
        if (binding.spec?.matchResources && !(await resourcesMatch(binding.spec.matchResources as MatchResources, a, opts.getNamespace))) continue;
        const failurePolicy = spec.failurePolicy ?? 'Fail';
        const actions = binding.spec?.validationActions ?? [];
        const prefix = `ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}'`;
        const fail = (message: string, reason: string) => {
          if (actions.includes('Warn')) a.warnings.push(`Validation failed for ${prefix}: ${message}`);
          if (actions.includes('Audit')) a.auditAnnotations['validation.policy.admission.k8s.io/validation_failure'] = JSON.stringify([{ message, policy: policyName, binding: bindingName, expressionIndex: 0, validationActions: actions }]);
          if (actions.includes('Deny') && !denial) denial = new StatusError({ reason: reason as StatusReason, code: CODES[reason] ?? 422, message: `${prefix} denied request: ${message}` } as never);
        };
        const mc = evaluateMatchConditions({ name: policyName, matchConditions: spec.matchConditions, failurePolicy }, a);
        if ('error' in mc) {
          fail(mc.error.message, 'Invalid');
          continue;
        }
        if (!mc.match) continue;
        const vars: Record<string, unknown> = { ...admissionVariables(a), params: null, namespaceObject: null };
        if (a.namespace) vars.namespaceObject = celInput((await opts.getNamespace(a.namespace)) ?? null);
        if (spec.paramKind) {
          const ref = binding.spec?.paramRef;
          const param = ref?.name && opts.getParam ? await opts.getParam({ apiVersion: spec.paramKind.apiVersion ?? '', kind: spec.paramKind.kind ?? '', namespace: ref.namespace ?? a.namespace, name: ref.name }) : undefined;
          if (!param) {
            if ((ref?.parameterNotFoundAction ?? 'Deny') === 'Deny') fail('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction', 'Invalid');
            continue;
          }
          vars.params = celInput(param);
        }
        // Variables are evaluated in order; later ones may use earlier ones.
        const variables: Record<string, unknown> = {};
        vars.variables = variables;
        let broken: string | undefined;
        for (const v of spec.variables ?? []) {
          const r = evaluateExpression(v.expression, vars);
          if (r.error !== undefined) {
            broken = `variable '${v.name}' resulted in error: ${r.error}`;
            break;
          }
          variables[v.name] = r.value;
        }
        if (broken) {
          if (failurePolicy === 'Fail') fail(broken, 'Invalid');
          continue;
        }
        for (const val of spec.validations ?? []) {
          const r = evaluateExpression(val.expression, vars);
          if (r.error !== undefined || typeof r.value !== 'boolean') {
            if (failurePolicy === 'Fail') fail(`expression '${val.expression}' resulted in error: ${r.error ?? 'non-boolean result'}`, 'Invalid');
            continue;
          }
          if (r.value) continue;
          let message = val.message || `failed expression: ${val.expression}`;
          if (val.messageExpression) {
            const m = evaluateExpression(val.messageExpression, vars);
            if (typeof m.value === 'string' && m.value.trim() !== '' && !m.value.includes('\n')) message = m.value;
          }
          fail(message, val.reason ?? 'Invalid');
        }
      }
      if (denial) throw denial;
    },
  } satisfies ValidatingPlugin;
}

/**
 * validateValidatingAdmissionPolicy refuses expressions that do not compile (upstream validation:
 * `compilation failed`), at create and update of the policy.
 */
export function validateValidatingAdmissionPolicy(obj: ValidatingAdmissionPolicy | undefined): FieldError[] {
  const spec = fieldPath('spec');
  const errs: FieldError[] = [...validateMatchConditions(obj?.spec?.matchConditions, spec.child('matchConditions'))];
  const check = (expr: string | undefined, path: FieldPath) => {
    if (!expr) return;
    const { error } = compileMatchExpression(expr);
    if (error) errs.push(invalidValue(path, expr, `compilation failed: ${error}`));
  };
  (obj?.spec?.validations ?? []).forEach((v, i) => {
    const p = spec.child('validations').index(i);
    if (!v.expression) errs.push(required(p.child('expression'), ''));
    check(v.expression, p.child('expression'));
    check(v.messageExpression, p.child('messageExpression'));
  });
  (obj?.spec?.variables ?? []).forEach((v, i) => check(v.expression, spec.child('variables').index(i).child('expression')));
  return errs;
}
