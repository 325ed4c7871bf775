import test from 'ava';
import { forbidden, isForbidden, isInternalError } from '#impl/apimachinery/index.ts';
import { AdmissionChain, newAttributes, sortPlugins } from './chain.ts';
import { handlesOps, type AdmissionAttributes, type MutatingPlugin, type Plugin, type ValidatingPlugin } from './interfaces.ts';

const log: string[] = [];
const mut = (name: string, fail?: 'status' | 'bug') =>
  ({
    name,
    handles: handlesOps('CREATE'),
    admit(a: AdmissionAttributes) {
      log.push(`admit:${name}`);
      if (fail === 'status') throw forbidden({ group: '', resource: 'pods' }, 'p', `${name} says no`);
      if (fail === 'bug') throw new Error('boom');
      a.object!.metadata!.labels = { ...(a.object!.metadata!.labels ?? {}), [name]: 'x' };
    },
  }) satisfies MutatingPlugin;
const val = (name: string, fail = false) =>
  ({
    name,
    handles: handlesOps('CREATE', 'UPDATE'),
    validate() {
      log.push(`validate:${name}`);
      if (fail) throw forbidden({ group: '', resource: 'pods' }, 'p', `${name} says no`);
    },
  }) satisfies ValidatingPlugin;
// @ts-expect-error a plugin must say which operations it handles
const _noHandles: Plugin = { name: 'x' };

const attrs = (op: 'CREATE' | 'UPDATE' = 'CREATE') =>
  newAttributes({ operation: op, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'ns', name: 'p', object: { metadata: { name: 'p' } }, userInfo: { name: 'u', groups: [] } });

const cases: Array<{ name: string; plugins: Plugin[]; op?: 'CREATE' | 'UPDATE'; phase: 'admit' | 'validate'; wantLog: string[]; wantErr?: 'forbidden' | 'internal' }> = [
  { name: 'mutating plugins run in order', plugins: [mut('a'), mut('b')], phase: 'admit', wantLog: ['admit:a', 'admit:b'] },
  { name: 'first StatusError stops the chain', plugins: [mut('a', 'status'), mut('b')], phase: 'admit', wantLog: ['admit:a'], wantErr: 'forbidden' },
  { name: 'unexpected errors become InternalError', plugins: [mut('a', 'bug')], phase: 'admit', wantLog: ['admit:a'], wantErr: 'internal' },
  { name: 'validate skips mutating-only plugins', plugins: [mut('a'), val('v')], phase: 'validate', wantLog: ['validate:v'] },
  { name: 'handles(op) filters plugins', plugins: [mut('a'), val('v')], op: 'UPDATE', phase: 'admit', wantLog: [] },
  { name: 'validating stops at first denial', plugins: [val('v1', true), val('v2')], phase: 'validate', wantLog: ['validate:v1'], wantErr: 'forbidden' },
];
for (const tc of cases) {
  test.serial(tc.name, async (t) => {
    log.length = 0;
    const chain = new AdmissionChain({ plugins: tc.plugins });
    const p = tc.phase === 'admit' ? chain.admit(attrs(tc.op)) : chain.validate(attrs(tc.op));
    if (tc.wantErr) {
      const err = await t.throwsAsync(p);
      t.true(tc.wantErr === 'forbidden' ? isForbidden(err) : isInternalError(err));
    } else await t.notThrowsAsync(p);
    t.deepEqual(log, tc.wantLog);
  });
}

test.serial('metrics are recorded per step and per plugin with upstream names', async (t) => {
  const chain = new AdmissionChain({ plugins: [mut('a'), mut('b', 'status')] });
  await t.throwsAsync(chain.admit(attrs()));
  const step = await chain.metrics.step.get();
  t.is(step.name, 'apiserver_admission_step_admission_duration_seconds');
  t.truthy(step.values.find((v) => v.metricName?.endsWith('_count') && v.labels.rejected === 'true' && v.labels.type === 'admit'));
  const ctl = await chain.metrics.controller.get();
  t.is(ctl.name, 'apiserver_admission_controller_admission_duration_seconds');
  t.deepEqual(ctl.values.filter((v) => v.metricName?.endsWith('_count')).map((v) => `${v.labels.name}:${v.labels.rejected}`).sort(), ['a:false', 'b:true']);
});

test('sortPlugins follows upstream order', (t) => {
  const names = ['ResourceQuota', 'ValidatingAdmissionWebhook', 'PodSecurity', 'NamespaceLifecycle', 'MutatingAdmissionWebhook', 'LimitRanger', 'ServiceAccount', 'Priority'];
  t.deepEqual(
    sortPlugins(names.map((name) => ({ name, handles: () => true }))).map((p) => p.name),
    ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'PodSecurity', 'Priority', 'MutatingAdmissionWebhook', 'ValidatingAdmissionWebhook', 'ResourceQuota'],
  );
});
