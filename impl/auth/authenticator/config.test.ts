import test from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isUnauthorized } from '#impl/apimachinery/index.ts';
import { authenticateRequest, newRequestAuthenticator } from './config.ts';
import { newTokenFileAuthenticator, parseTokenFile } from './token-file.ts';
import { newWebhookTokenAuthenticator } from './webhook-token.ts';

const tokenFile = newTokenFileAuthenticator(parseTokenFile('good,alice,1,"dev"\n').tokens);
const bearer = (t: string) => ({ headers: { authorization: `Bearer ${t}` }, path: '/api' });

const cases: Array<{ name: string; anonymous?: boolean | string[]; req: { headers: Record<string, string>; path: string }; want: string | 401 }> = [
  { name: 'valid token', req: bearer('good'), want: 'alice' },
  { name: 'bad token is 401 even with anonymous on', anonymous: true, req: bearer('bad'), want: 401 },
  { name: 'no credentials with anonymous off is 401', req: { headers: {}, path: '/api' }, want: 401 },
  { name: 'no credentials with anonymous on', anonymous: true, req: { headers: {}, path: '/api' }, want: 'system:anonymous' },
  { name: 'anonymous limited to health paths: /livez', anonymous: ['/livez'], req: { headers: {}, path: '/livez' }, want: 'system:anonymous' },
  { name: 'anonymous limited to health paths: /api', anonymous: ['/livez'], req: { headers: {}, path: '/api' }, want: 401 },
  { name: 'Basic auth is not a bearer token', req: { headers: { authorization: 'Basic Zm9vOmJhcg==' }, path: '/api' }, want: 401 },
];
for (const tc of cases) {
  test(tc.name, async (t) => {
    const auth = newRequestAuthenticator({ tokenFile, ...(tc.anonymous !== undefined ? { anonymous: tc.anonymous } : {}) });
    const p = authenticateRequest(auth, tc.req);
    if (tc.want === 401) t.true(isUnauthorized(await t.throwsAsync(p)));
    else t.is((await p).name, tc.want);
  });
}

test('authenticated users get system:authenticated once', async (t) => {
  const u = await authenticateRequest(newRequestAuthenticator({ tokenFile }), bearer('good'));
  t.deepEqual(u.groups, ['dev', 'system:authenticated']);
});

test('webhook token authenticator: TokenReview round trip, cache and errors', async (t) => {
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      const review = JSON.parse(body);
      t.is(review.kind, 'TokenReview');
      const tok = review.spec.token as string;
      res.setHeader('Content-Type', 'application/json');
      if (tok === 'boom') {
        res.statusCode = 500;
        res.end('oops');
        return;
      }
      res.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', status: tok === 'remote' ? { authenticated: true, user: { username: 'carol', uid: '7', groups: ['ops'] } } : { authenticated: false } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/authenticate`;
  try {
    const wh = newWebhookTokenAuthenticator({ target: { url }, timeoutMs: 2000 });
    t.deepEqual((await wh.authenticateToken('remote'))?.user, { name: 'carol', uid: '7', groups: ['ops'] });
    await wh.authenticateToken('remote');
    t.is(calls, 1, 'second call served from cache');
    t.is(await wh.authenticateToken('unknown'), undefined);
    await t.throwsAsync(wh.authenticateToken('boom'), { message: /status code 500/ });
  } finally {
    server.close();
  }
});
