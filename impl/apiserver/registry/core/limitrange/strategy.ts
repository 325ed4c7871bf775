/**
 * limitRangeStrategy: LimitRange defaults for Container limits (a default limit from max, a
 * default request from the default limit or from min).
 *
 * upstream: pkg/registry/core/limitrange/strategy.go, pkg/apis/core/v1/defaults.go
 * (SetDefaults_LimitRangeItem).
 */
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

type ResourceList = Record<string, string>;

/** setDefaultsLimitRange applies upstream SetDefaults_LimitRangeItem to every Container item. */
export function setDefaultsLimitRange(obj: KubeObject): void {
  for (const item of (obj.spec?.limits ?? []) as Array<Record<string, ResourceList | string | undefined>>) {
    if (item.type !== 'Container') continue;
    const def = (item.default ??= {}) as ResourceList;
    const req = (item.defaultRequest ??= {}) as ResourceList;
    for (const [k, v] of Object.entries((item.max ?? {}) as ResourceList)) def[k] ??= v;
    for (const [k, v] of Object.entries(def)) req[k] ??= v;
    for (const [k, v] of Object.entries((item.min ?? {}) as ResourceList)) req[k] ??= v;
    // Empty lists are omitted, as upstream's omitempty maps.
    if (Object.keys(def).length === 0) delete item.default;
    if (Object.keys(req).length === 0) delete item.defaultRequest;
  }
}

const base = newDefaultStrategy({ namespaced: true, hasStatusSubresource: false, hasSpec: true });

/** limitRangeStrategy is the LimitRange strategy. */
export const limitRangeStrategy: Strategy = {
  ...base,
  prepareForCreate(ctx, obj) {
    base.prepareForCreate(ctx, obj);
    setDefaultsLimitRange(obj);
  },
  prepareForUpdate(ctx, obj, old) {
    setDefaultsLimitRange(obj);
    base.prepareForUpdate(ctx, obj, old);
  },
};
