import test from 'ava';
import { Registry } from 'prom-client';
import { ItemExponentialFailureRateLimiter } from './default-rate-limiters.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { prometheusMetricsProvider } from './metrics.ts';
import { RateLimitingQueue } from './rate-limiting-queue.ts';

test('addRateLimited waits the limiter delay; forget resets it', (t) => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(10, 1000) });
  q.addRateLimited('a');
  t.is(q.numRequeues('a'), 1);
  clock.step(9);
  t.is(q.len(), 0);
  clock.step(1);
  t.is(q.len(), 1);
  q.addRateLimited('b');
  q.addRateLimited('b');
  t.is(q.numRequeues('b'), 2);
  q.forget('b');
  t.is(q.numRequeues('b'), 0);
});

test('the controller worker pattern: done always, forget on success, addRateLimited on error', async (t) => {
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ clock, rateLimiter: new ItemExponentialFailureRateLimiter(5, 1000) });
  let attempts = 0;
  const reconcile = (): void => {
    attempts++;
    if (attempts < 3) throw new Error('transient');
  };
  q.add('ns/a');
  for (let i = 0; i < 3; i++) {
    while (q.len() === 0) clock.step(1);
    const { item } = await q.get();
    try {
      reconcile();
      q.forget(item!);
    } catch {
      q.addRateLimited(item!);
    } finally {
      q.done(item!);
    }
  }
  t.is(attempts, 3);
  t.is(q.numRequeues('ns/a'), 0);
});

test('metrics use the upstream names and the queue name label', async (t) => {
  const registry = new Registry();
  const clock = new FakeClock();
  const q = new RateLimitingQueue<string>({ name: 'replicaset', clock, metricsProvider: prometheusMetricsProvider(registry) });
  q.add('a');
  q.add('b');
  clock.step(2000);
  const { item } = await q.get();
  clock.step(1000);
  await clock.advance(500);
  const mid = await registry.metrics();
  t.regex(mid, /workqueue_longest_running_processor_seconds\{name="replicaset"\} 1\.5/);
  q.done(item!);
  q.addRateLimited('c');
  const text = await registry.metrics();
  t.regex(text, /workqueue_adds_total\{name="replicaset"\} 2/);
  t.regex(text, /workqueue_depth\{name="replicaset"\} 1/);
  t.regex(text, /workqueue_retries_total\{name="replicaset"\} 1/);
  t.regex(text, /workqueue_queue_duration_seconds_sum\{name="replicaset"\} 2/);
  t.regex(text, /workqueue_work_duration_seconds_sum\{name="replicaset"\} 1\.5/);
  for (const m of ['workqueue_unfinished_work_seconds']) t.true(text.includes(m));
  // a second queue on the same registry does not re-register
  const q2 = new RateLimitingQueue<string>({ name: 'other', clock, metricsProvider: prometheusMetricsProvider(registry) });
  q2.add('x');
  t.regex(await registry.metrics(), /workqueue_adds_total\{name="other"\} 1/);
  q.shutDown();
  q2.shutDown();
});
