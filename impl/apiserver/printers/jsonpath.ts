/**
 * The JSONPath subset custom resource printer columns use: `.a.b`, `['a.b']`, `[0]`, `[-1]`,
 * `[*]`, `[1:3]`, `..name` and filters `[?(@.type=="Ready")]` (with `==`, `!=`, `<`, `<=`, `>`,
 * `>=` or bare existence), and Go's `%v` rendering of the values found.
 *
 * upstream: staging/src/k8s.io/client-go/util/jsonpath (parser and evaluation) and
 * staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresource/tableconvertor.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'recursive'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'filter'; path: Step[]; op?: string; value?: unknown };

/** JsonPathError is thrown for expressions outside the supported subset. */
export class JsonPathError extends Error {}

/** parseJsonPath parses an expression like `.status.conditions[?(@.type=="Ready")].status` (braces optional). */
export function parseJsonPath(expr: string): Step[] {
  let s = expr.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s.startsWith('$')) s = s.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const ident = () => {
    // A backslash escapes a dot inside a name (`.metadata.labels.app\.kubernetes\.io/name`).
    const m = /^(?:\\.|[^.[\]\s\\])+/.exec(s.slice(i));
    if (!m) throw new JsonPathError(`unexpected "${s.slice(i)}" in ${expr}`);
    i += m[0].length;
    return m[0].replace(/\\(.)/g, '$1');
  };
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      steps.push({ kind: 'recursive', name: ident() });
    } else if (s[i] === '.') {
      i++;
      if (i >= s.length) break;
      if (s[i] === '[') continue;
      if (s[i] === '*') {
        i++;
        steps.push({ kind: 'wildcard' });
      } else steps.push({ kind: 'field', name: ident() });
    } else if (s[i] === '[') {
      const close = matchingBracket(s, i);
      steps.push(parseBracket(s.slice(i + 1, close).trim(), expr));
      i = close + 1;
    } else if (i === 0) {
      steps.push({ kind: 'field', name: ident() });
    } else throw new JsonPathError(`unexpected "${s.slice(i)}" in ${expr}`);
  }
  return steps;
}

function matchingBracket(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError(`unclosed [ in ${s}`);
}

function parseLiteral(v: string): unknown {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  return t;
}

function parseBracket(inner: string, expr: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith('"') && inner.endsWith('"'))) return { kind: 'field', name: inner.slice(1, -1) };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const slice = /^(-?\d*):(-?\d*)$/.exec(inner);
  if (slice) return { kind: 'slice', start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined };
  const f = /^\?\(\s*@((?:\.[^\s=!<>()]+|\[[^\]]*\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$/.exec(inner);
  if (f) return { kind: 'filter', path: f[1] ? parseJsonPath(f[1]) : [], op: f[2], value: f[3] !== undefined ? parseLiteral(f[3]) : undefined };
  throw new JsonPathError(`unsupported [${inner}] in ${expr}`);
}

function step(values: unknown[], st: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (v === undefined || v === null) continue;
    switch (st.kind) {
      case 'field':
        if (typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, st.name)) out.push((v as Record<string, unknown>)[st.name]);
        break;
      case 'recursive':
        collect(v, st.name, out);
        break;
      case 'index':
        if (Array.isArray(v)) {
          const idx = st.index < 0 ? v.length + st.index : st.index;
          if (idx >= 0 && idx < v.length) out.push(v[idx]);
        }
        break;
      case 'wildcard':
        if (Array.isArray(v)) out.push(...v);
        else if (typeof v === 'object') out.push(...Object.values(v as object));
        break;
      case 'slice':
        if (Array.isArray(v)) {
          const norm = (n: number | undefined, d: number) => (n === undefined ? d : n < 0 ? Math.max(0, v.length + n) : Math.min(n, v.length));
          out.push(...v.slice(norm(st.start, 0), norm(st.end, v.length)));
        }
        break;
      case 'filter':
        if (Array.isArray(v)) for (const item of v) if (filterMatches(item, st)) out.push(item);
        break;
    }
  }
  return out;
}

function collect(v: unknown, name: string, out: unknown[]): void {
  if (Array.isArray(v)) for (const x of v) collect(x, name, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === name) out.push(x);
      collect(x, name, out);
    }
  }
}

function filterMatches(item: unknown, f: Extract<Step, { kind: 'filter' }>): boolean {
  const found = f.path.reduce<unknown[]>((acc, s) => step(acc, s), [item]);
  if (f.op === undefined) return found.length > 0;
  if (found.length === 0) return false;
  const left = found[0];
  const right = f.value;
  switch (f.op) {
    case '==':
      return left === right || String(left) === String(right);
    case '!=':
      return !(left === right || String(left) === String(right));
    default: {
      const a = Number(left);
      const b = Number(right);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return f.op === '<' ? a < b : f.op === '<=' ? a <= b : f.op === '>' ? a > b : a >= b;
    }
  }
}

/** findResults evaluates a parsed or textual path against an object and returns every value found. */
export function findResults(obj: unknown, path: string | Step[]): unknown[] {
  const steps = typeof path === 'string' ? parseJsonPath(path) : path;
  return steps.reduce<unknown[]>((acc, s) => step(acc, s), [obj]);
}

/** formatGoValue renders a JSON value like Go's `fmt.Print` of the decoded value (`map[a:1]`, `[x y]`, `<nil>`). */
export function formatGoValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(formatGoValue).join(' ')}]`;
  const o = v as Record<string, unknown>;
  return `map[${Object.keys(o).sort().map((k) => `${k}:${formatGoValue(o[k])}`).join(' ')}]`;
}
