/**
 * Field paths for validation errors, in the style of upstream
 * `k8s.io/apimachinery/pkg/util/validation/field/path.go`.
 *
 * @example
 * fieldPath('metadata').child('labels').key('app').toString() // 'metadata.labels[app]'
 * fieldPath('spec', 'containers').index(0).child('name').toString() // 'spec.containers[0].name'
 */

/**
 * FieldPath is an immutable path to a field of an object. Each step is a field name, a list
 * index or a map key; `toString()` renders it like upstream (`a.b[0].c[key]`).
 */
export class FieldPath {
  /** The parent path, or undefined for a root element. */
  readonly parent: FieldPath | undefined;
  /** The field name of this element, '' for an index or key element. */
  readonly name: string;
  /** The rendered index or key of this element (without brackets), '' for a named element. */
  readonly indexOrKey: string;

  private constructor(parent: FieldPath | undefined, name: string, indexOrKey: string) {
    this.parent = parent;
    this.name = name;
    this.indexOrKey = indexOrKey;
  }

  /** root creates a new root path element (internal; use {@link fieldPath}). */
  static root(name: string, ...moreNames: string[]): FieldPath {
    let p = new FieldPath(undefined, name, '');
    for (const n of moreNames) p = new FieldPath(p, n, '');
    return p;
  }

  /** child returns a new path for the named field(s) below this one. */
  child(name: string, ...moreNames: string[]): FieldPath {
    let p: FieldPath = new FieldPath(this, name, '');
    for (const n of moreNames) p = new FieldPath(p, n, '');
    return p;
  }

  /** index returns a new path for the list element at `index` below this one. */
  index(index: number): FieldPath {
    return new FieldPath(this, '', String(index));
  }

  /** key returns a new path for the map entry `key` below this one. */
  key(key: string): FieldPath {
    return new FieldPath(this, '', key);
  }

  /** root returns the first element of this path. */
  getRoot(): FieldPath {
    let p: FieldPath = this;
    while (p.parent) p = p.parent;
    return p;
  }

  /** elements returns the path's elements from root to this one. */
  elements(): FieldPath[] {
    const out: FieldPath[] = [];
    for (let p: FieldPath | undefined = this; p; p = p.parent) out.unshift(p);
    return out;
  }

  /** toString renders the path as upstream does: `spec.containers[0].env[FOO]`. */
  toString(): string {
    let s = '';
    this.elements().forEach((e, i) => {
      if (e.name !== '') {
        if (i > 0) s += '.';
        s += e.name;
      } else {
        s += `[${e.indexOrKey}]`;
      }
    });
    return s;
  }
}

/**
 * fieldPath creates a root {@link FieldPath} (upstream `field.NewPath`).
 * Extra names become children: `fieldPath('spec', 'template')` is `spec.template`.
 */
export function fieldPath(name: string, ...moreNames: string[]): FieldPath {
  return FieldPath.root(name, ...moreNames);
}
