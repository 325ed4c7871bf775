import test from 'ava';
import { FakeClock } from '#impl/client/util/workqueue/index.ts';
import { ActionType, EVENTS, type ClusterEventWithHint } from '../../framework/events.ts';
import { less } from '../../framework/plugins/queuesort/priority-sort.ts';
import { preEnqueue } from '../../framework/plugins/schedulinggates/scheduling-gates.ts';
import { makePod } from '../../testing/wrappers.ts';
import { PriorityQueue } from './scheduling-queue.ts';

function newQueue(events: Map<string, ClusterEventWithHint[] | undefined> = new Map()) {
  const clock = new FakeClock();
  const q = new PriorityQueue({
    lessFn: less,
    clock,
    eventsToRegister: events,
    preEnqueue: (pod) => preEnqueue(pod)?.withPlugin('SchedulingGates'),
  });
  return { q, clock };
}

test('pop returns the highest priority first, then the earliest added', async (t) => {
  const { q, clock } = newQueue();
  q.add(makePod().name('low').priority(1).obj());
  clock.step(10);
  q.add(makePod().name('high-late').priority(10).obj());
  clock.step(10);
  q.add(makePod().name('high-later').priority(10).obj());
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.podInfo.pod.metadata!.name);
  t.deepEqual(order, ['high-late', 'high-later', 'low']);
});

test('pop waits for a pod to be added', async (t) => {
  const { q } = newQueue();
  const p = q.pop();
  q.add(makePod().name('a').obj());
  t.is((await p)!.podInfo.pod.metadata!.name, 'a');
});

test('pop returns undefined when the queue closes', async (t) => {
  const { q } = newQueue();
  const p = q.pop();
  q.close();
  t.is(await p, undefined);
});

test('gated pods wait in unschedulablePods until their gates are removed', async (t) => {
  const { q } = newQueue();
  const gated = makePod().name('g').schedulingGates('example.com/gate').obj();
  q.add(gated);
  t.is(q.whereIs(gated), 'gated');
  t.deepEqual(q.pendingPods(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
  const ungated = makePod().name('g').obj();
  q.update(gated, ungated, { resource: 'UnscheduledPod', actionType: ActionType.UpdatePodSchedulingGatesEliminated });
  t.is(q.whereIs(ungated), 'active');
});

test('backoff starts at 1s and doubles up to 10s', (t) => {
  const { q } = newQueue();
  const qpi = { podInfo: { pod: makePod().obj() }, attempts: 1 } as never;
  const durations = [1, 2, 3, 4, 5, 6].map((attempts) => q.backoffDuration({ ...(qpi as object), attempts } as never));
  t.deepEqual(durations, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('an unschedulable pod moves on a registered event, into backoff first, then active', async (t) => {
  const { q, clock } = newQueue(new Map([['NodeResourcesFit', [{ event: { resource: 'Node', actionType: ActionType.Add } }]]]));
  const pod = makePod().name('p').obj();
  q.add(pod);
  const qpi = (await q.pop())!;
  qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
  q.addUnschedulableIfNotPresent(qpi);
  t.is(q.whereIs(pod), 'unschedulable');
  // An event the plugin did not register leaves it there.
  q.moveAllToActiveOrBackoffQueue(EVENTS.AssignedPodDelete);
  t.is(q.whereIs(pod), 'unschedulable');
  // A node add moves it; it is still backing off (1 s after the first attempt).
  q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd);
  t.is(q.whereIs(pod), 'backoff');
  clock.step(999);
  q.flushBackoffQCompleted();
  t.is(q.whereIs(pod), 'backoff');
  clock.step(2);
  q.flushBackoffQCompleted();
  t.is(q.whereIs(pod), 'active');
});

test('an event received while the pod was in flight requeues it to backoff at once', async (t) => {
  const { q } = newQueue(new Map([['NodeResourcesFit', [{ event: { resource: 'Node', actionType: ActionType.Add } }]]]));
  const pod = makePod().name('p').obj();
  q.add(pod);
  const qpi = (await q.pop())!;
  q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd);
  qpi.unschedulablePlugins = new Set(['NodeResourcesFit']);
  q.addUnschedulableIfNotPresent(qpi);
  t.is(q.whereIs(pod), 'backoff');
});

test('a pod that failed with an error (no rejecting plugin) goes to backoff', async (t) => {
  const { q } = newQueue();
  const pod = makePod().name('p').obj();
  q.add(pod);
  const qpi = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qpi);
  t.is(q.whereIs(pod), 'backoff');
});

test('pods stuck in unschedulablePods longer than 5 minutes are flushed', async (t) => {
  const { q, clock } = newQueue(new Map([['X', []]]));
  const pod = makePod().name('p').obj();
  q.add(pod);
  const qpi = (await q.pop())!;
  qpi.unschedulablePlugins = new Set(['X']);
  q.addUnschedulableIfNotPresent(qpi);
  clock.step(5 * 60_000);
  q.flushUnschedulablePodsLeftover();
  t.is(q.whereIs(pod), 'unschedulable');
  clock.step(1);
  q.flushUnschedulablePodsLeftover();
  t.is(q.whereIs(pod), 'active');
});

test('queueing hints can skip an event', async (t) => {
  const { q } = newQueue(new Map([['TaintToleration', [{ event: { resource: 'Node', actionType: ActionType.Add }, queueingHintFn: () => 0 }]]]));
  const pod = makePod().name('p').obj();
  q.add(pod);
  const qpi = (await q.pop())!;
  qpi.unschedulablePlugins = new Set(['TaintToleration']);
  q.addUnschedulableIfNotPresent(qpi);
  q.moveAllToActiveOrBackoffQueue(EVENTS.NodeAdd);
  t.is(q.whereIs(pod), 'unschedulable');
});

test('delete removes the pod from every sub-queue', (t) => {
  const { q } = newQueue();
  const pod = makePod().name('p').obj();
  q.add(pod);
  q.delete(pod);
  t.is(q.whereIs(pod), undefined);
});

test('the nominator tracks nominations from status and clears them on delete', (t) => {
  const { q } = newQueue();
  const pod = makePod().name('p').obj();
  pod.status = { nominatedNodeName: 'n1' };
  q.add(pod);
  t.deepEqual(q.nominatedPodsForNode('n1').map((pi) => pi.pod.metadata!.name), ['p']);
  q.addNominatedPod(pod, 'n2');
  t.is(q.nominatedPodsForNode('n1').length, 0);
  t.is(q.nominatedPodsForNode('n2').length, 1);
  q.delete(pod);
  t.is(q.nominatedPodsForNode('n2').length, 0);
});

test('unschedulablePodsByPlugin counts rejected pods per plugin and gated pods under their gating plugin', async (t) => {
  const { q } = newQueue();
  q.add(makePod().name('g').schedulingGates('example.com/gate').obj());
  for (const [name, plugins] of [['a', ['NodeResourcesFit', 'TaintToleration']], ['b', ['NodeResourcesFit']]] as const) {
    q.add(makePod().name(name).obj());
    const qpi = (await q.pop())!;
    qpi.unschedulablePlugins = new Set(plugins);
    q.addUnschedulableIfNotPresent(qpi);
  }
  const got = Object.fromEntries(q.unschedulablePodsByPlugin().map((e) => [`${e.plugin}/${e.profile}`, e.count]));
  t.deepEqual(got, { 'SchedulingGates/default-scheduler': 1, 'NodeResourcesFit/default-scheduler': 2, 'TaintToleration/default-scheduler': 1 });
});
