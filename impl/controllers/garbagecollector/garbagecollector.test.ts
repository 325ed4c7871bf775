import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { staticDiscovery, type APIResourceInfo } from '#impl/client/discovery/index.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { FakeInformers } from '../testing/fake-informer.ts';
import { GarbageCollector } from './garbagecollector.ts';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const DISCOVERY: APIResourceInfo[] = [
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, verbs: VERBS },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true, verbs: VERBS },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, verbs: VERBS },
];

const ref = (name: string, uid: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid, ...extra });
const cm = (name: string, uid: string, meta: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'ns', name, uid, ...meta } });

async function setup(objects: KubeObject[]): Promise<{ gc: GarbageCollector; client: FakeClient }> {
  const client = new FakeClient();
  for (const o of objects) client.seed('configmaps', o);
  const informers = new FakeInformers();
  const gc = new GarbageCollector({ client, discovery: staticDiscovery(DISCOVERY), informers });
  await gc.syncMonitors();
  const inf = informers.forResource({ group: '', version: 'v1', resource: 'configmaps' });
  for (const o of objects) inf.add(client.stored('configmaps', 'ns', o.metadata!.name!)!);
  return { gc, client };
}

interface Case {
  name: string;
  objects: KubeObject[];
  /** uid to process with attemptToDelete (or attemptToOrphan with `orphan: true`). */
  process: string;
  orphan?: boolean;
  wantWrites: string[];
  check?: (client: FakeClient) => boolean;
}

const cases: Case[] = [
  {
    name: 'owner absent: the dependent is deleted in the background',
    objects: [cm('dep', 'd1', { ownerReferences: [ref('gone', 'o1')] })],
    process: 'd1',
    wantWrites: ['delete configmaps ns/dep'],
  },
  {
    name: 'owner replaced (uid mismatch): the dependent is deleted',
    objects: [cm('owner', 'o2'), cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1')] })],
    process: 'd1',
    wantWrites: ['delete configmaps ns/dep'],
  },
  {
    name: 'owner present: nothing happens',
    objects: [cm('owner', 'o1'), cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1')] })],
    process: 'd1',
    wantWrites: [],
  },
  {
    name: 'one live owner and one gone: the dangling reference is removed',
    objects: [cm('owner', 'o1'), cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1'), ref('gone', 'o9')] })],
    process: 'd1',
    wantWrites: ['patch configmaps ns/dep'],
    check: (c) => JSON.stringify(c.stored('configmaps', 'ns', 'dep')?.metadata?.ownerReferences?.map((r) => r.uid)) === '["o1"]',
  },
  {
    name: 'owner in foreground deletion: its dependent is deleted',
    objects: [
      cm('owner', 'o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }),
      cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1', { blockOwnerDeletion: true })] }),
    ],
    process: 'd1',
    wantWrites: ['delete configmaps ns/dep'],
  },
  {
    name: 'owner in foreground deletion with a blocking dependent keeps its finalizer',
    objects: [
      cm('owner', 'o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }),
      cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1', { blockOwnerDeletion: true })] }),
    ],
    process: 'o1',
    wantWrites: [],
  },
  {
    name: 'owner in foreground deletion with only non-blocking dependents loses its finalizer',
    objects: [
      cm('owner', 'o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] }),
      cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1')] }),
    ],
    process: 'o1',
    wantWrites: ['patch configmaps ns/owner'],
  },
  {
    name: 'orphan: references are removed from dependents, then the orphan finalizer',
    objects: [
      cm('owner', 'o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }),
      cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1')] }),
    ],
    process: 'o1',
    orphan: true,
    wantWrites: ['patch configmaps ns/dep', 'patch configmaps ns/owner'],
    check: (c) => (c.stored('configmaps', 'ns', 'dep')?.metadata?.ownerReferences ?? []).length === 0 && c.stored('configmaps', 'ns', 'owner') === undefined,
  },
];

for (const c of cases) {
  test(`garbage collector: ${c.name}`, async (t) => {
    const { gc, client } = await setup(c.objects);
    if (c.orphan) await gc.attemptToOrphanItem(c.process);
    else await gc.attemptToDeleteItem(c.process);
    t.deepEqual(client.writes(), c.wantWrites);
    if (c.check) t.true(c.check(client));
  });
}

test('garbage collector graph: a virtual owner is created for an unseen owner and queued for verification', async (t) => {
  const { gc } = await setup([cm('dep', 'd1', { ownerReferences: [ref('owner', 'o1')] })]);
  const owner = gc.graph.node('o1');
  t.truthy(owner);
  t.false(owner!.observed);
  t.true(owner!.dependents.has(gc.graph.node('d1')!));
  t.true(gc.attemptToDelete.len() >= 1);
  // Verifying the virtual owner finds it absent: its dependents are queued.
  await gc.attemptToDeleteItem('o1');
  t.is(gc.graph.node('o1'), undefined);
});

test('garbage collector monitors: events are ignored', async (t) => {
  const client = new FakeClient();
  const informers = new FakeInformers();
  const gc = new GarbageCollector({ client, discovery: staticDiscovery(DISCOVERY), informers });
  await gc.syncMonitors();
  informers.forResource({ group: '', version: 'v1', resource: 'events' }).add({ metadata: { namespace: 'ns', name: 'e', uid: 'e1', ownerReferences: [ref('x', 'x1')] } });
  t.is(gc.graph.node('e1'), undefined);
});

/**
 * runUntilQuiet drives the collector against the fake client like the real loop: informer
 * events from the client's state, then every queued uid, until nothing changes.
 */
async function runUntilQuiet(gc: GarbageCollector, client: FakeClient, informers: FakeInformers, rounds = 50): Promise<void> {
  const inf = informers.forResource({ group: '', version: 'v1', resource: 'configmaps' });
  for (let i = 0; i < rounds; i++) {
    const stored = new Map(client.all('configmaps', 'ns').map((o) => [o.metadata!.uid!, o]));
    for (const o of inf.lister().list()) if (!stored.has(o.metadata!.uid!)) inf.delete(o);
    for (const o of stored.values()) {
      const cur = inf.lister().byNamespace('ns').get(o.metadata!.name!);
      if (!cur) inf.add(structuredClone(o));
      else if (cur.metadata?.resourceVersion !== o.metadata?.resourceVersion) inf.update(structuredClone(o));
    }
    const before = client.writes().length;
    let worked = false;
    for (const q of [gc.attemptToDelete, gc.attemptToOrphan]) {
      while (q.len() > 0) {
        const { item } = await q.get();
        worked = true;
        try {
          if (q === gc.attemptToDelete) await gc.attemptToDeleteItem(item!);
          else await gc.attemptToOrphanItem(item!);
        } catch {
          q.addRateLimited(item!);
        }
        q.done(item!);
      }
    }
    if (!worked && client.writes().length === before) return;
  }
}

test('garbage collector: a foreground delete through an ownership cycle finishes (upstream "not blocked by dependency circle")', async (t) => {
  const block = { blockOwnerDeletion: true, controller: true };
  const objects = [
    cm('c1', 'u1', { ownerReferences: [ref('c3', 'u3', block)] }),
    cm('c2', 'u2', { ownerReferences: [ref('c1', 'u1', block)] }),
    cm('c3', 'u3', { ownerReferences: [ref('c2', 'u2', block)] }),
  ];
  const client = new FakeClient();
  for (const o of objects) client.seed('configmaps', o);
  const informers = new FakeInformers();
  const gc = new GarbageCollector({ client, discovery: staticDiscovery(DISCOVERY), informers });
  await gc.syncMonitors();
  await runUntilQuiet(gc, client, informers);
  t.is(client.all('configmaps', 'ns').length, 3, 'nothing collected before the delete');
  await client.resource('', 'v1', 'configmaps').namespace('ns').delete('c1', { propagationPolicy: 'Foreground' });
  await runUntilQuiet(gc, client, informers);
  t.deepEqual(client.all('configmaps', 'ns').map((o) => `${o.metadata?.name} ${JSON.stringify(o.metadata?.finalizers ?? [])}`), []);
  t.is(gc.graph.uidToNode.size, 0, 'no nodes left in the graph');
});

test('garbage collector: a background delete of a cycle member collects the whole cycle and leaves no graph nodes', async (t) => {
  const objects = [cm('c1', 'u1', { ownerReferences: [ref('c2', 'u2')] }), cm('c2', 'u2', { ownerReferences: [ref('c1', 'u1')] })];
  const client = new FakeClient();
  for (const o of objects) client.seed('configmaps', o);
  const informers = new FakeInformers();
  const gc = new GarbageCollector({ client, discovery: staticDiscovery(DISCOVERY), informers });
  await gc.syncMonitors();
  await runUntilQuiet(gc, client, informers);
  await client.resource('', 'v1', 'configmaps').namespace('ns').delete('c1', { propagationPolicy: 'Background' });
  await runUntilQuiet(gc, client, informers);
  t.is(client.all('configmaps', 'ns').length, 0);
  t.is(gc.graph.uidToNode.size, 0);
});

test('garbage collector graph: a dependent that appears under an owner in foreground deletion queues the owner again', async (t) => {
  const { gc } = await setup([cm('owner', 'o1', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] })]);
  while (gc.attemptToDelete.len() > 0) {
    const { item } = await gc.attemptToDelete.get();
    gc.attemptToDelete.done(item!);
  }
  gc.graph.handle('add', cm('late', 'd9', { ownerReferences: [{ ...ref('owner', 'o1'), blockOwnerDeletion: true }] }), 'v1', 'ConfigMap');
  const queued: string[] = [];
  while (gc.attemptToDelete.len() > 0) {
    const { item } = await gc.attemptToDelete.get();
    queued.push(item!);
    gc.attemptToDelete.done(item!);
  }
  t.true(queued.includes('o1'));
});
