import test from 'ava';
import { CONTROLLER_DESCRIPTORS, selectControllers, workersFor } from './controller-descriptors.ts';

const names = (sel: string[]): string[] => selectControllers(sel).map((d) => d.name);
const ALL = CONTROLLER_DESCRIPTORS.filter((d) => !d.disabledByDefault).map((d) => d.name);

const cases: Array<{ name: string; sel: string[]; want: string[] | 'throws' }> = [
  { name: '* enables every default controller', sel: ['*'], want: ALL },
  { name: '-name disables one (by alias)', sel: ['*', '-garbagecollector'], want: ALL.filter((n) => n !== 'garbage-collector-controller') },
  { name: 'explicit names only', sel: ['namespace', 'replicaset-controller'], want: ['namespace-controller', 'replicaset-controller'] },
  { name: 'empty selects nothing', sel: [], want: [] },
  { name: 'unknown names are rejected', sel: ['*', 'nope'], want: 'throws' },
];

for (const c of cases) {
  test(`--controllers: ${c.name}`, (t) => {
    if (c.want === 'throws') t.throws(() => names(c.sel), { message: /"nope" is not in the list of known controllers/ });
    else t.deepEqual(names(c.sel), c.want);
  });
}

test('--concurrent-*-syncs overrides the default workers', (t) => {
  const gc = CONTROLLER_DESCRIPTORS.find((d) => d.name === 'garbage-collector-controller')!;
  t.is(workersFor(gc, {}), 20);
  t.is(workersFor(gc, { 'concurrent-gc-syncs': 3 }), 3);
});
