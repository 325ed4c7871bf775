/**
 * filteringResourceEventHandler passes on only the notifications about objects that satisfy
 * `filterFunc`, translating membership changes (client-go `FilteringResourceEventHandler`):
 * an update that makes an object match becomes `onAdd`, one that makes it stop matching
 * becomes `onDelete(old)`. `filterFunc` also receives tombstones on delete, so it must accept
 * {@link DeletedFinalStateUnknown} (usually by testing `.obj`). The scheduler uses this to
 * split assigned from unassigned pods.
 */
import type { KubeObject } from '../../resource-client.ts';
import type { ResourceEventHandler } from './shared-informer.ts';
import type { DeletedFinalStateUnknown } from './store.ts';

/** FilteringResourceEventHandlerOptions pair a filter with the handler it guards. */
export interface FilteringResourceEventHandlerOptions<T> {
  filterFunc: (obj: T | DeletedFinalStateUnknown<T>) => boolean;
  handler: ResourceEventHandler<T>;
}

/** filteringResourceEventHandler builds the filtering handler described above. */
export function filteringResourceEventHandler<T = KubeObject>(opts: FilteringResourceEventHandlerOptions<T>): ResourceEventHandler<T> {
  const { filterFunc, handler } = opts;
  return {
    onAdd(obj, isInInitialList) {
      if (filterFunc(obj)) handler.onAdd?.(obj, isInInitialList);
    },
    onUpdate(oldObj, newObj) {
      const before = filterFunc(oldObj);
      const after = filterFunc(newObj);
      if (before && after) handler.onUpdate?.(oldObj, newObj);
      else if (!before && after) handler.onAdd?.(newObj, false);
      else if (before && !after) handler.onDelete?.(oldObj);
    },
    onDelete(obj) {
      if (filterFunc(obj)) handler.onDelete?.(obj);
    },
  };
}
