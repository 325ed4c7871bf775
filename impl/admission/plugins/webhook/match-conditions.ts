/**
 * Webhook `matchConditions`: CEL expressions over `object`, `oldObject` and `request` (the
 * AdmissionRequest) that must all be true for a webhook to be called. Compiled with
 * @bufbuild/cel (parse + plan; it has no type checker, so only syntax errors fail compilation,
 * where upstream's checker also refuses undeclared references and type errors).
 *
 * Evaluation as upstream: any condition false -> the webhook is skipped (even if others errored);
 * otherwise an error -> failurePolicy decides (Fail: the request is refused; Ignore: skipped).
 * The `authorizer` variable is not offered: an expression that uses it errors at run time.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions/matcher.go,
 * pkg/apis/admissionregistration/validation (validateMatchConditions)
 */
import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';
import { duplicate, fieldPath, internalError, invalidValue, required, tooMany, type FieldError, type FieldPath, type StatusError } from '#impl/apimachinery/index.ts';
import type { AdmissionAttributes } from '../../interfaces.ts';
import { createAdmissionReview } from './admission-review.ts';

/** MatchCondition is admissionregistration.k8s.io/v1 MatchCondition. */
export interface MatchCondition {
  name: string;
  expression: string;
}

/** MAX_MATCH_CONDITIONS is upstream's limit per webhook. */
export const MAX_MATCH_CONDITIONS = 64;

type Program = (ctx: Record<string, unknown>) => unknown;
let celModule: typeof Cel | undefined;
let celEnvironment: ReturnType<typeof Cel.celEnv> | undefined;
/**
 * cel loads @bufbuild/cel on the first matchCondition compiled: its ESM build is ~130 modules,
 * which every apiserver start would otherwise load (and most clusters have no matchConditions).
 */
function cel(): typeof Cel {
  return (celModule ??= createRequire(import.meta.url)('@bufbuild/cel') as typeof Cel);
}
function env(): ReturnType<typeof Cel.celEnv> {
  return (celEnvironment ??= cel().celEnv());
}
const compiled = new Map<string, { program?: Program; error?: string }>();

/** compileMatchExpression parses and plans an expression once (cached by its text). */
export function compileMatchExpression(expression: string): { program?: Program; error?: string } {
  let c = compiled.get(expression);
  if (!c) {
    try {
      const p = cel().plan(env(), cel().parse(expression)) as unknown as Program;
      c = { program: p };
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause;
      c = { error: `ERROR: ${(cause?.message ?? (err as Error).message).replace(/^syntax error: /, '')}` };
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(expression, c);
  }
  return c;
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * validateMatchConditions checks one webhook's conditions as upstream's validation does: names
 * required, qualified and unique, at most 64, expressions required and compiling.
 */
export function validateMatchConditions(conds: readonly MatchCondition[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = conds ?? [];
  if (list.length > MAX_MATCH_CONDITIONS) errs.push(tooMany(path, list.length, MAX_MATCH_CONDITIONS));
  const seen = new Set<string>();
  list.forEach((c, i) => {
    const p = path.index(i);
    if (!c.name) errs.push(required(p.child('name'), ''));
    else if (!QUALIFIED_NAME.test(c.name) || c.name.length > 316) errs.push(invalidValue(p.child('name'), c.name, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"));
    else if (seen.has(c.name)) errs.push(duplicate(p.child('name'), c.name));
    seen.add(c.name);
    if (!c.expression) errs.push(required(p.child('expression'), ''));
    else {
      const { error } = compileMatchExpression(c.expression);
      if (error) errs.push(invalidValue(p.child('expression'), c.expression, `compilation failed: ${error}`));
    }
  });
  return errs;
}

/** validateWebhookConfigurationMatchConditions checks every webhook of a Mutating/ValidatingWebhookConfiguration. */
export function validateWebhookConfigurationMatchConditions(obj: { webhooks?: Array<{ matchConditions?: MatchCondition[] }> } | undefined): FieldError[] {
  const root = fieldPath('webhooks');
  return (obj?.webhooks ?? []).flatMap((h, i) => validateMatchConditions(h.matchConditions, root.index(i).child('matchConditions')));
}

/** MatchOutcome: call the webhook, skip it, or refuse the request. */
export type MatchOutcome = { match: true } | { match: false } | { match: false; error: StatusError };

/** celInput turns JSON into CEL input (integers as CEL ints, undefined as null). */
export function celInput(v: unknown): unknown {
  if (v === undefined) return null;
  // Integers become CEL ints (bigint) so that `object.spec.replicas > 1` compares as upstream.
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(celInput);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, celInput(x)]));
  return v;
}

/** admissionVariables are the CEL variables every admission expression sees. */
export function admissionVariables(a: AdmissionAttributes): Record<string, unknown> {
  return { object: celInput(a.object ?? null), oldObject: celInput(a.oldObject ?? null), request: celInput(createAdmissionReview(a, '').request) };
}

/** evaluateExpression runs a (cached) expression; a CEL error or a compile error is returned as `error`. */
export function evaluateExpression(expression: string, vars: Record<string, unknown>): { value?: unknown; error?: string } {
  const { program, error } = compileMatchExpression(expression);
  if (!program) return { error: error ?? 'compilation failed' };
  try {
    const value = program(vars);
    if (cel().isCelError(value)) return { error: (value as Error).message };
    return { value };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * evaluateMatchConditions runs a webhook's conditions against the request. Without conditions
 * the webhook matches.
 */
export function evaluateMatchConditions(h: { name: string; matchConditions?: MatchCondition[]; failurePolicy?: string }, a: AdmissionAttributes): MatchOutcome {
  const conds = h.matchConditions ?? [];
  if (conds.length === 0) return { match: true };
  const vars = admissionVariables(a);
  let firstError: string | undefined;
  for (const c of conds) {
    const { program, error } = compileMatchExpression(c.expression);
    let result: unknown;
    if (program) {
      try {
        result = program(vars);
      } catch (err) {
        result = err;
      }
    }
    if (!program || cel().isCelError(result) || result instanceof Error || typeof result !== 'boolean') {
      const why = error ?? (result instanceof Error ? result.message : typeof result === 'boolean' ? '' : `expression '${c.expression}' resulted in a non-boolean value`);
      firstError ??= `expression '${c.name}' resulted in error: ${why}`;
      continue;
    }
    if (result === false) return { match: false };
  }
  if (firstError === undefined) return { match: true };
  if ((h.failurePolicy ?? 'Fail') === 'Ignore') return { match: false };
  return { match: false, error: internalError(new Error(`failed to evaluate match conditions for webhook "${h.name}": ${firstError}`)) };
}
