import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toStatus } from '#impl/apimachinery/index.ts';
import { negotiateOpenApiV2, OpenApiV2Service, OPENAPI_V2_PROTOBUF_ALT, serveOpenApiV2, type OpenApiV3Source } from './openapi-v2.ts';
import { decodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './openapi-v2-proto.ts';

const negotiation: Array<{ name: string; accept: string | undefined; want: string | undefined }> = [
  { name: 'kubectl (client-go discovery) asks for protobuf', accept: OPENAPI_V2_PROTOBUF, want: OPENAPI_V2_PROTOBUF_ALT },
  { name: 'the newer protobuf spelling', accept: OPENAPI_V2_PROTOBUF_ALT, want: OPENAPI_V2_PROTOBUF_ALT },
  { name: 'JSON', accept: 'application/json', want: 'application/json' },
  { name: 'no Accept header is JSON', accept: undefined, want: 'application/json' },
  { name: '*/* is JSON (listed first)', accept: '*/*', want: 'application/json' },
  { name: 'application/* is JSON', accept: 'application/*', want: 'application/json' },
  { name: 'q-values decide', accept: `application/json;q=0.5, ${OPENAPI_V2_PROTOBUF}`, want: OPENAPI_V2_PROTOBUF_ALT },
  { name: 'an unknown type is skipped for the next one', accept: `application/yaml, ${OPENAPI_V2_PROTOBUF_ALT}`, want: OPENAPI_V2_PROTOBUF_ALT },
  { name: 'Kubernetes protobuf is not acceptable', accept: 'application/vnd.kubernetes.protobuf', want: undefined },
  { name: 'text/html is not acceptable', accept: 'text/html', want: undefined },
];

for (const c of negotiation) {
  test(`negotiateOpenApiV2: ${c.name}`, (t) => {
    const got: string | undefined = negotiateOpenApiV2(c.accept)?.contentType;
    t.is(got, c.want);
  });
}

/** fakeSource serves one v3 document whose hash the test can change (a CRD published). */
function fakeSource(): OpenApiV3Source & { docs: Map<string, unknown> } {
  const docs = new Map<string, unknown>([
    ['api/v1', { paths: { '/api/v1/pods': { get: { operationId: 'listPods', responses: { '200': { description: 'OK' } } } } }, components: { schemas: { Pod: { type: 'object', properties: { kind: { type: 'string' } }, 'x-kubernetes-group-version-kind': [{ group: '', kind: 'Pod', version: 'v1' }] } } } }],
  ]);
  return {
    docs,
    index: () => ({ paths: Object.fromEntries([...docs.keys()].map((p) => [p, { serverRelativeURL: `/openapi/v3/${p}?hash=${JSON.stringify(docs.get(p)).length}` }])) }),
    document: (p) => (docs.has(p) ? { raw: Buffer.from(JSON.stringify(docs.get(p))) } : undefined),
  };
}

async function withServer(svc: OpenApiV2Service, fn: (get: (headers: Record<string, string>) => Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>) => Promise<void>): Promise<void> {
  const server = http.createServer((req, res) => {
    try {
      serveOpenApiV2(req, res, svc);
    } catch (err) {
      const s = toStatus(err);
      res.statusCode = s.code ?? 500;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(s));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const get = (headers: Record<string, string>) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/openapi/v2', headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });
  try {
    await fn(get);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('serveOpenApiV2: JSON and protobuf with their Content-Type and ETag, 304 on If-None-Match, 406 otherwise', async (t) => {
  const svc = new OpenApiV2Service(fakeSource(), { version: 'v1.35.0', now: () => new Date('2026-01-02T03:04:05Z') });
  await withServer(svc, async (get) => {
    const json = await get({ accept: 'application/json' });
    t.is(json.status, 200);
    t.is(json.headers['content-type'], 'application/json');
    t.is(json.headers.vary, 'Accept');
    t.is(json.headers['last-modified'], 'Fri, 02 Jan 2026 03:04:05 GMT');
    t.regex(String(json.headers.etag), /^"[0-9A-F]{128}"$/);
    const doc = JSON.parse(json.body.toString('utf8'));
    t.is(doc.swagger, '2.0');
    t.deepEqual(Object.keys(doc.paths), ['/api/v1/pods']);
    t.deepEqual(doc.definitions.Pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);

    const pb = await get({ accept: OPENAPI_V2_PROTOBUF });
    t.is(pb.status, 200);
    t.is(pb.headers['content-type'], OPENAPI_V2_PROTOBUF_ALT);
    t.not(pb.headers.etag, json.headers.etag);
    const decoded = decodeOpenApiV2(pb.body) as unknown as { swagger: string; definitions: { additionalProperties: Array<{ name: string }> } };
    t.is(decoded.swagger, '2.0');
    t.deepEqual(decoded.definitions.additionalProperties.map((d) => d.name), ['Pod']);

    const cached = await get({ accept: OPENAPI_V2_PROTOBUF, 'if-none-match': String(pb.headers.etag) });
    t.is(cached.status, 304);
    t.is(cached.body.length, 0);
    const stale = await get({ accept: 'application/json', 'if-none-match': '"0000"' });
    t.is(stale.status, 200);

    const none = await get({ accept: 'text/html' });
    t.is(none.status, 406);
    t.is(JSON.parse(none.body.toString('utf8')).reason, 'NotAcceptable');
  });
});

test('OpenApiV2Service: cached until the v3 documents change, then rebuilt', (t) => {
  const src = fakeSource();
  const svc = new OpenApiV2Service(src, { version: 'v1.35.0' });
  const first = svc.json();
  t.is(svc.json(), first, 'the same representation is served twice');
  src.docs.set('apis/example.com/v1', { paths: {}, components: { schemas: { 'com.example.v1.Widget': { type: 'object', properties: { spec: { type: 'object' } } } } } });
  const second = svc.json();
  t.not(second.etag, first.etag);
  t.truthy(JSON.parse(second.bytes.toString('utf8')).definitions['com.example.v1.Widget']);
  t.truthy(decodeOpenApiV2(svc.protobuf().bytes));
});
