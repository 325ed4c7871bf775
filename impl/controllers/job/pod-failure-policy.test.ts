import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';

const job = (rules: unknown[]): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns' }, spec: { podFailurePolicy: { rules } } });
const pod = (exitCode: number, conditions: unknown[] = [], name = 'main'): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' },
  status: { phase: 'Failed', conditions, containerStatuses: [{ name, state: { terminated: { exitCode } } }] },
});

const cases: { name: string; rules: unknown[]; pod: KubeObject; want: { action: string; message?: string } }[] = [
  { name: 'no policy: Count', rules: [], pod: pod(1), want: { action: 'Count' } },
  { name: 'FailJob on exit code 1', rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }], pod: pod(1), want: { action: 'FailJob', message: 'Container main for pod ns/p failed with exit code 1 matching FailJob rule at index 0' } },
  { name: 'exit code not listed: Count', rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }], pod: pod(1), want: { action: 'Count' } },
  { name: 'NotIn matches other non-zero codes', rules: [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }], pod: pod(2), want: { action: 'Ignore' } },
  { name: 'NotIn never matches 0', rules: [{ action: 'Ignore', onExitCodes: { operator: 'NotIn', values: [1] } }], pod: pod(0), want: { action: 'Count' } },
  { name: 'containerName restricts the match', rules: [{ action: 'FailJob', onExitCodes: { containerName: 'other', operator: 'In', values: [1] } }], pod: pod(1), want: { action: 'Count' } },
  { name: 'first matching rule wins', rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [137] } }], pod: pod(137, [{ type: 'DisruptionTarget', status: 'True' }]), want: { action: 'Ignore' } },
  { name: 'pod condition FailJob', rules: [{ action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }], pod: pod(1, [{ type: 'ConfigIssue', status: 'True' }]), want: { action: 'FailJob', message: 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 0' } },
];
for (const tc of cases) test(`matchPodFailurePolicy: ${tc.name}`, (t) => t.deepEqual(matchPodFailurePolicy(job(tc.rules), tc.pod), tc.want));
