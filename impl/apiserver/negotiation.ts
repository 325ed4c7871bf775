/**
 * Content negotiation for the API: which representation the client accepts (JSON, Table,
 * PartialObjectMetadata, aggregated discovery) and which request bodies are understood.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation/negotiate.go and
 * handlers/response.go (transformObject for Table / PartialObjectMetadata).
 */
import { notAcceptable, unsupportedMediaType } from '#impl/apimachinery/index.ts';

/** MediaRange is one parsed entry of an Accept header. */
export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** parseAccept parses an Accept header into media ranges in preference order. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === '') return [{ type: '*', subtype: '*', params: {}, q: 1 }];
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mt, ...ps] = part.split(';').map((s) => s.trim());
    if (!mt) continue;
    const [type, subtype] = mt.toLowerCase().split('/');
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of ps) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
      if (k === 'q') q = Number(v);
      else params[k] = v;
    }
    out.push({ type: type ?? '*', subtype: subtype ?? '*', params, q: Number.isFinite(q) ? q : 1 });
  }
  return out.filter((m) => m.q > 0).sort((a, b) => b.q - a.q);
}

/** OutputKind is what the response body will be. */
export type OutputKind =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1'; list: boolean }
  | { kind: 'yaml' };

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** ACCEPTED_MEDIA_TYPES lists what the API serves (for 406 bodies). */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/**
 * negotiateOutput picks the representation for a resource response. Table and
 * PartialObjectMetadata come from `as=`/`g=`/`v=` parameters; protobuf is never served, so a
 * client accepting only protobuf gets 406 NotAcceptable and one that also accepts JSON gets JSON.
 */
export function negotiateOutput(accept: string | undefined): OutputKind {
  for (const m of parseAccept(accept)) {
    const full = `${m.type}/${m.subtype}`;
    if (full === 'application/json' && m.params.as) {
      const g = m.params.g;
      const v = m.params.v;
      if (g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) {
        if (m.params.as === 'Table') return { kind: 'table', version: v };
        if (m.params.as === 'PartialObjectMetadata') return { kind: 'partial', version: v, list: false };
        if (m.params.as === 'PartialObjectMetadataList') return { kind: 'partial', version: v, list: true };
      }
      continue; // an unknown `as` is skipped (upstream: not acceptable for this entry)
    }
    if (JSON_TYPES.has(full)) return { kind: 'json' };
    if (full === 'application/yaml') return { kind: 'yaml' };
    if (full === PROTOBUF) continue;
  }
  throw notAcceptable(ACCEPTED_MEDIA_TYPES);
}

/** BodyKind is how a request body is decoded. */
export type BodyKind = 'json' | 'yaml' | 'protobuf' | 'merge-patch' | 'json-patch' | 'strategic-merge-patch' | 'apply-patch';

const PATCH_TYPES: Record<string, BodyKind> = {
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
  'application/apply-patch+cbor': 'apply-patch',
};

/** PATCH_MEDIA_TYPES are the patch types in the order upstream lists them. */
export const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

/** contentTypeOf returns the bare media type of a Content-Type header. */
export function contentTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * negotiateInput checks a write's Content-Type: JSON, YAML and Kubernetes protobuf for
 * create/update, the four patch types for PATCH, 415 UnsupportedMediaType otherwise.
 */
export function negotiateInput(verb: string, header: string | undefined, patchTypes: readonly string[] = PATCH_MEDIA_TYPES): BodyKind {
  const ct = contentTypeOf(header);
  if (verb === 'patch') {
    const k = PATCH_TYPES[ct];
    if (!k || !patchTypes.includes(ct === 'application/apply-patch+cbor' ? 'application/apply-patch+yaml' : ct)) throw unsupportedMediaType(patchTypes);
    return k;
  }
  if (ct === '' || ct === 'application/json') return 'json';
  if (ct === 'application/yaml') return 'yaml';
  if (ct === PROTOBUF) return 'protobuf';
  throw unsupportedMediaType(['application/json', 'application/yaml', PROTOBUF]);
}

/** isAggregatedDiscovery tells whether the Accept header asks for APIGroupDiscoveryList, and which version. */
export function aggregatedDiscoveryVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const m of parseAccept(accept)) {
    if (`${m.type}/${m.subtype}` !== 'application/json') {
      if (m.type === '*' || (m.type === 'application' && m.subtype === '*')) return undefined;
      continue;
    }
    if (m.params.as === 'APIGroupDiscoveryList' && m.params.g === 'apidiscovery.k8s.io') {
      if (m.params.v === 'v2') return 'v2';
      if (m.params.v === 'v2beta1') return 'v2beta1';
      continue;
    }
    if (!m.params.as) return undefined;
  }
  return undefined;
}
