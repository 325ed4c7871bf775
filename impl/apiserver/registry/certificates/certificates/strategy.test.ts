import test from 'ava';
import type { KubeObject, RequestContext } from '../../rest/strategy.ts';
import { csrApprovalStrategy, csrStatusStrategy, csrStrategy } from './strategy.ts';

const ctx: RequestContext = { namespace: '', warnings: [], user: { name: 'alice', groups: ['dev', 'system:authenticated'], uid: 'u-1' } };
const csr = (status?: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'certificates.k8s.io/v1',
  kind: 'CertificateSigningRequest',
  metadata: { name: 'c' },
  spec: { request: 'LS0t', signerName: 'example.com/s', usages: ['digital signature'], ...spec },
  ...(status ? { status } : {}),
});
const approved = { conditions: [{ type: 'Approved', status: 'True', reason: 'R' }] };

test('create stamps the requester into spec, whatever the body says, and drops status', (t) => {
  const obj = csr(approved, { username: 'mallory', groups: ['system:masters'] });
  csrStrategy.prepareForCreate(ctx, obj);
  t.like(obj.spec, { username: 'alice', uid: 'u-1', groups: ['dev', 'system:authenticated'] });
  t.is(obj.status, undefined);
});

const validateCases: { name: string; obj: KubeObject; want: string[] }[] = [
  { name: 'a complete request', obj: csr(), want: [] },
  { name: 'no request and no signer', obj: csr(undefined, { request: '', signerName: '' }), want: ['spec.request', 'spec.signerName'] },
  { name: 'approved and denied', obj: csr({ conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] }), want: ['status.conditions'] },
  { name: 'approved twice', obj: csr({ conditions: [{ type: 'Approved', status: 'True' }, { type: 'Approved', status: 'True' }] }), want: ['status.conditions[1].type'] },
  { name: 'approved False', obj: csr({ conditions: [{ type: 'Approved', status: 'False' }] }), want: ['status.conditions[0].status'] },
];
for (const tc of validateCases) {
  test(`validate: ${tc.name}`, (t) => t.deepEqual(csrStrategy.validate(ctx, tc.obj).map((e) => e.field), tc.want));
}

test('/approval changes only the conditions', (t) => {
  const old = csr({ certificate: 'Y2VydA==' });
  const next = csr(approved, { signerName: 'other/changed' });
  csrApprovalStrategy.prepareForUpdate(ctx, next, old);
  t.is((next.spec as { signerName: string }).signerName, 'example.com/s');
  t.deepEqual(next.status, { certificate: 'Y2VydA==', ...approved });
  t.deepEqual(csrApprovalStrategy.validateUpdate(ctx, next, old), []);
});

test('/status keeps spec and may not add or remove approval', (t) => {
  const old = csr();
  const next = csr(approved, { signerName: 'other/changed' });
  csrStatusStrategy.prepareForUpdate(ctx, next, old);
  t.is((next.spec as { signerName: string }).signerName, 'example.com/s');
  t.deepEqual(csrStatusStrategy.validateUpdate(ctx, next, old).map((e) => e.field), ['status.conditions']);
  const withCert = csr({ ...approved, certificate: 'Y2VydA==' });
  t.deepEqual(csrStatusStrategy.validateUpdate(ctx, withCert, csr(approved)), []);
});

test('main updates may not change spec', (t) => {
  t.deepEqual(csrStrategy.validateUpdate(ctx, csr(undefined, { signerName: 'x/y' }), csr()).map((e) => e.field), ['spec']);
});
