import test from 'ava';
import { evictableContainers, type DeadContainer } from './gc.ts';

const d = (id: string, podUID: string, name: string, createdAt: number): DeadContainer => ({ id, podUID, name, createdAt });

const cases: { name: string; dead: DeadContainer[]; policy: { minAgeMs: number; maxPerPodContainer: number; maxContainers: number }; want: string[] }[] = [
  { name: 'keeps the newest dead container per container', dead: [d('a1', 'p', 'a', 1), d('a2', 'p', 'a', 2), d('a3', 'p', 'a', 3)], policy: { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 }, want: ['a2', 'a1'] },
  { name: 'containers of different names and pods are separate', dead: [d('a1', 'p', 'a', 1), d('b1', 'p', 'b', 1), d('a2', 'q', 'a', 2)], policy: { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: -1 }, want: [] },
  { name: 'too young containers are kept', dead: [d('a1', 'p', 'a', 95), d('a2', 'p', 'a', 99)], policy: { minAgeMs: 10, maxPerPodContainer: 0, maxContainers: -1 }, want: [] },
  { name: 'the global maximum removes the oldest kept ones', dead: [d('a1', 'p', 'a', 1), d('b1', 'p', 'b', 2), d('c1', 'p', 'c', 3)], policy: { minAgeMs: 0, maxPerPodContainer: 1, maxContainers: 1 }, want: ['a1', 'b1'] },
];
for (const tc of cases) test(`evictableContainers: ${tc.name}`, (t) => t.deepEqual(evictableContainers(tc.dead, tc.policy, 100), tc.want));
