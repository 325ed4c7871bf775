import test from 'ava';
import type { PodCondition, PodStatus } from '#generated/k8s/index.ts';
import { mergePodStatus } from './status-manager.ts';

const cond = (type: string, status = 'True', reason?: string): PodCondition => ({ type, status, ...(reason ? { reason } : {}) });

const cases: { name: string; api: PodCondition[]; next: PodCondition[]; want: string[] }[] = [
  { name: 'a DisruptionTarget set by the scheduler survives a kubelet write that does not know it', api: [cond('Ready'), cond('DisruptionTarget', 'True', 'PreemptionByScheduler')], next: [cond('Ready', 'False')], want: ['DisruptionTarget=True/PreemptionByScheduler', 'Ready=False'] },
  { name: 'a readiness gate condition is kept', api: [cond('example.com/gate')], next: [cond('Ready')], want: ['example.com/gate=True', 'Ready=True'] },
  { name: "the kubelet's own DisruptionTarget replaces the API's", api: [cond('DisruptionTarget', 'True', 'PreemptionByScheduler')], next: [cond('DisruptionTarget', 'True', 'TerminationByKubelet')], want: ['DisruptionTarget=True/TerminationByKubelet'] },
  { name: 'kubelet-owned conditions come from the kubelet only', api: [cond('Initialized', 'True'), cond('PodScheduled')], next: [cond('Initialized', 'False')], want: ['Initialized=False'] },
];
for (const tc of cases) {
  test(`mergePodStatus: ${tc.name}`, (t) => {
    const api: PodStatus = { phase: 'Running', conditions: tc.api };
    const merged = mergePodStatus(api, { phase: 'Running', conditions: tc.next });
    t.deepEqual(merged.conditions?.map((c) => `${c.type}=${c.status}${c.reason ? `/${c.reason}` : ''}`), tc.want);
  });
}
