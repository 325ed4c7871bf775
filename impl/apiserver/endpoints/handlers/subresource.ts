/**
 * Subresources: status-like ones (a Store over the same object), scale (custom get/update), and
 * action subresources (binding, eviction) that take a body and answer with a Status.
 *
 * upstream: the subresource REST storages wired in pkg/registry (StatusREST, ScaleREST, BindingREST, EvictionREST).
 */
import { badRequest, methodNotSupported, notFound } from '#impl/apimachinery/index.ts';
import type { SubresourceHandler } from '../../api-registry.ts';
import type { KubeObject } from '../../registry/rest/strategy.ts';
import { negotiateInput, negotiateOutput } from '../../negotiation.ts';
import { applyPatch, type PatchKind } from '../patch.ts';
import { writeJson } from '../responses.ts';
import { writeObject } from './response.ts';
import { upgradeOf } from './connect.ts';
import { readBody, type RestRequest, dryRunOf, fieldManagerOf, checkTypeMeta, apiVersionOf, pageNotFound, decodeForWrite, checkUnknownFields } from './rest.ts';
import { patchTypeError } from './patch.ts';

export async function serveSubresource(r: RestRequest): Promise<void> {
  const { info, served } = r;
  const sub: SubresourceHandler | undefined = served.subresources.get(info.subresource);
  const entrySub = served.entry.subresources.find((s) => s.name === info.subresource);
  if (!sub || !entrySub) throw pageNotFound();
  const gr = { group: served.entry.group, resource: `${served.entry.resource}/${info.subresource}` };
  const verb = info.verb === 'list' ? 'get' : info.verb;
  // Proxy subresources pass OPTIONS through too (upstream proxyMethods), though no verb names it.
  const proxiedOptions = sub.connect !== undefined && info.subresource === 'proxy' && r.req.method === 'OPTIONS';
  if (!entrySub.verbs.includes(verb) && !proxiedOptions) throw methodNotSupported(gr, verb);
  if (sub.connect) {
    const rest = info.parts.slice(3).join('/');
    const trailing = rest !== '' && /\/$/.test(new URL(r.req.url ?? '/', 'https://x').pathname) ? '/' : '';
    return sub.connect(r.ctx, info.name, { req: r.req, res: r.res, query: r.query, path: rest + trailing, upgrade: upgradeOf(r.req) });
  }
  const out = negotiateOutput(r.req.headers.accept);
  const dryRun = dryRunOf(r.query);
  const subApiVersion = sub.apiVersion ?? apiVersionOf(served);
  const subKind = sub.kind ?? served.entry.kind;
  if (sub.store) {
    const store = sub.store;
    if (verb === 'get') return writeObject(r, out, 200, await store.get(r.ctx, info.name));
    if (verb === 'update') {
      const obj = await decodeForWrite(r, { apiVersion: subApiVersion, kind: subKind, schema: served.schema });
      const res = await store.update(r.ctx, info.name, (old) => {
        const next = structuredClone(obj);
        if (served.admitCustom && old) served.admitCustom(next, 'update', old);
        return next;
      }, { dryRun, fieldManager: fieldManagerOf(r) });
      return writeObject(r, out, 200, res.object);
    }
    if (verb === 'patch') {
      const kind = negotiateInput('patch', r.req.headers['content-type']) as PatchKind;
      const buf = await readBody(r.req);
      const manager = r.query.get('fieldManager') ?? '';
      if (kind === 'apply-patch' && !manager) throw badRequest('PATCH requests with application/apply-patch+yaml must include fieldManager');
      const res = await store.update(
        r.ctx,
        info.name,
        async (old) => {
          if (!old) throw notFound({ group: served.entry.group, resource: served.entry.resource }, info.name);
          const next = await applyPatch({ kind, patch: buf, old, patchMeta: served.patchMeta?.(), manager: manager || fieldManagerOf(r), force: r.query.get('force') === 'true', apiVersion: subApiVersion, objectKind: subKind, group: served.entry.group, resource: served.entry.resource, name: info.name, namespace: info.namespace, now: r.now(), subresource: info.subresource, resetFields: store.strategy.resetFields ?? [] });
          const typed = checkTypeMeta(next, subApiVersion, subKind);
          // Built-in kinds: values must fit the Go types (a type-only walk; unknown fields are not reported here).
          if (!served.custom) checkUnknownFields(r, typed, served.schema, 'Ignore', false, [], (e) => patchTypeError(kind, buf, typed, e));
          if (served.admitCustom) served.admitCustom(typed, 'update', old);
          return typed;
        },
        { dryRun, fieldManager: manager || fieldManagerOf(r), skipManagedFields: kind === 'apply-patch' },
      );
      return writeObject(r, out, 200, res.object);
    }
    throw methodNotSupported(gr, verb);
  }
  if (verb === 'get' && sub.get) return writeObject(r, out, 200, await sub.get(r.ctx, info.name));
  if ((verb === 'update' || verb === 'patch') && sub.update) {
    let objInfo: (old: KubeObject) => Promise<KubeObject>;
    if (verb === 'update') {
      const obj = await decodeForWrite(r, { apiVersion: subApiVersion, kind: subKind, schema: sub.schema });
      objInfo = async () => obj;
    } else {
      const kind = negotiateInput('patch', r.req.headers['content-type']) as PatchKind;
      const buf = await readBody(r.req);
      objInfo = async (old) => {
        const next = await applyPatch({ kind, patch: buf, old, patchMeta: sub.patchMeta?.(), manager: r.query.get('fieldManager') || fieldManagerOf(r), force: r.query.get('force') === 'true', apiVersion: subApiVersion, objectKind: subKind, group: served.entry.group, resource: served.entry.resource, name: info.name, namespace: info.namespace, now: r.now(), subresource: info.subresource, resetFields: [] });
        const typed = checkTypeMeta(next, subApiVersion, subKind);
        if (!served.custom && sub.schema) checkUnknownFields(r, typed, sub.schema, 'Ignore', false, [], (e) => patchTypeError(kind, buf, typed, e));
        return typed;
      };
    }
    const res = await sub.update(r.ctx, info.name, objInfo, { dryRun, fieldManager: fieldManagerOf(r) });
    return writeObject(r, out, 200, res);
  }
  if (verb === 'create' && sub.create) {
    const obj = await decodeForWrite(r, { apiVersion: entrySub.group ? `${entrySub.group}/${entrySub.version}` : entrySub.version, kind: entrySub.kind, schema: sub.schema });
    const res = await sub.create(r.ctx, info.name, obj, { dryRun });
    writeJson(r.res, 201, res, r.ctx.warnings);
    return;
  }
  throw methodNotSupported(gr, verb);
}
