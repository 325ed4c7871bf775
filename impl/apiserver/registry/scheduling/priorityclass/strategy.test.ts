import test from 'ava';
import type { KubeObject, RequestContext } from '../../rest/strategy.ts';
import { priorityClassStrategy } from './strategy.ts';

const ctx = {} as RequestContext;
const pc = (name: string, value: number, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });
const messages = (errs: { field: string; detail?: string }[]) => errs.map((e) => `${e.field}: ${e.detail ?? ''}`);

const createCases: { name: string; obj: KubeObject; want: string[] }[] = [
  { name: 'a user class', obj: pc('high', 1000), want: [] },
  { name: 'the ceiling itself', obj: pc('top', 1_000_000_000), want: [] },
  { name: 'above the ceiling', obj: pc('too-high', 1_000_000_001), want: ['value: maximum allowed value of a user defined priority is 1000000000'] },
  { name: 'a reserved name', obj: pc('system-mine', 10), want: ["metadata.name: priority class names with 'system-' prefix are reserved"] },
  { name: 'a system class with its value', obj: pc('system-node-critical', 2_000_001_000), want: [] },
];
for (const tc of createCases) {
  test(`validate: ${tc.name}`, (t) => t.deepEqual(messages(priorityClassStrategy.validate(ctx, tc.obj) as never), tc.want));
}

const updateCases: { name: string; obj: KubeObject; old: KubeObject; want: RegExp[] }[] = [
  { name: 'description may change', obj: pc('a', 5, { description: 'x' }), old: pc('a', 5), want: [] },
  { name: 'value is immutable', obj: pc('a', 6), old: pc('a', 5), want: [/^value: may not be changed in an update\.$/] },
  { name: 'preemptionPolicy is immutable', obj: pc('a', 5, { preemptionPolicy: 'Never' }), old: pc('a', 5, { preemptionPolicy: 'PreemptLowerPriority' }), want: [/^preemptionPolicy: field is immutable/] },
];
for (const tc of updateCases) {
  test(`validateUpdate: ${tc.name}`, (t) => {
    const got = messages(priorityClassStrategy.validateUpdate(ctx, tc.obj, tc.old) as never);
    t.is(got.length, tc.want.length, got.join('; '));
    tc.want.forEach((re, i) => t.regex(got[i]!, re));
  });
}
