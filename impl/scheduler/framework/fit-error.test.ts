import test from 'ava';
import { makePod } from '../testing/wrappers.ts';
import { FitError, newDiagnosis } from './fit-error.ts';
import { unschedulable, unschedulableAndUnresolvable } from './interface.ts';

test('the message counts reasons per node, sorted, like upstream', (t) => {
  const d = newDiagnosis();
  d.nodeToStatus.set('a', unschedulableAndUnresolvable('node(s) had untolerated taint {k: v}'));
  d.nodeToStatus.set('b', unschedulable('Insufficient cpu'));
  d.nodeToStatus.set('c', unschedulable('Insufficient cpu', 'Insufficient memory'));
  const e = new FitError(makePod().obj(), 3, d);
  t.is(e.message, '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.');
  d.postFilterMsg = 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  t.is(e.message, '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.');
});

test('a PreFilter rejection is reported once, not per node', (t) => {
  const d = newDiagnosis();
  d.preFilterMsg = 'pod affinity terms conflict';
  t.is(new FitError(makePod().obj(), 5, d).message, '0/5 nodes are available: pod affinity terms conflict.');
});

test('no nodes at all', (t) => {
  t.is(new FitError(makePod().obj(), 0, newDiagnosis()).message, '0/0 nodes are available:');
});
