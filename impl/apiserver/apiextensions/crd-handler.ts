/**
 * CustomResourceDefinitions: the CRD strategy (validation, defaults, Established/NamesAccepted
 * conditions) and the live serving of custom resources — each served version of a CRD becomes a
 * ServedResource with a Store, structural-schema pruning/defaulting/validation, status and scale
 * subresources, printer columns and an OpenAPI v3 document; deleting the CRD deletes its objects.
 *
 * upstream: staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/customresource_handler.go,
 * pkg/registry/customresourcedefinition/strategy.go, pkg/controller/{establish,finalizer}.
 */
import { fieldPath, invalid, invalidValue, notFound, patchMetaFromStructural, type PatchMeta, notSupported, required, type FieldError } from '#impl/apimachinery/index.ts';
import type { ResourceTableEntry } from '#generated/k8s/resource-table.ts';
import type { Interface, StoredObject, WatchEvent } from '#impl/storage/interfaces.ts';
import type { ServedResource, SubresourceHandler } from '../api-registry.ts';
import type { ControlPlane } from '../controlplane.ts';
import type { OpenApiV3Service } from '../openapi/openapi-v3.ts';
import { customResourcePrinter, simpleJsonPath } from '../printers/printers.ts';
import { newDefaultStrategy, newStatusStrategy } from '../registry/generic/default-strategy.ts';
import { rfc3339, Store } from '../registry/generic/store.ts';
import type { KubeObject, Strategy } from '../registry/rest/strategy.ts';
import { applyDefaults, findUnknownFields, StructuralCompiler, type Structural } from '../schema/structural.ts';
import { validateStructural } from '../schema/validation.ts';

const CRD_GROUP = 'apiextensions.k8s.io';

function setCrdDefaults(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  const names = (spec.names ??= {});
  if (names.kind) {
    names.singular ??= String(names.kind).toLowerCase();
    names.listKind ??= `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
  for (const v of spec.versions ?? []) {
    if (v.subresources?.scale === undefined && v.subresources && Object.keys(v.subresources).length === 0) delete v.subresources;
  }
}

function validateCrd(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const sp = fieldPath('spec');
  if (!spec.group) errs.push(required(sp.child('group'), ''));
  else if (!String(spec.group).includes('.')) errs.push(invalidValue(sp.child('group'), spec.group, 'should be a domain with at least one dot'));
  const names = spec.names ?? {};
  if (!names.plural) errs.push(required(sp.child('names', 'plural'), ''));
  if (!names.kind) errs.push(required(sp.child('names', 'kind'), ''));
  if (names.plural && spec.group && obj.metadata.name !== `${names.plural}.${spec.group}`) {
    errs.push(invalidValue(fieldPath('metadata', 'name'), obj.metadata.name, `must be spec.names.plural+"."+spec.group`));
  }
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) errs.push(notSupported(sp.child('scope'), spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions = spec.versions ?? [];
  if (!Array.isArray(versions) || versions.length === 0) errs.push(required(sp.child('versions'), 'must have exactly one version marked as storage version'));
  else {
    const storage = versions.filter((v: { storage?: boolean }) => v.storage);
    if (storage.length !== 1) errs.push(invalidValue(sp.child('versions'), versions.map((v: { name: string }) => v.name), 'must have exactly one version marked as storage version'));
    versions.forEach((v: Record<string, any>, i: number) => {
      if (!v.name) errs.push(required(sp.child('versions').index(i).child('name'), ''));
      if (!v.schema?.openAPIV3Schema) errs.push(required(sp.child('versions').index(i).child('schema', 'openAPIV3Schema'), 'schemas are required'));
      else if (v.schema.openAPIV3Schema.type !== 'object') errs.push(invalidValue(sp.child('versions').index(i).child('schema', 'openAPIV3Schema', 'type'), v.schema.openAPIV3Schema.type ?? '', 'must be object at the root'));
    });
  }
  return errs;
}

function establishedStatus(obj: KubeObject, now: string): Record<string, unknown> {
  const storage = (obj.spec?.versions ?? []).find((v: { storage?: boolean }) => v.storage)?.name;
  const stored = new Set<string>(obj.status?.storedVersions ?? []);
  if (storage) stored.add(storage);
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: obj.spec?.names ?? {},
    storedVersions: [...stored],
  };
}

/** newCrdStrategy is the CustomResourceDefinition strategy. */
export function newCrdStrategy(now: () => Date): Strategy {
  const base = newDefaultStrategy({ namespaced: false, hasStatusSubresource: true, hasSpec: true });
  return {
    ...base,
    prepareForCreate(ctx, obj) {
      base.prepareForCreate(ctx, obj);
      setCrdDefaults(obj);
      obj.status = establishedStatus(obj, rfc3339(now()));
    },
    prepareForUpdate(ctx, obj, old) {
      setCrdDefaults(obj);
      base.prepareForUpdate(ctx, obj, old);
      obj.status = { ...establishedStatus(obj, rfc3339(now())), conditions: old.status?.conditions ?? establishedStatus(obj, rfc3339(now())).conditions };
    },
    validate: (_ctx, obj) => validateCrd(obj),
    validateUpdate(_ctx, obj, old) {
      const errs = validateCrd(obj);
      if (obj.spec?.scope !== old.spec?.scope) errs.push(invalidValue(fieldPath('spec', 'scope'), obj.spec?.scope, 'field is immutable'));
      if (obj.spec?.names?.plural !== old.spec?.names?.plural) errs.push(invalidValue(fieldPath('spec', 'names', 'plural'), obj.spec?.names?.plural, 'field is immutable'));
      return errs;
    },
  };
}

/** CrdSupportOptions configures {@link installCrdSupport}. */
export interface CrdSupportOptions {
  controlPlane: ControlPlane;
  openapi: OpenApiV3Service;
  storage: Interface;
  signal: AbortSignal;
  now?: () => Date;
}

const META_SCHEMA = { type: 'object' };

/**
 * installCrdSupport replaces the generic CRD stores with CRD-aware ones and returns `start`,
 * which serves every stored CRD and keeps serving in sync with a storage watch.
 */
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export function installCrdSupport(o: CrdSupportOptions): { start(): Promise<void> } {
  const now = o.now ?? (() => new Date());
  const reg = o.controlPlane.registry;
  const crdPrefix = `/registry/${CRD_GROUP}/customresourcedefinitions`;
  /** served[crdName] = the group/version/resource keys registered for it. */
  const served = new Map<string, { group: string; plural: string; versions: string[]; uid: string }>();
  const compiler = new StructuralCompiler(() => undefined);

  const sync = (crd: KubeObject) => {
    const name = crd.metadata.name!;
    const spec = crd.spec ?? {};
    const prev = served.get(name);
    if (prev) for (const v of prev.versions) reg.remove(prev.group, v, prev.plural);
    if (crd.metadata.deletionTimestamp) {
      served.delete(name);
      publishOpenApi(spec.group);
      return;
    }
    const versions: string[] = [];
    for (const v of spec.versions ?? []) {
      if (v.served === false) continue;
      versions.push(v.name);
      reg.add(servedVersion(crd, v));
    }
    served.set(name, { group: spec.group, plural: spec.names.plural, versions, uid: crd.metadata.uid ?? '' });
    publishOpenApi(spec.group);
    if (prev && prev.group !== spec.group) publishOpenApi(prev.group);
  };

  const unserve = async (crd: KubeObject) => {
    const name = crd.metadata.name!;
    const prev = served.get(name);
    if (prev) for (const v of prev.versions) reg.remove(prev.group, v, prev.plural);
    served.delete(name);
    publishOpenApi(crd.spec?.group);
    // Deleting the CRD deletes its objects (upstream: the customresourcecleanup finalizer's controller).
    const prefix = `/registry/${crd.spec?.group}/${crd.spec?.names?.plural}/`;
    const list = await o.storage.list<KubeObject>(prefix, {});
    for (const it of list.items) {
      const key = it.metadata.namespace ? `${prefix}${it.metadata.namespace}/${it.metadata.name}` : `${prefix}${it.metadata.name}`;
      await o.storage.delete(key).catch(() => {});
    }
  };

  const crdObjects = new Map<string, KubeObject>();
  /** OpenAPI documents published for custom resources (never the built-in ones). */
  const published = new Set<string>();

  /**
   * withTypeMeta adds the apiVersion, kind and metadata properties to a published custom
   * resource schema, as upstream's CRD OpenAPI builder does (addTypeMetaProperties and the
   * ObjectMeta reference), so that `kubectl explain` shows them.
   */
  function withTypeMeta(schema: Record<string, any> | undefined): Record<string, any> {
    const out: Record<string, any> = structuredClone(schema ?? {});
    out.type ??= 'object';
    const typeMeta = (o.openapi.rawSchema('io.k8s.api.core.v1.Pod')?.properties ?? {}) as Record<string, Record<string, unknown>>;
    const description = (name: string): Record<string, unknown> => (typeof typeMeta[name]?.description === 'string' ? { description: typeMeta[name]!.description } : {});
    out.properties = {
      ...(out.properties ?? {}),
      apiVersion: { type: 'string', ...description('apiVersion') },
      kind: { type: 'string', ...description('kind') },
      metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], ...description('metadata') },
    };
    return out;
  }

  /** addMetaComponents copies ObjectMeta and the schemas it references into a CRD document. */
  function addMetaComponents(schemas: Record<string, unknown>): void {
    const pending = [OBJECT_META];
    while (pending.length) {
      const name = pending.pop()!;
      if (schemas[name]) continue;
      const raw = o.openapi.rawSchema(name);
      if (!raw) continue;
      schemas[name] = raw;
      for (const m of JSON.stringify(raw).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) pending.push(m[1]!);
    }
  }

  function publishOpenApi(group: string | undefined): void {
    if (!group) return;
    const byVersion = new Map<string, Record<string, unknown>>();
    for (const crd of crdObjects.values()) {
      if (crd.spec?.group !== group || !served.has(crd.metadata.name!)) continue;
      for (const v of crd.spec.versions ?? []) {
        if (v.served === false) continue;
        const doc = (byVersion.get(v.name) ?? { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths: {}, components: { schemas: {} } }) as {
          paths: Record<string, unknown>;
          components: { schemas: Record<string, unknown> };
        };
        const kind = crd.spec.names.kind;
        const schemaName = `${group.split('.').reverse().join('.')}.${v.name}.${kind}`;
        const gvk = [{ group, version: v.name, kind }];
        doc.components.schemas[schemaName] = { ...withTypeMeta(v.schema?.openAPIV3Schema), 'x-kubernetes-group-version-kind': gvk };
        addMetaComponents(doc.components.schemas);
        const ref = { $ref: `#/components/schemas/${schemaName}` };
        const plural = crd.spec.names.plural;
        const base = crd.spec.scope === 'Namespaced' ? `/apis/${group}/${v.name}/namespaces/{namespace}/${plural}` : `/apis/${group}/${v.name}/${plural}`;
        const op = (action: string) => ({
          'x-kubernetes-action': action,
          'x-kubernetes-group-version-kind': gvk[0],
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }, { name: 'dryRun', in: 'query', schema: { type: 'string' } }, { name: 'fieldManager', in: 'query', schema: { type: 'string' } }],
          responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
        });
        doc.paths[base] = { get: op('list'), post: op('post') };
        doc.paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
        byVersion.set(v.name, doc);
      }
    }
    // Set the served versions' documents; remove the ones this handler published before and no longer serves.
    for (const [v, doc] of byVersion) {
      o.openapi.setDocument(`apis/${group}/${v}`, doc);
      published.add(`apis/${group}/${v}`);
    }
    for (const path of [...published]) {
      if (path.startsWith(`apis/${group}/`) && !byVersion.has(path.slice(`apis/${group}/`.length))) {
        o.openapi.setDocument(path, undefined);
        published.delete(path);
      }
    }
  }

  function servedVersion(crd: KubeObject, v: Record<string, any>): ServedResource {
    const spec = crd.spec;
    const group: string = spec.group;
    const plural: string = spec.names.plural;
    const namespaced = spec.scope === 'Namespaced';
    const hasStatus = v.subresources?.status !== undefined;
    const scale = v.subresources?.scale as { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } | undefined;
    const entry: ResourceTableEntry = {
      group,
      version: v.name,
      resource: plural,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
      namespaced,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [
        ...(hasStatus ? [{ name: 'status', kind: spec.names.kind, group, version: v.name, verbs: ['get', 'patch', 'update'] }] : []),
        ...(scale ? [{ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] }] : []),
      ],
      schema: '',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      stability: 'ga',
    };
    const raw = structuredClone(v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    // metadata of a custom resource is always ObjectMeta; the CRD may only narrow name rules.
    if (raw.properties?.metadata) raw.properties.metadata = META_SCHEMA;
    const schema: Structural = compiler.compile(raw);
    const prefix = `/registry/${group}/${plural}`;
    const strategy = newDefaultStrategy({ namespaced, hasStatusSubresource: hasStatus, hasSpec: true });
    let meta: PatchMeta | undefined;
    const patchMeta = () => {
      if (!meta) {
        const om = o.openapi.structural('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
        meta = patchMetaFromStructural(schema, om ? { metadata: patchMetaFromStructural(om) } : {});
      }
      return meta;
    };
    const common = o.controlPlane.storeCommon(prefix, patchMeta);
    // Mutating admission (webhooks) may add fields the schema does not know: they are pruned
    // before validation and storage, as upstream's schema-coercing storage encoder does.
    const chain = common.admission;
    if (chain) {
      common.admission = () => {
        const a = chain();
        return a && {
          admit: async (ctx, call) => {
            await a.admit(ctx, call);
            if (call.object && call.operation !== 'CONNECT') findUnknownFields(call.object, schema, { prune: true, isRoot: true });
          },
          validate: (ctx, call) => a.validate(ctx, call),
        };
      };
    }
    const store = new Store({
      qualifiedResource: { group, resource: plural },
      group,
      version: v.name,
      kind: spec.names.kind,
      keyPrefix: prefix,
      strategy,
      // Objects stored before a default was added get it when read, as upstream's storage decoder does.
      decorator: (obj) => applyDefaults(obj, schema),
      beginCreate: namespaced
        ? async (ctx, obj) => {
            const ns = obj.metadata.namespace ?? ctx.namespace;
            if ((await o.controlPlane.namespaces.phase(ns)) === undefined) throw notFound({ group: '', resource: 'namespaces' }, ns);
          }
        : undefined,
      ...common,
    });
    const gk = { group, kind: spec.names.kind };
    const admitCustom = (obj: KubeObject) => {
      applyDefaults(obj, schema);
      const errs = validateStructural(obj, schema);
      if (errs.length) throw invalid(gk, obj.metadata?.name ?? '', errs);
    };
    const subs = new Map<string, SubresourceHandler>();
    if (hasStatus) subs.set('status', { store: store.withSubresource('status', newStatusStrategy(strategy)) });
    if (scale) subs.set('scale', crScaleHandler(store, scale, group, plural));
    return {
      entry,
      store,
      subresources: subs,
      schema,
      patchMeta,
      printer: customResourcePrinter(v.additionalPrinterColumns),
      custom: true,
      admitCustom,
    };
  }

  function crScaleHandler(store: Store, scale: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }, group: string, plural: string): SubresourceHandler {
    const toScale = (o: KubeObject): KubeObject => {
      const sel = scale.labelSelectorPath ? simpleJsonPath(o, scale.labelSelectorPath) : undefined;
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
        spec: { replicas: Number(simpleJsonPath(o, scale.specReplicasPath) ?? 0) },
        status: { replicas: Number(simpleJsonPath(o, scale.statusReplicasPath) ?? 0), ...(typeof sel === 'string' ? { selector: sel } : {}) },
      };
    };
    const setPath = (obj: KubeObject, path: string, value: unknown) => {
      const toks = path.replace(/^\./, '').split('.');
      let cur: Record<string, unknown> = obj;
      for (const t of toks.slice(0, -1)) cur = (cur[t] ??= {}) as Record<string, unknown>;
      cur[toks[toks.length - 1]!] = value;
    };
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      get: async (ctx, name) => toScale(await store.get(ctx, name)),
      update: async (ctx, name, objInfo, opts) => {
        const res = await store.update(
          ctx,
          name,
          async (old) => {
            if (!old) throw notFound({ group, resource: plural }, name);
            const sc = await objInfo(toScale(old));
            const next = structuredClone(old);
            setPath(next, scale.specReplicasPath, sc.spec?.replicas ?? 0);
            next.metadata.resourceVersion = sc.metadata?.resourceVersion || old.metadata.resourceVersion;
            return next;
          },
          opts,
        );
        return toScale(res.object);
      },
    };
  }

  // Replace the generic CRD stores with CRD-aware ones.
  for (const r of reg.all()) {
    if (r.entry.group !== CRD_GROUP || r.entry.resource !== 'customresourcedefinitions' || !r.store) continue;
    const strategy = newCrdStrategy(now);
    const store = new Store({
      qualifiedResource: { group: CRD_GROUP, resource: 'customresourcedefinitions' },
      group: CRD_GROUP,
      version: r.entry.version,
      kind: 'CustomResourceDefinition',
      keyPrefix: crdPrefix,
      strategy,
      afterCreate: (obj) => {
        crdObjects.set(obj.metadata.name!, obj);
        sync(obj);
      },
      afterUpdate: (obj) => {
        crdObjects.set(obj.metadata.name!, obj);
        sync(obj);
      },
      afterDelete: async (obj) => {
        crdObjects.delete(obj.metadata.name!);
        await unserve(obj);
      },
      ...o.controlPlane.storeCommon(crdPrefix, r.patchMeta),
    });
    r.store = store;
    r.subresources.set('status', { store: store.withSubresource('status', newStatusStrategy(strategy)) });
  }

  return {
    async start() {
      const list = await o.storage.list<KubeObject>(`${crdPrefix}/`, {});
      for (const crd of list.items) {
        crdObjects.set(crd.metadata.name!, crd);
        try {
          sync(crd);
        } catch (err) {
          process.stderr.write(`apiserver: serving CRD ${crd.metadata.name}: ${String(err)}\n`);
        }
      }
      // Follow changes made by other apiservers sharing the storage.
      void (async () => {
        const w = o.storage.watch<StoredObject>(`${crdPrefix}/`, { revision: list.revision, recursive: true, signal: o.signal });
        try {
          for await (const ev of w as AsyncIterable<WatchEvent<StoredObject>>) {
            const crd = ev.object as KubeObject;
            if (ev.type === 'DELETED') {
              if (crdObjects.delete(crd.metadata.name!)) await unserve(crd).catch(() => {});
            } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
              const cur = crdObjects.get(crd.metadata.name!);
              if (cur?.metadata.resourceVersion === crd.metadata.resourceVersion) continue;
              crdObjects.set(crd.metadata.name!, crd);
              sync(crd);
            }
          }
        } catch {
          /* ends on close */
        }
      })();
    },
  };
}
