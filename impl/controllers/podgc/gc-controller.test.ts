import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformer } from '../testing/fake-informer.ts';
import { PodGCController } from './gc-controller.ts';

const pod = (name: string, o: { node?: string; phase?: string; deleting?: boolean; created?: string } = {}): KubeObject => ({
  metadata: { namespace: 'ns', name, uid: `u-${name}`, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { nodeName: o.node },
  status: { phase: o.phase ?? 'Running' },
});

test('pod gc: terminated over threshold, orphaned after quarantine, unscheduled terminating', async (t) => {
  const pods = [
    pod('old-done', { node: 'n1', phase: 'Succeeded', created: '2026-01-01T00:00:00Z' }),
    pod('new-done', { node: 'n1', phase: 'Failed', created: '2026-01-02T00:00:00Z' }),
    pod('orphan', { node: 'gone' }),
    pod('stuck', { deleting: true }),
    pod('fine', { node: 'n1' }),
  ];
  const client = new FakeClient(pods.map((obj) => ({ resource: 'pods', obj })));
  const gc = new PodGCController({ client, podInformer: new FakeInformer(pods), nodeInformer: new FakeInformer<KubeObject>([{ metadata: { name: 'n1' } }]), terminatedPodThreshold: 1 });
  t.deepEqual((await gc.gc()).sort(), ['ns/old-done', 'ns/stuck']);
  // Second pass: the missing node has been missing twice.
  t.true((await gc.gc()).includes('ns/orphan'));
});
