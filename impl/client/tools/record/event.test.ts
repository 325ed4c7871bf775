import test from 'ava';
import type { Event } from '#generated/k8s/index.ts';
import { ApiError } from '../../api-error.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { eventually } from '../cache/testing-helpers.ts';
import { newBroadcaster } from './event.ts';
import type { EventSink } from './event-sink.ts';
import { FakeRecorder } from './fake-recorder.ts';

class MemorySink implements EventSink {
  readonly calls: string[] = [];
  readonly stored = new Map<string, Event>();
  readonly failures: unknown[] = [];
  private rv = 0;
  async create(e: Event): Promise<Event> {
    this.calls.push(`create ${e.metadata?.name?.split('.')[0]} count=${e.count} ${e.message}`);
    this.fail();
    const s = { ...e, metadata: { ...e.metadata, resourceVersion: String(++this.rv) } };
    this.stored.set(e.metadata!.name!, s);
    return s;
  }
  async update(e: Event): Promise<Event> {
    return e;
  }
  async patch(e: Event, patch: Record<string, unknown>): Promise<Event> {
    this.calls.push(`patch ${e.metadata?.name?.split('.')[0]} ${JSON.stringify(patch)}`);
    this.fail();
    const cur = this.stored.get(e.metadata!.name!);
    if (!cur) throw new ApiError({ code: 404, status: { kind: 'Status', reason: 'NotFound', code: 404 }, request: 'patch', body: '' });
    const s = { ...cur, ...patch, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } } as Event;
    this.stored.set(e.metadata!.name!, s);
    return s;
  }
  private fail(): void {
    const f = this.failures.shift();
    if (f) throw f;
  }
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'ns1', uid: 'u1', resourceVersion: '7' } };

function setup() {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 3, 0, 0));
  const sink = new MemorySink();
  const b = newBroadcaster({ clock, random: () => 0.5 });
  b.startRecordingToSink(sink);
  const recorder = b.newRecorder({ component: 'default-scheduler', host: 'node-a' });
  return { clock, sink, b, recorder };
}

test('the first event is created with upstream fields', async (t) => {
  const { sink, b, recorder } = setup();
  recorder.event(pod, 'Normal', 'Scheduled', 'Successfully assigned ns1/web-1 to node-a');
  await eventually(() => sink.stored.size === 1);
  const [e] = [...sink.stored.values()];
  t.regex(e!.metadata!.name!, /^web-1\.[0-9a-f]+$/);
  t.like(e, {
    metadata: { namespace: 'ns1' },
    involvedObject: { kind: 'Pod', apiVersion: 'v1', name: 'web-1', namespace: 'ns1', uid: 'u1', resourceVersion: '7' },
    reason: 'Scheduled',
    type: 'Normal',
    count: 1,
    firstTimestamp: '2026-11-27T03:00:00Z',
    lastTimestamp: '2026-11-27T03:00:00Z',
    source: { component: 'default-scheduler', host: 'node-a' },
  });
  await b.shutdown();
});

const cases: Array<{ name: string; record: (r: ReturnType<typeof setup>['recorder'], clock: FakeClock) => void; want: string[] }> = [
  {
    name: 'an identical event patches count and lastTimestamp of the first',
    record: (r, clock) => {
      r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      clock.step(5000);
      r.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      r.eventf(pod, 'Warning', 'BackOff', 'Back-off restarting %s container', 'failed');
    },
    want: [
      'create web-1 count=1 Back-off restarting failed container',
      'patch web-1 {"count":2,"lastTimestamp":"2026-11-27T03:00:05Z","message":"Back-off restarting failed container"}',
      'patch web-1 {"count":3,"lastTimestamp":"2026-11-27T03:00:05Z","message":"Back-off restarting failed container"}',
    ],
  },
  {
    name: 'similar events with different messages are aggregated from the tenth on',
    record: (r) => {
      for (let i = 1; i <= 11; i++) r.event(pod, 'Warning', 'FailedMount', `volume ${i} failed`);
    },
    want: [
      ...Array.from({ length: 9 }, (_, i) => `create web-1 count=1 volume ${i + 1} failed`),
      'create web-1 count=1 (combined from similar events): volume 10 failed',
      'patch web-1 {"count":2,"lastTimestamp":"2026-11-27T03:00:00Z","message":"(combined from similar events): volume 11 failed"}',
    ],
  },
  {
    name: 'unsupported types and objects without kind are dropped',
    record: (r) => {
      r.event(pod, 'Error', 'X', 'bad type');
      r.event({ metadata: { name: 'nokind', namespace: 'ns1' } }, 'Normal', 'X', 'no kind');
      r.event(pod, 'Normal', 'Ok', 'fine');
    },
    want: ['create web-1 count=1 fine'],
  },
  {
    name: 'the spam filter drops events past a burst of 25 per object',
    record: (r) => {
      for (let i = 0; i < 30; i++) r.event(pod, 'Normal', `Reason${i}`, 'same');
    },
    want: Array.from({ length: 25 }, () => 'create web-1 count=1 same'),
  },
];

for (const tc of cases) {
  test(tc.name, async (t) => {
    const { sink, b, recorder, clock } = setup();
    tc.record(recorder, clock);
    await eventually(() => sink.calls.length >= tc.want.length);
    await new Promise((r) => setTimeout(r, 20));
    t.deepEqual(sink.calls, tc.want);
    await b.shutdown();
  });
}

test('a patch of a vanished event falls back to create', async (t) => {
  const { sink, b, recorder } = setup();
  recorder.event(pod, 'Normal', 'Pulled', 'pulled');
  await eventually(() => sink.stored.size === 1);
  sink.stored.clear();
  recorder.event(pod, 'Normal', 'Pulled', 'pulled');
  await eventually(() => sink.calls.length === 3);
  t.deepEqual(sink.calls.slice(1), ['patch web-1 {"count":2,"lastTimestamp":"2026-11-27T03:00:00Z","message":"pulled"}', 'create web-1 count=2 pulled']);
  await b.shutdown();
});

test('transport errors are retried after sleeping; rejections are not', async (t) => {
  const { sink, b, recorder, clock } = setup();
  sink.failures.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'));
  recorder.event(pod, 'Normal', 'A', 'retried');
  await eventually(() => sink.calls.length === 1);
  await clock.advance(5_000); // first sleep is randomized: 10 s * 0.5
  await eventually(() => sink.calls.length === 2);
  await clock.advance(10_000);
  await eventually(() => sink.stored.size === 1);
  sink.failures.push(new ApiError({ code: 403, status: { kind: 'Status', reason: 'Forbidden', code: 403 }, request: 'create', body: '' }));
  recorder.event(pod, 'Normal', 'B', 'forbidden');
  await eventually(() => sink.calls.length === 4);
  await clock.advance(60_000);
  t.is(sink.calls.length, 4);
  await b.shutdown();
});

test('cluster-scoped objects get events in the default namespace; watchers see every event', async (t) => {
  const { sink, b, recorder } = setup();
  const seen: string[] = [];
  b.startEventWatcher((e) => {
    seen.push(`${e.metadata?.namespace} ${e.reason}`);
  });
  recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', uid: 'n1' } }, 'Normal', 'NodeReady', 'ready');
  await eventually(() => sink.stored.size === 1 && seen.length === 1);
  t.is([...sink.stored.values()][0]!.metadata?.namespace, 'default');
  t.deepEqual(seen, ['default NodeReady']);
  await b.shutdown();
});

test('FakeRecorder keeps events as strings', (t) => {
  const r = new FakeRecorder({ includeObject: true });
  r.eventf(pod, 'Warning', 'FailedScheduling', '0/%d nodes are available', 3);
  t.deepEqual(r.events, ['Warning FailedScheduling 0/3 nodes are available involvedObject{kind=Pod,apiVersion=v1}']);
});
