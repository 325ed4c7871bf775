/**
 * Structural schema validation for custom resources: types, required, enum, numeric and length
 * bounds, patterns, item and property counts, nullable, int-or-string, embedded resources.
 *
 * upstream: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/validation (kube-openapi
 * validate), messages as upstream renders them (`spec.replicas in body must be of type integer: "string"`).
 */
import { fieldPath, invalidValue, notSupported, required, typeInvalid, tooLong, tooMany, type FieldError, type FieldPath } from '#impl/apimachinery/index.ts';
import { isObject, type Structural } from './structural.ts';

function typeOfJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOfJson(v);
  if (want === 'number') return t === 'number' || t === 'integer';
  return t === want;
}

/** validateStructural validates `obj` against `s`, returning field errors (empty when valid). */
export function validateStructural(obj: unknown, s: Structural | undefined, path?: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (s) walk(obj, s, path ?? ROOT, errs, path === undefined);
  return errs;
}

/** ROOT stands for the object itself; children of it are root paths. */
const ROOT = fieldPath('<root>');

function pathText(p: FieldPath): string {
  return p === ROOT ? '' : p.toString();
}

function child(p: FieldPath, k: string): FieldPath {
  return p === ROOT ? fieldPath(k) : p.child(k);
}

function walk(v: unknown, s: Structural, p: FieldPath, errs: FieldError[], root = false): void {
  if (v === null) {
    if (!s.nullable && s.type && !root) errs.push(typeInvalid(p, v, `${pathText(p)} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (s.intOrString) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) errs.push(typeInvalid(p, v, `${pathText(p)} in body must be of type integer,string: "${typeOfJson(v)}"`));
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push(typeInvalid(p, v, `${pathText(p)} in body must be of type ${s.type}: "${typeOfJson(v)}"`));
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errs.push(notSupported(p, v, s.enum.map((e) => String(e))));
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) errs.push(invalidValue(p, v, `${pathText(p)} in body should be greater than or equal to ${s.minimum}`));
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) errs.push(invalidValue(p, v, `${pathText(p)} in body should be less than or equal to ${s.maximum}`));
    if (s.multipleOf && v % s.multipleOf !== 0) errs.push(invalidValue(p, v, `${pathText(p)} in body should be a multiple of ${s.multipleOf}`));
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (s.maxLength !== undefined && len > s.maxLength) errs.push(tooLong(p, v, s.maxLength));
    if (s.minLength !== undefined && len < s.minLength) errs.push(invalidValue(p, v, `${pathText(p)} in body should be at least ${s.minLength} chars long`));
    if (s.pattern && !s.pattern.test(v)) errs.push(invalidValue(p, v, `${pathText(p)} in body should match '${s.pattern.source}'`));
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(tooMany(p, v.length, s.maxItems));
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(invalidValue(p, v.length, `${pathText(p)} in body should have at least ${s.minItems} items`));
    if (s.items) v.forEach((it, i) => walk(it, s.items!, p.index(i), errs));
    if (s.listType === 'set') {
      const seen = new Set<string>();
      v.forEach((it, i) => {
        const k = JSON.stringify(it);
        if (seen.has(k)) errs.push(invalidValue(p.index(i), it, 'Duplicate value'));
        seen.add(k);
      });
    }
  }
  if (isObject(v)) {
    const n = Object.keys(v).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(tooMany(p, n, s.maxProperties));
    if (s.minProperties !== undefined && n < s.minProperties) errs.push(invalidValue(p, n, `${pathText(p)} in body should have at least ${s.minProperties} properties`));
    for (const r of s.required ?? []) if (v[r] === undefined) errs.push(required(child(p, r), ''));
    if (s.properties) {
      for (const [k, ps] of s.properties) if (v[k] !== undefined && !(root && (k === 'metadata' || k === 'apiVersion' || k === 'kind'))) walk(v[k], ps, child(p, k), errs);
    } else if (s.additionalProperties) {
      for (const [k, cv] of Object.entries(v)) walk(cv, s.additionalProperties, p.key(k), errs);
    }
    if (s.embeddedResource) {
      if (!v.apiVersion) errs.push(required(child(p, 'apiVersion'), 'must not be empty'));
      if (!v.kind) errs.push(required(child(p, 'kind'), 'must not be empty'));
    }
  }
}
