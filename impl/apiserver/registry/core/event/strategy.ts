/**
 * eventStrategy: Events are unconditionally updatable and selectable by involvedObject fields.
 *
 * upstream: pkg/registry/core/event/strategy.go (ToSelectableFields).
 */
import { fieldPath, required } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';

/** eventStrategy is the core/v1 Event strategy. */
export const eventStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: false, hasSpec: false }),
  allowUnconditionalUpdate: true,
  validate(_ctx, obj: KubeObject) {
    return obj.involvedObject ? [] : [required(fieldPath('involvedObject'), '')];
  },
  fieldSelectorAttrs(obj: KubeObject) {
    const io = obj.involvedObject ?? {};
    return {
      'involvedObject.kind': io.kind ?? '',
      'involvedObject.namespace': io.namespace ?? '',
      'involvedObject.name': io.name ?? '',
      'involvedObject.uid': io.uid ?? '',
      'involvedObject.apiVersion': io.apiVersion ?? '',
      'involvedObject.resourceVersion': io.resourceVersion ?? '',
      'involvedObject.fieldPath': io.fieldPath ?? '',
      reason: obj.reason ?? '',
      reportingComponent: obj.reportingComponent ?? '',
      source: obj.source?.component ?? '',
      type: obj.type ?? '',
    };
  },
};
