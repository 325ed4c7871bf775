/**
 * Field selectors, in the style of upstream `k8s.io/apimachinery/pkg/fields/selector.go`:
 * comma-separated (AND) terms `field=value`, `field==value`, `field!=value`, with `\`, `,` and
 * `=` escaped by a backslash in values. Matching is against a flat record of field attributes
 * (e.g. `{ 'metadata.name': 'x', 'status.phase': 'Running' }`), which each resource computes.
 * Rejecting unsupported fields is the caller's job: see `fieldLabelNotSupported` in errors.ts.
 *
 * Import as a namespace: `import { fields } from '#impl/apimachinery/index.ts'; fields.parse('metadata.name=x')`.
 */

/** Fields is a flat set of field attributes of one object. */
export type Fields = Readonly<Record<string, string>>;

/** Operator of one field-selector term. */
export type Operator = '=' | '==' | '!=';

/** Requirement is one term `field op value` (value unescaped). */
export interface Requirement {
  field: string;
  operator: Operator;
  value: string;
}

/** FieldSelectorParseError is thrown for malformed selectors with upstream's message; answer it with `badRequest(err.message)`. */
export class FieldSelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldSelectorParseError';
  }
}

/** escapeValue escapes `\`, `,` and `=` in a value (upstream EscapeValue). */
export function escapeValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

/** unescapeValue undoes {@link escapeValue}; throws on bad escapes or unescaped `,`/`=` (upstream UnescapeValue). */
export function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw new FieldSelectorParseError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new FieldSelectorParseError(`invalid field selector: unescaped character in value: ${c}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorParseError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** TransformFunc rewrites a term, e.g. to convert a versioned field label (upstream fields.TransformFunc). */
export type TransformFunc = (field: string, value: string) => { field: string; value: string };

/**
 * Selector is a parsed field selector: an AND of terms (upstream `fields.Selector`). The empty
 * selector matches everything.
 */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  /** matches reports whether every term holds; a missing field counts as ''. */
  matches(fields: Fields | undefined): boolean {
    return this.requirements.every((r) => {
      const v = fields?.[r.field] ?? '';
      return r.operator === '!=' ? v !== r.value : v === r.value;
    });
  }

  /** empty is true when there are no terms. */
  empty(): boolean {
    return this.requirements.length === 0;
  }

  /** requiresExactMatch returns the value `field` must equal, if a `=`/`==` term names it. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator !== '!=')?.value;
  }

  /** transform rewrites every term with `fn` (which may throw to reject a field). */
  transform(fn: TransformFunc): Selector {
    return new Selector(
      this.requirements.map((r) => {
        const t = fn(r.field, r.value);
        return { field: t.field, operator: r.operator, value: t.value };
      }),
    );
  }

  /** toString renders terms joined by `,` with values escaped (`==` is rendered as `=`). */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`).join(',');
  }
}

/** everything returns the selector that matches everything. */
export function everything(): Selector {
  return new Selector([]);
}

/** oneTermEqualSelector returns `field=value` (upstream OneTermEqualSelector). */
export function oneTermEqualSelector(field: string, value: string): Selector {
  return new Selector([{ field, operator: '=', value }]);
}

/** selectorFromSet returns `k1=v1,k2=v2` sorted by field (upstream SelectorFromSet). */
export function selectorFromSet(set: Fields | undefined): Selector {
  const keys = Object.keys(set ?? {}).sort();
  return new Selector(keys.map((k) => ({ field: k, operator: '=', value: set![k]! })));
}

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

const TERM_OPERATORS: Operator[] = ['!=', '==', '='];

function splitTerm(term: string): { lhs: string; op: Operator; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of TERM_OPERATORS) {
      if (rest.startsWith(op)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * parse parses a field selector (upstream `fields.ParseSelector`); terms are sorted, empty terms
 * skipped. Throws {@link FieldSelectorParseError}, e.g. `invalid selector: 'x'; can't understand 'x'`.
 */
export function parse(selector: string): Selector {
  const parts = splitTerms(selector).sort();
  const reqs: Requirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new FieldSelectorParseError(`invalid selector: '${selector}'; can't understand '${part}'`);
    reqs.push({ field: t.lhs, operator: t.op, value: unescapeValue(t.rhs) });
  }
  return new Selector(reqs);
}

/**
 * objectMetaFieldsSet returns the field attributes every resource supports
 * (`metadata.name`, and `metadata.namespace` when namespaced), as upstream
 * generic.ObjectMetaFieldsSet; resources add their own (`status.phase`, `spec.nodeName`...).
 */
export function objectMetaFieldsSet(meta: { name?: string; namespace?: string } | undefined, namespaced: boolean): Record<string, string> {
  const set: Record<string, string> = { 'metadata.name': meta?.name ?? '' };
  if (namespaced) set['metadata.namespace'] = meta?.namespace ?? '';
  return set;
}
