import test from 'ava';
import { Code } from '../../interface.ts';
import { makePod } from '../../../testing/wrappers.ts';
import { preEnqueue } from './scheduling-gates.ts';

const cases = [
  { name: 'pod does not carry scheduling gates', gates: [] as string[], want: undefined },
  { name: 'pod carries scheduling gates', gates: ['foo', 'bar'], want: 'waiting for scheduling gates: [foo bar]' },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const s = preEnqueue(makePod().schedulingGates(...tc.gates).obj());
    if (!tc.want) t.is(s, undefined);
    else {
      t.is(s?.code, Code.UnschedulableAndUnresolvable);
      t.is(s?.message(), tc.want);
    }
  });
}
