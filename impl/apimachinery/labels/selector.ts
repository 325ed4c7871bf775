/**
 * Label selectors, in the style of upstream `k8s.io/apimachinery/pkg/labels/selector.go`: the
 * full string grammar (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`,
 * `a<1`) with upstream parse errors, matching, canonical `toString`, and conversion from the API
 * `LabelSelector` (matchLabels / matchExpressions).
 *
 * Import as a namespace: `import { labels } from '#impl/apimachinery/index.ts'; labels.parse('app=web')`.
 */
import type { LabelSelector as APILabelSelector, LabelSelectorRequirement } from '#generated/k8s/index.ts';
import { fieldPath, type FieldPath } from '../field-path.ts';
import { aggregateFieldErrors, forbiddenField, invalidValue, notSupported, required, type FieldError } from '../field-errors.ts';
import { isQualifiedName, isValidLabelValue, validateLabelName, validateLabels } from '../validation.ts';

/** OPERATORS lists the selection operators (upstream `selection.Operator`). */
export const OPERATORS = {
  DoesNotExist: '!',
  Equals: '=',
  DoubleEquals: '==',
  In: 'in',
  NotEquals: '!=',
  NotIn: 'notin',
  Exists: 'exists',
  GreaterThan: 'gt',
  LessThan: 'lt',
} as const;

/** Operator is one selection operator string. */
export type Operator = (typeof OPERATORS)[keyof typeof OPERATORS];

const VALID_REQUIREMENT_OPERATORS: readonly string[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!'];
const BINARY_OPERATORS = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

/** Labels is a flat label set (`metadata.labels`). */
export type Labels = Readonly<Record<string, string>>;

/**
 * SelectorParseError is thrown for a malformed selector string or an invalid requirement; its
 * message is upstream's (`unable to parse requirement: ...`, `found 'x', expected: ...`). The
 * apiserver answers it with `badRequest(err.message)`.
 */
export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
  }
}

function parseInt64(s: string): bigint | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? BigInt(s) : undefined;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Requirement is one `key op values` term of a selector (upstream `labels.Requirement`). */
export class Requirement {
  constructor(
    readonly key: string,
    readonly operator: Operator,
    /** Values in the order given (sorted and de-duplicated when parsed). */
    readonly values: readonly string[],
  ) {}

  /** matches reports whether a label set satisfies this requirement (upstream `Requirement.Matches`). */
  matches(ls: Labels | undefined): boolean {
    const has = ls !== undefined && Object.hasOwn(ls, this.key);
    const v = has ? ls![this.key]! : undefined;
    switch (this.operator) {
      case 'in':
      case '=':
      case '==':
        return has && this.values.includes(v!);
      case 'notin':
      case '!=':
        return !has || !this.values.includes(v!);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
      case 'lt': {
        if (!has || this.values.length !== 1) return false;
        const lv = parseInt64(v!);
        const rv = parseInt64(this.values[0]!);
        if (lv === undefined || rv === undefined) return false;
        return this.operator === 'gt' ? lv > rv : lv < rv;
      }
    }
  }

  /** toString renders the requirement as upstream: `!a`, `a`, `a=b`, `a in (x,y)`, `a>1`. */
  toString(): string {
    let s = this.operator === '!' ? `!${this.key}` : this.key;
    switch (this.operator) {
      case 'exists':
      case '!':
        return s;
      case 'in':
        s += ' in ';
        break;
      case 'notin':
        s += ' notin ';
        break;
      case 'gt':
        s += '>';
        break;
      case 'lt':
        s += '<';
        break;
      default:
        s += this.operator;
    }
    const vals = this.values.length === 1 ? this.values[0]! : [...this.values].sort(byString).join(',');
    return this.operator === 'in' || this.operator === 'notin' ? `${s}(${vals})` : s + vals;
  }
}

/**
 * newRequirement builds a validated requirement (upstream `labels.NewRequirement`); it throws a
 * {@link SelectorParseError} listing every problem, with field paths relative to `path`.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path?: FieldPath): Requirement {
  const errs: FieldError[] = [];
  const child = (name: string) => (path ? path.child(name) : fieldPath(name));
  const keyErr = validateLabelKey(key, child('key'));
  if (keyErr) errs.push(keyErr);
  const valuePath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValue(valuePath, [...values], "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValue(valuePath, [...values], 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValue(valuePath, [...values], 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValue(valuePath, [...values], "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalidValue(valuePath.index(i), v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(notSupported(child('operator'), operator, VALID_REQUIREMENT_OPERATORS as string[]));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(invalidValue(valuePath.index(i).key(key), v, msgs.join('; ')));
  });
  const agg = aggregateFieldErrors(errs);
  if (agg !== undefined) throw new SelectorParseError(agg);
  return new Requirement(key, operator, values);
}

function validateLabelKey(k: string, path: FieldPath | undefined): FieldError | undefined {
  const msgs = isQualifiedName(k);
  if (msgs.length === 0) return undefined;
  // upstream renders a nil *field.Path as "<nil>"
  return invalidValue(path ?? fieldPath('<nil>'), k, msgs.join('; '));
}

/**
 * Selector is a parsed label selector: an AND of requirements sorted by key (upstream
 * `labels.Selector`). The empty selector matches everything; {@link nothing} matches nothing.
 */
export class Selector {
  constructor(
    readonly requirements: readonly Requirement[],
    /** True only for {@link nothing}. */
    readonly matchesNothing = false,
  ) {}

  /** matches reports whether a label set satisfies every requirement. */
  matches(ls: Labels | undefined): boolean {
    if (this.matchesNothing) return false;
    return this.requirements.every((r) => r.matches(ls));
  }

  /** empty is true when the selector has no requirements (and so matches everything). */
  empty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  /** add returns a selector with more requirements, sorted by key. */
  add(...reqs: Requirement[]): Selector {
    return new Selector(sortRequirements([...this.requirements, ...reqs]), this.matchesNothing);
  }

  /** requiresExactMatch returns the value that `label` must equal (`=`, `==` or single-valued `in`), if any. */
  requiresExactMatch(label: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== label) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    }
    return undefined;
  }

  /** toString renders the canonical form: requirements joined by `,`. */
  toString(): string {
    return this.requirements.map(String).join(',');
  }
}

function sortRequirements(reqs: Requirement[]): Requirement[] {
  return reqs.map((r, i) => [r, i] as const).sort(([a, ia], [b, ib]) => byString(a.key, b.key) || ia - ib).map(([r]) => r);
}

/** everything returns the selector that matches all label sets. */
export function everything(): Selector {
  return new Selector([]);
}

/** nothing returns the selector that matches no label set. */
export function nothing(): Selector {
  return new Selector([], true);
}

/** selectorFromSet returns `k1=v1,k2=v2` for a label set, validating keys and values. */
export function selectorFromSet(set: Labels | undefined): Selector {
  const reqs = Object.entries(set ?? {}).map(([k, v]) => newRequirement(k, '=', [v]));
  return new Selector(sortRequirements(reqs));
}

/** formatLabels renders a label set as `k=v,k2=v2` (sorted), or `<none>` if empty (upstream FormatLabels). */
export function formatLabels(set: Labels | undefined): string {
  const keys = Object.keys(set ?? {}).sort(byString);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${set![k]}`).join(',');
}

// ---- lexer ----

type Token =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

const STRING_TO_TOKEN: Record<string, Token> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

interface Item {
  tok: Token;
  lit: string;
}

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecialSymbol(ch: string): boolean {
  return ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';
}

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s[pos]!)) pos++;
    if (pos >= s.length) {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    const ch = s[pos]!;
    if (isSpecialSymbol(ch)) {
      let buffer = '';
      let last: Item | undefined;
      while (pos < s.length && isSpecialSymbol(s[pos]!)) {
        buffer += s[pos];
        const tok = STRING_TO_TOKEN[buffer];
        if (tok) {
          last = { tok, lit: buffer };
          pos++;
        } else if (last) {
          break;
        } else {
          pos++;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      if (!last) {
        items.push({ tok: 'eos', lit: '' });
        return items;
      }
    } else {
      let word = '';
      while (pos < s.length && !isWhitespace(s[pos]!) && !isSpecialSymbol(s[pos]!)) word += s[pos++];
      const tok = STRING_TO_TOKEN[word];
      items.push({ tok: tok === 'in' || tok === 'notIn' ? tok : 'identifier', lit: word });
    }
  }
}

// ---- parser ----

class Parser {
  private pos = 0;
  constructor(
    private readonly items: Item[],
    private readonly path: FieldPath | undefined,
  ) {}

  private static values(it: Item): Item {
    return it.tok === 'in' || it.tok === 'notIn' ? { tok: 'identifier', lit: it.lit } : it;
  }

  private lookahead(values: boolean): Item {
    const it = this.items[Math.min(this.pos, this.items.length - 1)]!;
    return values ? Parser.values(it) : it;
  }

  private consume(values: boolean): Item {
    const it = this.lookahead(values);
    this.pos = Math.min(this.pos + 1, this.items.length - 1);
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'identifier':
        case 'doesNotExist': {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new SelectorParseError(`unable to parse requirement: ${(e as Error).message}`);
          }
          reqs.push(r);
          const t = this.consume(true);
          if (t.tok === 'eos') return reqs;
          if (t.tok === 'comma') {
            const t2 = this.lookahead(true);
            if (t2.tok !== 'identifier' && t2.tok !== 'doesNotExist') {
              throw new SelectorParseError(`found '${t2.lit}', expected: identifier after ','`);
            }
            break;
          }
          throw new SelectorParseError(`found '${t.lit}', expected: ',' or 'end of string'`);
        }
        case 'eos':
          return reqs;
        default:
          throw new SelectorParseError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, [], this.path);
    const op = this.parseOperator();
    let values: string[];
    if (op === 'in' || op === 'notin') values = this.parseValues();
    else values = this.parseExactValue();
    return newRequirement(key, op, [...new Set(values)].sort(byString), this.path);
  }

  private parseKeyAndInferOperator(): { key: string; operator: Operator | undefined } {
    let operator: Operator | undefined;
    let it = this.consume(true);
    if (it.tok === 'doesNotExist') {
      operator = '!';
      it = this.consume(true);
    }
    if (it.tok !== 'identifier') throw new Error(`found '${it.lit}', expected: identifier`);
    const keyErr = validateLabelKey(it.lit, this.path);
    if (keyErr) throw new Error(keyErr.message);
    const next = this.lookahead(true).tok;
    if ((next === 'eos' || next === 'comma') && operator !== '!') operator = 'exists';
    return { key: it.lit, operator };
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'in':
        return 'in';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      case 'notIn':
        return 'notin';
      case 'notEquals':
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): string[] {
    let it = this.consume(true);
    if (it.tok !== 'openPar') throw new Error(`found '${it.lit}' expected: '('`);
    it = this.lookahead(true);
    switch (it.tok) {
      case 'identifier':
      case 'comma': {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== 'closedPar') throw new Error(`found '${it.lit}', expected: ')'`);
        return s;
      }
      case 'closedPar':
        this.consume(true);
        return [''];
      default:
        throw new Error(`found '${it.lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const it = this.consume(true);
      switch (it.tok) {
        case 'identifier': {
          s.add(it.lit);
          const t2 = this.lookahead(true);
          if (t2.tok === 'comma') continue;
          if (t2.tok === 'closedPar') return [...s];
          throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
        }
        case 'comma': {
          if (s.size === 0) s.add('');
          const t2 = this.lookahead(true);
          if (t2.tok === 'closedPar') {
            s.add('');
            return [...s];
          }
          if (t2.tok === 'comma') {
            this.consume(true);
            s.add('');
          }
          break;
        }
        default:
          throw new Error(`found '${it.lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const la = this.lookahead(true);
    if (la.tok === 'eos' || la.tok === 'comma') return [''];
    const it = this.consume(true);
    if (it.tok === 'identifier') return [it.lit];
    throw new Error(`found '${it.lit}', expected: identifier`);
  }
}

/**
 * parse parses a label selector string (upstream `labels.Parse`). `''` gives {@link everything}.
 * Throws {@link SelectorParseError} with upstream's message on bad input.
 */
export function parse(selector: string, path?: FieldPath): Selector {
  const reqs = new Parser(lex(selector), path).parse();
  return new Selector(sortRequirements(reqs));
}

/**
 * labelSelectorAsSelector converts an API `LabelSelector` (upstream
 * `metav1.LabelSelectorAsSelector`): undefined gives {@link nothing}, an empty one
 * {@link everything}. Throws {@link SelectorParseError} for invalid keys, values or operators.
 */
export function labelSelectorAsSelector(ps: APILabelSelector | undefined | null): Selector {
  if (ps === undefined || ps === null) return nothing();
  const matchLabels = ps.matchLabels ?? {};
  const exprs = ps.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + exprs.length === 0) return everything();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(matchLabels)) reqs.push(newRequirement(k, '=', [v]));
  for (const e of exprs) {
    let op: Operator;
    switch (e.operator) {
      case 'In':
        op = 'in';
        break;
      case 'NotIn':
        op = 'notin';
        break;
      case 'Exists':
        op = 'exists';
        break;
      case 'DoesNotExist':
        op = '!';
        break;
      default:
        throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    }
    reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
  }
  return new Selector(sortRequirements(reqs));
}

/** Options of {@link validateLabelSelector}. */
export interface LabelSelectorValidationOptions {
  /** Skip label-value checks on matchExpressions values (upstream AllowInvalidLabelValueInSelector). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** validateLabelSelectorRequirement checks one matchExpressions entry (upstream ValidateLabelSelectorRequirement). */
export function validateLabelSelectorRequirement(sr: LabelSelectorRequirement, opts: LabelSelectorValidationOptions, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = sr.values ?? [];
  switch (sr.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbiddenField(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(invalidValue(path.child('operator'), sr.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(sr.key, path.child('key')));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(invalidValue(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

/** validateLabelSelector checks an API LabelSelector (upstream meta/v1/validation ValidateLabelSelector). */
export function validateLabelSelector(ps: APILabelSelector | undefined | null, opts: LabelSelectorValidationOptions, path: FieldPath): FieldError[] {
  if (!ps) return [];
  const errs = validateLabels(ps.matchLabels, path.child('matchLabels'));
  (ps.matchExpressions ?? []).forEach((e, i) => errs.push(...validateLabelSelectorRequirement(e, opts, path.child('matchExpressions').index(i))));
  return errs;
}
