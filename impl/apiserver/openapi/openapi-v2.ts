/**
 * OpenApiV2Service serves `/openapi/v2`: the swagger 2.0 document built from the OpenAPI v3
 * documents ({@link buildOpenApiV2}), as JSON or as gnostic's `openapi.v2.Document` protobuf
 * ({@link encodeOpenApiV2}), which kubectl downloads for client-side validation of kinds whose v3
 * document offers no server-side field validation (SubjectAccessReview, TokenReview, Binding...).
 *
 * Each representation is built on first request and cached with its ETag until the set of v3
 * documents changes (a custom resource definition is published or withdrawn).
 *
 * upstream: k8s.io/kube-openapi/pkg/handler/handler.go (OpenAPIService, ServeHTTP).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusError } from '#impl/apimachinery/index.ts';
import { parseAccept } from '../negotiation.ts';
import { buildOpenApiV2, type OpenApiV3Document, type SwaggerDocument } from './openapi-v2-builder.ts';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './openapi-v2-proto.ts';

/**
 * OPENAPI_V2_PROTOBUF_ALT is the newer spelling of the protobuf media type. It is the Content-Type
 * of every protobuf response, whichever spelling was asked for: `@` is not a token character, so
 * Go's `mime.ParseMediaType` (client-go reads the Content-Type with it) rejects the older one.
 */
export const OPENAPI_V2_PROTOBUF_ALT = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** OpenApiV3Source is what the service reads from the v3 documents (OpenApiV3Service satisfies it). */
export interface OpenApiV3Source {
  index(): { paths: Record<string, { serverRelativeURL: string }> };
  document(path: string): { readonly raw: Buffer; parsed?: unknown } | undefined;
}

/** OpenApiV2ServiceOptions configures {@link OpenApiV2Service}. */
export interface OpenApiV2ServiceOptions {
  /** info.title (upstream: `Kubernetes`). */
  title?: string;
  /** info.version, the server's git version. */
  version: string;
  /** now stamps Last-Modified when a representation is built. */
  now?: () => Date;
}

/** OpenApiV2Representation is one cached encoding of the document. */
export interface OpenApiV2Representation {
  readonly bytes: Buffer;
  /** Uppercase hex SHA-512 of `bytes` (quoted in the ETag header). */
  readonly etag: string;
  readonly lastModified: Date;
}

/** OpenApiV2Format is the encoding a request negotiated. */
export type OpenApiV2Format = { kind: 'json'; contentType: 'application/json' } | { kind: 'protobuf'; contentType: typeof OPENAPI_V2_PROTOBUF_ALT };

/**
 * negotiateOpenApiV2 picks the encoding from an Accept header as upstream does: the first media
 * range (by q) that matches JSON or one of the two protobuf spellings wins, `*` matching either
 * part; no Accept header means any. Undefined means 406 Not Acceptable.
 */
export function negotiateOpenApiV2(accept: string | undefined): OpenApiV2Format | undefined {
  const offers: Array<[string, OpenApiV2Format]> = [
    ['application/json', { kind: 'json', contentType: 'application/json' }],
    [OPENAPI_V2_PROTOBUF, { kind: 'protobuf', contentType: OPENAPI_V2_PROTOBUF_ALT }],
    [OPENAPI_V2_PROTOBUF_ALT, { kind: 'protobuf', contentType: OPENAPI_V2_PROTOBUF_ALT }],
  ];
  for (const m of parseAccept(accept)) {
    for (const [mediaType, o] of offers) {
      const [type, subtype] = mediaType.split('/');
      if ((m.type === type || m.type === '*') && (m.subtype === subtype || m.subtype === '*')) return o;
    }
  }
  return undefined;
}

function representation(bytes: Buffer, now: Date): OpenApiV2Representation {
  return { bytes, etag: createHash('sha512').update(bytes).digest('hex').toUpperCase(), lastModified: now };
}

/** OpenApiV2Service builds and caches the `/openapi/v2` document from a set of v3 documents. */
export class OpenApiV2Service {
  private cache: { key: string; doc: SwaggerDocument; json?: OpenApiV2Representation; protobuf?: OpenApiV2Representation } | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly source: OpenApiV3Source,
    private readonly opts: OpenApiV2ServiceOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  /** document returns the swagger document, rebuilt when the v3 documents changed since the last call. */
  document(): SwaggerDocument {
    const paths = Object.entries(this.source.index().paths);
    const key = paths.map(([p, v]) => `${p} ${v.serverRelativeURL}`).join('\n');
    if (this.cache?.key === key) return this.cache.doc;
    const docs: OpenApiV3Document[] = [];
    for (const [p] of paths) {
      const d = this.source.document(p);
      if (d) docs.push((d.parsed as OpenApiV3Document | undefined) ?? (JSON.parse(d.raw.toString('utf8')) as OpenApiV3Document));
    }
    const doc = buildOpenApiV2(docs, { title: this.opts.title ?? 'Kubernetes', version: this.opts.version });
    this.cache = { key, doc };
    return doc;
  }

  /** json returns the JSON encoding and its ETag. */
  json(): OpenApiV2Representation {
    const doc = this.document();
    return (this.cache!.json ??= representation(Buffer.from(JSON.stringify(doc)), this.now()));
  }

  /** protobuf returns the `openapi.v2.Document` encoding and its ETag. */
  protobuf(): OpenApiV2Representation {
    const doc = this.document();
    return (this.cache!.protobuf ??= representation(Buffer.from(encodeOpenApiV2(doc)), this.now()));
  }
}

/**
 * serveOpenApiV2 answers a `/openapi/v2` request: negotiates the encoding (406 NotAcceptable when
 * neither is accepted), sets Content-Type, ETag, Last-Modified and `Vary: Accept`, and answers 304
 * when If-None-Match names the current ETag.
 */
export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse, svc: OpenApiV2Service): void {
  const format = negotiateOpenApiV2(req.headers.accept);
  if (!format) {
    throw new StatusError({ reason: 'NotAcceptable', message: `only application/json, ${OPENAPI_V2_PROTOBUF} and ${OPENAPI_V2_PROTOBUF_ALT} are supported` });
  }
  const rep = format.kind === 'json' ? svc.json() : svc.protobuf();
  const etag = `"${rep.etag}"`;
  res.setHeader('Vary', 'Accept');
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', rep.lastModified.toUTCString());
  res.setHeader('Cache-Control', 'no-cache, private');
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', format.contentType);
  res.setHeader('Content-Length', rep.bytes.length);
  res.end(req.method === 'HEAD' ? undefined : rep.bytes);
}
