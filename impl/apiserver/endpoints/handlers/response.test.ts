import test from 'ava';
import { printerFor } from '../../printers/printers.ts';
import { tableOf } from './response.ts';

const pod = (phase: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${phase}`, namespace: 'default' }, spec: { containers: [{ name: 'c' }] }, status: { phase } });

const cases: Array<{ name: string; phase: string; want: unknown }> = [
  { name: 'a running pod has no row conditions', phase: 'Running', want: undefined },
  { name: 'a pending pod has no row conditions', phase: 'Pending', want: undefined },
  { name: 'a succeeded pod is Completed', phase: 'Succeeded', want: [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }] },
  { name: 'a failed pod is Completed', phase: 'Failed', want: [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }] },
];

for (const tc of cases) {
  test(`tableOf: ${tc.name}`, (t) => {
    const table = tableOf(printerFor('', 'pods'), [pod(tc.phase)], 'None', 'v1', new Date(), {}) as { rows: Array<Record<string, unknown>> };
    t.deepEqual(table.rows[0]!.conditions, tc.want);
    t.false('object' in table.rows[0]!);
  });
}

test('tableOf: printers without the hook add no conditions', (t) => {
  const table = tableOf(printerFor('', 'configmaps'), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }], 'Metadata', 'v1', new Date(), {}) as { rows: Array<Record<string, unknown>> };
  t.false('conditions' in table.rows[0]!);
});
