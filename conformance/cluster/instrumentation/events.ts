/** Events: upstream test/e2e/instrumentation/core_events.go and events.go (IN-01..IN-04). */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual, expectTrue } from '../framework/expect.ts';

const micro = (): string => new Date().toISOString().replace('Z', '000Z');

function coreEvent(ctx: CaseContext, name: string, labels: Record<string, string>): KubeObject {
  return {
    metadata: { name, labels },
    involvedObject: { kind: 'Pod', namespace: ctx.ns, name: 'event-test-pod', apiVersion: 'v1' },
    reason: 'Testing',
    message: 'This is a test event',
    type: 'Normal',
    source: { component: 'e2e-test' },
    count: 1,
    firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    reportingComponent: '',
    reportingInstance: '',
  };
}

function newEvent(ctx: CaseContext, name: string, labels: Record<string, string>): KubeObject {
  return {
    metadata: { name, labels },
    eventTime: micro(),
    reportingController: 'test-controller',
    reportingInstance: 'test-node',
    action: 'Do',
    reason: 'Test',
    type: 'Normal',
    note: 'This is a test event',
    regarding: { kind: 'Pod', namespace: ctx.ns, name: 'event-test-pod', apiVersion: 'v1' },
  };
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'IN-04',
    codename: '[sig-instrumentation] Events should manage the lifecycle of an event [Conformance]',
    async run(ctx) {
      const events = ctx.core('events');
      const name = `event-test-${ctx.uid}`;
      ctx.step('creating a test event');
      await events.create(coreEvent(ctx, name, { testevent: 'true' }));
      ctx.step('listing all events in all namespaces');
      const all = await ctx.api('', 'v1', 'events').list({ labelSelector: 'testevent=true' });
      expectTrue(all.items.some((e) => e.metadata?.name === name), `event ${name} not listed in all namespaces`);
      ctx.step('patching the test event');
      await events.patch(name, { message: 'This is a test event - patched' }, { type: 'strategic' });
      ctx.step('fetching the test event');
      expectEqual((await events.get(name)).message, 'This is a test event - patched', 'message of the patched event');
      ctx.step('updating the test event');
      const cur = await events.get(name);
      cur.series = { count: 100, lastObservedTime: micro() };
      const upd = await events.update(cur);
      expectEqual(upd.series?.count, 100, 'series.count of the updated event');
      ctx.step('getting the test event');
      expectEqual((await events.get(name)).series?.count, 100, 'series.count on a subsequent read');
      ctx.step('deleting the test event');
      await events.delete(name);
      ctx.step('listing events in all namespaces');
      const after = await ctx.api('', 'v1', 'events').list({ labelSelector: 'testevent=true' });
      expectTrue(!after.items.some((e) => e.metadata?.name === name), `event ${name} still listed after delete`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'IN-03',
    codename: '[sig-instrumentation] Events should delete a collection of events [Conformance]',
    async run(ctx) {
      const events = ctx.core('events');
      const selector = `testevent-set=${ctx.uid}`;
      ctx.step('Create set of events');
      for (let i = 1; i <= 3; i++) await events.create(coreEvent(ctx, `test-event-${i}`, { 'testevent-set': ctx.uid }));
      ctx.step('get a list of Events with a label in the current namespace');
      expectEqual((await events.list({ labelSelector: selector })).items.length, 3, 'events listed by label');
      ctx.step('delete collection of events');
      await events.deleteCollection({ labelSelector: selector });
      ctx.step('check that the list of events matches the requested quantity');
      expectEqual((await events.list({ labelSelector: selector })).items.length, 0, 'events left after deletecollection');
    },
  }),

  defineCase(import.meta.url, {
    id: 'IN-02',
    codename: '[sig-instrumentation] Events API should ensure that an event can be fetched, patched, deleted, and listed [Conformance]',
    async run(ctx) {
      const events = ctx.api('events.k8s.io', 'v1', 'events', true);
      const name = `event-test-${ctx.uid}`;
      ctx.step('creating a test event');
      await events.create(newEvent(ctx, name, { testevent: 'true' }));
      ctx.step('listing events in all namespaces');
      const all = await ctx.api('events.k8s.io', 'v1', 'events').list({ labelSelector: 'testevent=true' });
      expectTrue(all.items.some((e) => e.metadata?.name === name), `event ${name} not listed`);
      ctx.step('listing events in test namespace');
      expectTrue((await events.list()).items.some((e) => e.metadata?.name === name), `event ${name} not listed in its namespace`);
      ctx.step('getting the test event');
      const got = await events.get(name);
      expectEqual(got.note, 'This is a test event', 'note of the event');
      ctx.step('patching the test event');
      await events.patch(name, { note: 'This is a test event - patched' }, { type: 'merge' });
      expectEqual((await events.get(name)).note, 'This is a test event - patched', 'note after the patch');
      ctx.step('updating the test event');
      const cur = await events.get(name);
      cur.series = { count: 100, lastObservedTime: micro() };
      await events.update(cur);
      expectEqual((await events.get(name)).series?.count, 100, 'series.count after the update');
      ctx.step('deleting the test event');
      await events.delete(name);
      await expectApiError(events.get(name), { code: 404 }, 'get the deleted event');
    },
  }),

  defineCase(import.meta.url, {
    id: 'IN-01',
    codename: '[sig-instrumentation] Events API should delete a collection of events [Conformance]',
    async run(ctx) {
      const events = ctx.api('events.k8s.io', 'v1', 'events', true);
      const selector = `testevent-set=${ctx.uid}`;
      ctx.step('Create set of events');
      for (let i = 1; i <= 3; i++) await events.create(newEvent(ctx, `test-event-${i}`, { 'testevent-set': ctx.uid }));
      ctx.step('get a list of Events with a label in the current namespace');
      expectEqual((await events.list({ labelSelector: selector })).items.length, 3, 'events listed by label');
      ctx.step('delete a list of events');
      await events.deleteCollection({ labelSelector: selector });
      ctx.step('check that the list of events matches the requested quantity');
      expectEqual((await events.list({ labelSelector: selector })).items.length, 0, 'events left after deletecollection');
    },
  }),
];
