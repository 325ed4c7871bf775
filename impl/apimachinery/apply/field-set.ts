/**
 * FieldSet: a set of field paths in the structured-merge-diff style used by managedFields
 * (`sigs.k8s.io/structured-merge-diff/fieldpath`). A path is a list of path elements, each
 * written as in FieldsV1: `f:<field>`, `k:<json object of list-map keys>`, `v:<json value>`
 * (set elements) or `i:<index>`. The set is a trie; a node is a *member* when the path itself is
 * in the set (FieldsV1 writes that as `".": {}` when the node also has children).
 */

/** PathElement is one FieldsV1 path element string, e.g. `f:spec`, `k:{"name":"web"}`, `v:"a"`. */
export type PathElement = string;

const TYPE_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** comparePathElements orders elements as upstream: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const ta = TYPE_ORDER[a[0]!] ?? 9;
  const tb = TYPE_ORDER[b[0]!] ?? 9;
  if (ta !== tb) return ta - tb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/** fieldElement builds `f:<name>`. */
export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** valueElement builds `v:<json>` for a set member. */
export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** keyElement builds `k:{...}` from the list-map key fields of an item (sorted by key name). */
export function keyElement(keys: Record<string, unknown>): PathElement {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k];
  return `k:${JSON.stringify(sorted)}`;
}

/**
 * pathElementToString renders an element as upstream's fieldpath does in conflict messages:
 * `.name`, `[name="web"]`, `[containerPort=80,protocol="TCP"]`, `[="value"]`, `[0]`.
 */
export function pathElementToString(e: PathElement): string {
  const body = e.slice(2);
  switch (e[0]) {
    case 'f':
      return `.${body}`;
    case 'k': {
      const o = JSON.parse(body) as Record<string, unknown>;
      return `[${Object.keys(o)
        .sort()
        .map((k) => `${k}=${JSON.stringify(o[k])}`)
        .join(',')}]`;
    }
    case 'v':
      return `[=${body}]`;
    case 'i':
      return `[${body}]`;
    default:
      return e;
  }
}

/** pathToString renders a whole path, e.g. `.spec.containers[name="web"].image`. */
export function pathToString(path: readonly PathElement[]): string {
  return path.map(pathElementToString).join('');
}

/** FieldsV1 is the JSON form of a field set (`metadata.managedFields[].fieldsV1`). */
export type FieldsV1 = { [k: string]: FieldsV1 };

/** encodeNode returns the FieldsV1 object of a node's children, or undefined if the subtree has no members. */
function encodeNode(n: FieldSet): FieldsV1 | undefined {
  let out: FieldsV1 | undefined;
  const keys = [...n.children.keys()];
  if (keys.length > 1) keys.sort(comparePathElements);
  for (const e of keys) {
    const c = n.children.get(e)!;
    const inner = encodeNode(c);
    if (inner === undefined && !c.member) continue;
    out ??= {};
    out[e] = inner === undefined ? {} : c.member ? { '.': {}, ...inner } : inner;
  }
  return out;
}

/** FieldSet is a mutable trie of paths. */
export class FieldSet {
  /** Whether the path leading here is itself in the set. */
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  /** child returns the child node for `e`, creating it. */
  child(e: PathElement): FieldSet {
    let c = this.children.get(e);
    if (!c) {
      c = new FieldSet();
      this.children.set(e, c);
    }
    return c;
  }

  /** insert adds a path (the empty path marks this node a member). */
  insert(path: readonly PathElement[]): this {
    let n: FieldSet = this;
    for (const e of path) {
      let c = n.children.get(e);
      if (!c) {
        c = new FieldSet();
        n.children.set(e, c);
      }
      n = c;
    }
    n.member = true;
    return this;
  }

  /** node returns the subtree at `path`, if any. */
  node(path: readonly PathElement[]): FieldSet | undefined {
    let n: FieldSet | undefined = this;
    for (const e of path) {
      n = n.children.get(e);
      if (!n) return undefined;
    }
    return n;
  }

  /** has reports whether `path` is a member. */
  has(path: readonly PathElement[]): boolean {
    return this.node(path)?.member ?? false;
  }

  /** empty is true when no path is a member. */
  empty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }

  /** copy returns a deep copy. */
  copy(): FieldSet {
    const s = new FieldSet();
    s.member = this.member;
    for (const [e, c] of this.children) s.children.set(e, c.copy());
    return s;
  }

  /** union returns this ∪ other. */
  union(other: FieldSet): FieldSet {
    const s = this.copy();
    s.member ||= other.member;
    for (const [e, c] of other.children) {
      const mine = s.children.get(e);
      s.children.set(e, mine ? mine.union(c) : c.copy());
    }
    return s;
  }

  /** intersection returns the members in both sets. */
  intersection(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && other.member;
    for (const [e, c] of this.children) {
      const o = other.children.get(e);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.empty()) s.children.set(e, i);
    }
    return s;
  }

  /**
   * difference returns the members of this that are not members of other. Subtrees untouched by
   * `other` are shared with this set (sets are not mutated once built, except by {@link insert}
   * on fresh sets).
   */
  difference(other: FieldSet): FieldSet {
    const s = new FieldSet();
    s.member = this.member && !other.member;
    for (const [e, c] of this.children) {
      const o = other.children.get(e);
      const d = o ? c.difference(o) : c;
      if (!d.empty()) s.children.set(e, d);
    }
    return s;
  }

  /** withoutPrefixes removes every path that starts with one of `prefixes` (upstream ExcludeFilter). */
  withoutPrefixes(prefixes: FieldSet): FieldSet {
    if (prefixes.member) return new FieldSet();
    const s = new FieldSet();
    s.member = this.member;
    for (const [e, c] of this.children) {
      const p = prefixes.children.get(e);
      const d = p ? c.withoutPrefixes(p) : c;
      if (!d.empty()) s.children.set(e, d);
    }
    return s;
  }

  /** members lists every member path in upstream order. */
  members(prefix: PathElement[] = []): PathElement[][] {
    const out: PathElement[][] = [];
    if (this.member) out.push(prefix);
    for (const e of [...this.children.keys()].sort(comparePathElements)) {
      out.push(...this.children.get(e)!.members([...prefix, e]));
    }
    return out;
  }

  /** toFieldsV1 encodes the set as FieldsV1 JSON (`"."` for members with children). */
  toFieldsV1(): FieldsV1 {
    return encodeNode(this) ?? {};
  }

  /** fromFieldsV1 decodes FieldsV1 JSON. */
  static fromFieldsV1(f: unknown): FieldSet {
    const s = new FieldSet();
    const walk = (node: FieldSet, obj: unknown): void => {
      if (typeof obj !== 'object' || obj === null) return;
      for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
        if (k === '.') {
          node.member = true;
          continue;
        }
        const c = new FieldSet();
        node.children.set(k, c);
        const keys = typeof v === 'object' && v !== null ? Object.keys(v) : [];
        if (keys.length === 0) c.member = true;
        walk(c, v);
      }
    };
    walk(s, f);
    return s;
  }

  /** fromPaths builds a set from paths of field names, e.g. `[['status'], ['metadata', 'labels']]`. */
  static fromFieldPaths(paths: readonly (readonly string[])[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p.map(fieldElement));
    return s;
  }
}
