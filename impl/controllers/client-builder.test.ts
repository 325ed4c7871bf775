import test from 'ava';
import { ApiError, type RestClient } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { ControllerClientBuilder } from './client-builder.ts';

/** fakeRoot answers the three calls the builder makes and records them. */
function fakeRoot(clock: FakeClock) {
  const calls: string[] = [];
  const accounts = new Set<string>();
  let n = 0;
  const root = {
    request: async (o: { method?: string; path: string }) => {
      calls.push(`${o.method ?? 'GET'} ${o.path}`);
      const m = /serviceaccounts\/([^/]+)(\/token)?$/.exec(o.path);
      if (o.method === 'POST' && o.path.endsWith('/serviceaccounts')) {
        accounts.add('x');
        return {};
      }
      if (m && !m[2]) {
        if (!accounts.size) {
          const status = { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' };
          throw new ApiError({ code: 404, status, request: o.path, body: JSON.stringify(status) });
        }
        return {};
      }
      n++;
      return { status: { token: `token-${n}`, expirationTimestamp: new Date(clock.now() + 3600_000).toISOString() } };
    },
  };
  return { root: root as unknown as RestClient, calls };
}

test('client builder: creates the account, requests a token, and refreshes it in place at 80% of its life', async (t) => {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const { root, calls } = fakeRoot(clock);
  const ctrl = new AbortController();
  const b = new ControllerClientBuilder({ root, config: { server: 'https://127.0.0.1:1', cert: Buffer.from('x'), key: Buffer.from('y') }, clock, signal: ctrl.signal });
  const c = await b.clientFor('deployment-controller');
  t.is(c.config.token, 'token-1');
  t.is(c.config.cert, undefined, 'the controller client does not carry the manager certificate');
  t.deepEqual(calls, [
    'GET /api/v1/namespaces/kube-system/serviceaccounts/deployment-controller',
    'POST /api/v1/namespaces/kube-system/serviceaccounts',
    'POST /api/v1/namespaces/kube-system/serviceaccounts/deployment-controller/token',
  ]);
  t.is(await b.clientFor('deployment-controller'), c, 'one client per account');
  clock.step(0.8 * 3600_000 + 1);
  for (let i = 0; i < 20 && c.config.token === 'token-1'; i++) await new Promise((r) => setImmediate(r));
  t.is(c.config.token, 'token-2');
  ctrl.abort();
  b.close();
});
