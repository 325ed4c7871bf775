/**
 * Listers read from an informer's indexer (client-go `tools/cache/listers.go`
 * `GenericLister`). They never call the apiserver.
 */
import { parse as parseLabelSelector } from '#impl/apimachinery/labels/selector.ts';
import type { KubeObject } from '../../resource-client.ts';
import { namespaceIndex, type Indexer } from './indexer.ts';

/** LabelMatcher is anything with `matches(labels)`, e.g. a parsed `labels.Selector`. */
export interface LabelMatcher {
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
}

/** SelectorArg is a label selector as a matcher or as text (`app=web,tier!=db`); omitted = everything. */
export type SelectorArg = LabelMatcher | string | undefined;

/**
 * GenericNamespaceLister lists and gets objects of one namespace. `get` returns `undefined`
 * for an object that is not in the cache (upstream returns a NotFound error; here "not found"
 * is an expected outcome, so it is a value). Never modify what it returns.
 */
export interface GenericNamespaceLister<T = KubeObject> {
  list(selector?: SelectorArg): T[];
  get(name: string): T | undefined;
}

/**
 * GenericLister lists across namespaces, gets cluster-scoped objects by name, and narrows to a
 * namespace with `byNamespace` (client-go `GenericLister`).
 */
export interface GenericLister<T = KubeObject> extends GenericNamespaceLister<T> {
  byNamespace(namespace: string): GenericNamespaceLister<T>;
}

function toMatcher(selector: SelectorArg): LabelMatcher | undefined {
  if (selector === undefined || selector === '') return undefined;
  return typeof selector === 'string' ? parseLabelSelector(selector) : selector;
}

function filter<T extends KubeObject>(objs: T[], selector: SelectorArg): T[] {
  const m = toMatcher(selector);
  return m ? objs.filter((o) => m.matches(o.metadata?.labels)) : objs;
}

/** newGenericLister returns a {@link GenericLister} over `indexer` (which must have the namespace index to use `byNamespace`). */
export function newGenericLister<T extends KubeObject = KubeObject>(indexer: Indexer<T>): GenericLister<T> {
  return {
    list: (selector) => filter(indexer.list(), selector),
    get: (name) => indexer.getByKey(name),
    byNamespace: (namespace) => ({
      list: (selector) => filter(indexer.byIndex(namespaceIndex, namespace), selector),
      get: (name) => indexer.getByKey(`${namespace}/${name}`),
    }),
  };
}
