/**
 * nodeStrategy: Node is cluster-scoped; spec changes bump nothing; field selector
 * spec.unschedulable.
 *
 * upstream: pkg/registry/core/node/strategy.go.
 */
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { Strategy } from '../../rest/strategy.ts';

/** nodeStrategy is the Node strategy. */
export const nodeStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: false, hasStatusSubresource: true, hasSpec: false }),
  allowCreateOnUpdate: false,
  prepareForCreate(_ctx, obj) {
    obj.spec ??= {};
    obj.status ??= {};
  },
  fieldSelectorAttrs: (obj) => ({ 'spec.unschedulable': String(obj.spec?.unschedulable ?? false) }),
};

/** nodeStatusStrategy updates only status. */
export const nodeStatusStrategy: Strategy = newStatusStrategy(nodeStrategy);
