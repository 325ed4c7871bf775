import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { ControllerExpectations, EXPECTATIONS_TIMEOUT_MS, isPodAvailable, rankPodsForDeletion, slowStartBatch } from './controller-utils.ts';

test('slowStartBatch: batches of 1, 2, 4 ... and stops after a failing batch', async (t) => {
  const cases = [
    { name: 'all succeed', count: 7, failAt: -1, wantCalls: 7, wantSuccesses: 7 },
    { name: 'failure in the second batch', count: 7, failAt: 2, wantCalls: 3, wantSuccesses: 2 },
    { name: 'zero', count: 0, failAt: -1, wantCalls: 0, wantSuccesses: 0 },
  ];
  for (const c of cases) {
    let calls = 0;
    const res = await slowStartBatch(c.count, 1, async () => {
      const i = calls++;
      if (i === c.failAt) throw new Error('fail');
    });
    t.is(calls, c.wantCalls, c.name);
    t.is(res.successes, c.wantSuccesses, c.name);
    t.is(res.error !== undefined, c.failAt >= 0, c.name);
  }
});

test('ControllerExpectations: satisfied when observed or expired', (t) => {
  const clock = new FakeClock(0);
  const e = new ControllerExpectations(clock);
  t.true(e.satisfiedExpectations('k'));
  e.expectCreations('k', 2);
  t.false(e.satisfiedExpectations('k'));
  e.creationObserved('k');
  e.creationObserved('k');
  t.true(e.satisfiedExpectations('k'));
  e.expectDeletions('k', ['ns/a']);
  e.deletionObserved('k', 'ns/other');
  t.false(e.satisfiedExpectations('k'));
  clock.step(EXPECTATIONS_TIMEOUT_MS + 1);
  t.true(e.satisfiedExpectations('k'));
});

const p = (name: string, o: { node?: string; phase?: string; ready?: boolean; cost?: string; created?: string; restarts?: number }): KubeObject => ({
  metadata: { name, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', annotations: o.cost ? { 'controller.kubernetes.io/pod-deletion-cost': o.cost } : {} },
  spec: { nodeName: o.node },
  status: { phase: o.phase ?? 'Running', conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] : [], containerStatuses: [{ restartCount: o.restarts ?? 0 }] },
});

test('rankPodsForDeletion follows the upstream order', (t) => {
  const cases: Array<{ name: string; pods: KubeObject[]; first: string }> = [
    { name: 'unscheduled first', pods: [p('s', { node: 'n', ready: true }), p('u', {})], first: 'u' },
    { name: 'pending before running', pods: [p('r', { node: 'n' }), p('p', { node: 'n', phase: 'Pending' })], first: 'p' },
    { name: 'not ready before ready', pods: [p('r', { node: 'n', ready: true }), p('nr', { node: 'n' })], first: 'nr' },
    { name: 'lower deletion cost first', pods: [p('hi', { node: 'n', cost: '10' }), p('lo', { node: 'm', cost: '-5' })], first: 'lo' },
    { name: 'more restarts first', pods: [p('calm', { node: 'n' }), p('crashy', { node: 'm', restarts: 9 })], first: 'crashy' },
    { name: 'newer first', pods: [p('old', { node: 'n', created: '2026-01-01T00:00:00Z' }), p('new', { node: 'm', created: '2026-01-02T00:00:00Z' })], first: 'new' },
  ];
  for (const c of cases) t.is(rankPodsForDeletion(c.pods)[0]?.metadata?.name, c.first, c.name);
});

test('isPodAvailable honours minReadySeconds', (t) => {
  const pod = p('a', { ready: true });
  const readyAt = Date.parse('2026-01-01T00:00:00Z');
  t.true(isPodAvailable(pod, 0, readyAt));
  t.false(isPodAvailable(pod, 10, readyAt + 5000));
  t.true(isPodAvailable(pod, 10, readyAt + 10_000));
  t.false(isPodAvailable(p('b', {}), 0, readyAt));
});
