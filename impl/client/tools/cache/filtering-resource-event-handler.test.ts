import test from 'ava';
import type { KubeObject } from '../../resource-client.ts';
import { filteringResourceEventHandler } from './filtering-resource-event-handler.ts';
import { DeletedFinalStateUnknown } from './store.ts';

const pod = (name: string, nodeName?: string): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: nodeName ? { nodeName } : {} });
const assigned = (o: KubeObject | DeletedFinalStateUnknown<KubeObject>): boolean =>
  Boolean((o instanceof DeletedFinalStateUnknown ? o.obj : o).spec?.nodeName);

const cases: Array<{ name: string; call: (h: ReturnType<typeof filteringResourceEventHandler<KubeObject>>) => void; want: string[] }> = [
  { name: 'matching adds pass', call: (h) => h.onAdd!(pod('a', 'n1'), true), want: ['add a'] },
  { name: 'non-matching adds are dropped', call: (h) => h.onAdd!(pod('a'), false), want: [] },
  { name: 'an update into the filter becomes an add', call: (h) => h.onUpdate!(pod('a'), pod('a', 'n1')), want: ['add a'] },
  { name: 'an update out of the filter becomes a delete of the old object', call: (h) => h.onUpdate!(pod('a', 'n1'), pod('a')), want: ['delete a n1'] },
  { name: 'an update within the filter stays an update', call: (h) => h.onUpdate!(pod('a', 'n1'), pod('a', 'n2')), want: ['update a n2'] },
  { name: 'tombstones are filtered on their last state', call: (h) => h.onDelete!(new DeletedFinalStateUnknown('ns/a', pod('a', 'n1'))), want: ['delete tombstone ns/a'] },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const log: string[] = [];
    const h = filteringResourceEventHandler<KubeObject>({
      filterFunc: assigned,
      handler: {
        onAdd: (o) => log.push(`add ${o.metadata?.name}`),
        onUpdate: (_o, n) => log.push(`update ${n.metadata?.name} ${n.spec?.nodeName}`),
        onDelete: (o) => log.push(o instanceof DeletedFinalStateUnknown ? `delete tombstone ${o.key}` : `delete ${o.metadata?.name} ${o.spec?.nodeName}`),
      },
    });
    tc.call(h);
    t.deepEqual(log, tc.want);
  });
}
