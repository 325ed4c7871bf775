import test from 'ava';
import { ApiError, type ApiStatus } from './api-error.ts';

const forbidden: ApiStatus = {
  kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403,
  message: 'pods "x" is forbidden: exceeded quota: q',
};

const cases: { name: string; opts: ConstructorParameters<typeof ApiError>[0]; message: string; describe: string; reason: string }[] = [
  {
    name: 'message is the Status message alone (client-go StatusError.Error)',
    opts: { code: 403, status: forbidden, request: 'POST /api/v1/namespaces/default/pods', body: JSON.stringify(forbidden) },
    message: 'pods "x" is forbidden: exceeded quota: q',
    describe: 'POST /api/v1/namespaces/default/pods: 403 Forbidden: pods "x" is forbidden: exceeded quota: q',
    reason: 'Forbidden',
  },
  {
    name: 'a non-Status body becomes the message of a synthesised Status',
    opts: { code: 503, request: 'GET /healthz', body: 'overloaded' },
    message: 'overloaded',
    describe: 'GET /healthz: 503 ServiceUnavailable: overloaded',
    reason: 'ServiceUnavailable',
  },
  {
    name: 'an empty Status message falls back to code and reason',
    opts: { code: 404, status: { status: 'Failure', reason: 'NotFound', code: 404 }, request: 'GET /x', body: '' },
    message: '404 NotFound',
    describe: 'GET /x: 404 NotFound: 404 NotFound',
    reason: 'NotFound',
  },
];

for (const c of cases) {
  test(c.name, (t) => {
    const err = new ApiError(c.opts);
    t.is(err.message, c.message);
    t.is(String(err), `ApiError: ${c.message}`);
    t.is(err.describe(), c.describe);
    t.is(err.reason, c.reason);
    t.is(err.request, c.opts.request);
  });
}
