import test from 'ava';
import { podSupplementalGroups } from './security-context.ts';

const cases: { name: string; psc: Parameters<typeof podSupplementalGroups>[0]; want: string[] }[] = [
  { name: 'none', psc: undefined, want: [] },
  { name: 'supplemental groups only', psc: { supplementalGroups: [5, 6] }, want: ['5', '6'] },
  { name: 'fsGroup is added', psc: { supplementalGroups: [5], fsGroup: 1234 }, want: ['5', '1234'] },
  { name: 'fsGroup already listed is not repeated', psc: { supplementalGroups: [1234], fsGroup: 1234 }, want: ['1234'] },
  { name: 'fsGroup 0 counts', psc: { fsGroup: 0 }, want: ['0'] },
];
for (const tc of cases) test(`podSupplementalGroups: ${tc.name}`, (t) => t.deepEqual(podSupplementalGroups(tc.psc), tc.want));
