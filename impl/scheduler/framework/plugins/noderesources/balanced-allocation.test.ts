import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { CycleState } from '../../cycle-state.ts';
import { Code } from '../../interface.ts';
import { makeNode, makePod, nodeInfoOf } from '../../../testing/wrappers.ts';
import { BalancedAllocation, balancedResourceScorer } from './balanced-allocation.ts';

interface Case {
  name: string;
  pod: Pod;
  node: { cpu: string; memory: string };
  existing: Pod[];
  want: number;
}

const cases: Case[] = [
  // fractions cpu 3000/4000=0.75, memory 5000/10000=0.5 -> std 0.125 -> 87
  { name: 'different fractions lower the score', pod: makePod().req({ cpu: '3', memory: '5000' }).obj(), node: { cpu: '4', memory: '10000' }, existing: [], want: 87 },
  // 0.5 and 0.5 -> 100
  { name: 'equal fractions score 100', pod: makePod().req({ cpu: '2', memory: '5000' }).obj(), node: { cpu: '4', memory: '10000' }, existing: [], want: 100 },
  // existing pod counts: cpu (1+1)/4=0.5, memory (1000+4000)/10000=0.5
  { name: 'existing pods count', pod: makePod().req({ cpu: '1', memory: '1000' }).obj(), node: { cpu: '4', memory: '10000' }, existing: [makePod().name('e').req({ cpu: '1', memory: '4000' }).obj()], want: 100 },
  // cpu over capacity is capped at 1: fractions 1 and 0.1 -> std 0.45 -> 55
  { name: 'fractions are capped at 1', pod: makePod().req({ cpu: '8', memory: '1000' }).obj(), node: { cpu: '4', memory: '10000' }, existing: [], want: 55 },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const pl = new BalancedAllocation();
    const state = new CycleState();
    t.is(pl.preScore(state, tc.pod), undefined);
    t.is(pl.score(state, tc.pod, nodeInfoOf(makeNode().name('n').capacity(tc.node).obj(), ...tc.existing)), tc.want);
  });
}

test('a pod without requests is skipped at PreScore', (t) => {
  const pl = new BalancedAllocation();
  t.is(pl.preScore(new CycleState(), makePod().container({ image: 'x' }).obj())?.code, Code.Skip);
});

test('three resources use the standard deviation', (t) => {
  // fractions 0.2, 0.5, 0.8: mean 0.5, std sqrt((0.09+0+0.09)/3)=0.2449 -> 75
  t.is(balancedResourceScorer([2, 5, 8], [10, 10, 10]), 75);
});
