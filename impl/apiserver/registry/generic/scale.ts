/**
 * The `scale` subresource of workloads: reads and writes spec.replicas of the parent as an
 * autoscaling/v1 Scale.
 *
 * upstream: pkg/registry/apps/deployment/storage/storage.go (ScaleREST, scaleUpdatedObjectInfo)
 * and its replicaset/statefulset/replicationcontroller twins.
 */
import type { ResourceTableEntry } from '#generated/k8s/resource-table.ts';
import { badRequest, fieldPath, invalid, invalidValue, labels, notFound, patchMetaFromStructural, type PatchMeta } from '#impl/apimachinery/index.ts';
import type { SubresourceHandler } from '../../api-registry.ts';
import type { Structural } from '../../schema/structural.ts';
import type { KubeObject } from '../rest/strategy.ts';
import type { Store } from './store.ts';

/** scaleHandler serves `<resource>/scale` as autoscaling/v1 Scale (upstream ScaleREST). */
export function scaleHandler(store: Store, e: ResourceTableEntry, schemaOf: () => Structural | undefined): SubresourceHandler {
  const toScale = (o: KubeObject): KubeObject => {
    const sel = o.spec?.selector;
    let selector = '';
    if (sel) selector = e.resource === 'replicationcontrollers' ? labels.selectorFromSet(sel).toString() : labels.labelSelectorAsSelector(sel).toString();
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
      spec: { replicas: o.spec?.replicas ?? 0 },
      status: { replicas: o.status?.replicas ?? 0, ...(selector ? { selector } : {}) },
    };
  };
  let meta: PatchMeta | undefined;
  return {
    // The Scale schema is compiled on first use, not at startup.
    get schema() {
      return schemaOf();
    },
    patchMeta: () => {
      const schema = schemaOf();
      return (meta ??= schema ? patchMetaFromStructural(schema) : undefined);
    },
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    get: async (ctx, name) => toScale(await store.get(ctx, name)),
    update: async (ctx, name, objInfo, opts) => {
      const res = await store.update(
        ctx,
        name,
        async (old) => {
          if (!old) throw notFound({ group: e.group, resource: e.resource }, name);
          const scale = await objInfo(toScale(old));
          if (scale.metadata?.name && scale.metadata.name !== name) throw badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
          const replicas = scale.spec?.replicas;
          if (typeof replicas !== 'number' || replicas < 0) {
            throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [invalidValue(fieldPath('spec', 'replicas'), replicas, 'must be greater than or equal to 0')]);
          }
          const next = structuredClone(old);
          next.spec = { ...(next.spec ?? {}), replicas };
          // A resourceVersion in the Scale is a precondition on the parent (upstream scaleUpdatedObjectInfo).
          next.metadata.resourceVersion = scale.metadata?.resourceVersion || old.metadata.resourceVersion;
          return next;
        },
        { dryRun: opts.dryRun, fieldManager: opts.fieldManager },
      );
      return toScale(res.object);
    },
  };
}

