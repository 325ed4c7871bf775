/** Table tests for webhook matchConditions: validation (compile errors) and evaluation outcomes. */
import test from 'ava';
import { fieldPath } from '#impl/apimachinery/index.ts';
import { newAttributes } from '../../chain.ts';
import { evaluateMatchConditions, validateMatchConditions, type MatchCondition } from './match-conditions.ts';

const attrs = (name: string, op: 'CREATE' | 'DELETE' = 'CREATE') =>
  newAttributes({
    operation: op,
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    namespace: 'ns',
    name,
    ...(op === 'CREATE' ? { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { team: 'a' } }, data: { n: '1' } } } : {}),
    userInfo: { name: 'alice', groups: ['devs'] },
    dryRun: false,
  });

const validationCases: Array<{ name: string; conds: MatchCondition[]; want: RegExp[] }> = [
  { name: 'valid expressions', conds: [{ name: 'a', expression: 'object.metadata.name.startsWith("e2e")' }, { name: 'b', expression: 'true' }], want: [] },
  { name: 'syntax error', conds: [{ name: 'invalid-expression-1', expression: '... [] bad expression' }], want: [/^mc\[0\]\.expression: Invalid value: "\.\.\. \[\] bad expression": compilation failed: ERROR: <input>:1:/] },
  { name: 'duplicate names', conds: [{ name: 'a', expression: 'true' }, { name: 'a', expression: 'false' }], want: [/^mc\[1\]\.name: Duplicate value: "a"$/] },
  { name: 'missing name and expression', conds: [{ name: '', expression: '' }], want: [/^mc\[0\]\.name: Required value/, /^mc\[0\]\.expression: Required value/] },
];
for (const tc of validationCases) {
  test(`validateMatchConditions: ${tc.name}`, (t) => {
    const errs = validateMatchConditions(tc.conds, fieldPath('mc')).map((e) => e.errorBody ? `${e.field}: ${e.errorBody()}` : String(e));
    t.is(errs.length, tc.want.length, errs.join('\n'));
    tc.want.forEach((re, i) => t.regex(errs[i]!, re));
  });
}

const evalCases: Array<{ name: string; conds: MatchCondition[]; failurePolicy?: string; op?: 'CREATE' | 'DELETE'; want: 'match' | 'skip' | RegExp }> = [
  { name: 'no conditions match', conds: [], want: 'match' },
  { name: 'all true', conds: [{ name: 'a', expression: "object.metadata.name == 'cm'" }, { name: 'b', expression: "request.userInfo.username == 'alice' && 'devs' in request.userInfo.groups" }], want: 'match' },
  { name: 'one false skips', conds: [{ name: 'a', expression: 'true' }, { name: 'b', expression: "object.metadata.labels.team == 'b'" }], want: 'skip' },
  { name: 'false wins over an error', conds: [{ name: 'err', expression: 'object.nope.deeper == 1' }, { name: 'no', expression: 'false' }], want: 'skip' },
  { name: 'error with Fail refuses', conds: [{ name: 'err', expression: 'object.nope.deeper == 1' }], want: /^Internal error occurred: failed to evaluate match conditions for webhook "w": expression 'err' resulted in error/ },
  { name: 'error with Ignore skips', conds: [{ name: 'err', expression: 'object.nope.deeper == 1' }], failurePolicy: 'Ignore', want: 'skip' },
  { name: 'oldObject and object are null when absent', conds: [{ name: 'del', expression: 'object == null && request.operation == "DELETE"' }], op: 'DELETE', want: 'match' },
  { name: 'integers compare as ints', conds: [{ name: 'n', expression: "size(object.data) == 1 && has(object.metadata.labels)" }], want: 'match' },
];
for (const tc of evalCases) {
  test(`evaluateMatchConditions: ${tc.name}`, (t) => {
    const out = evaluateMatchConditions({ name: 'w', matchConditions: tc.conds, failurePolicy: tc.failurePolicy }, attrs('cm', tc.op));
    if (tc.want instanceof RegExp) {
      t.true('error' in out);
      t.regex((out as { error: Error }).error.message, tc.want);
      return;
    }
    t.false('error' in out, JSON.stringify(out));
    t.is(out.match, tc.want === 'match');
  });
}
