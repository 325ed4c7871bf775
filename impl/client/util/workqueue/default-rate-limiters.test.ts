import test from 'ava';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
  WithMaxWaitRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './default-rate-limiters.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';

const cases: Array<{ name: string; make: (clock: FakeClock) => RateLimiter<string>; calls: string[]; want: number[]; requeues?: [string, number] }> = [
  {
    name: 'exponential doubles per item from the base delay',
    make: () => new ItemExponentialFailureRateLimiter(1, 1000),
    calls: ['a', 'a', 'a', 'b', 'a'],
    want: [1, 2, 4, 1, 8],
    requeues: ['a', 4],
  },
  { name: 'exponential is capped at the max delay', make: () => new ItemExponentialFailureRateLimiter(100, 300), calls: ['a', 'a', 'a', 'a'], want: [100, 200, 300, 300] },
  { name: 'exponential does not overflow', make: () => new ItemExponentialFailureRateLimiter(5, 1_000_000), calls: ['a', 'a', 'a'], want: [5, 10, 20] },
  { name: 'fast-slow switches after maxFastAttempts', make: () => new ItemFastSlowRateLimiter(5, 1000, 2), calls: ['a', 'a', 'a', 'b'], want: [5, 5, 1000, 5] },
  { name: 'bucket allows the burst then spaces at 1/qps', make: (c) => new BucketRateLimiter(10, 2, c), calls: ['a', 'b', 'c', 'd'], want: [0, 0, 100, 200] },
  {
    name: 'max-of takes the longest delay',
    make: () => new MaxOfRateLimiter(new ItemExponentialFailureRateLimiter(1, 1000), new ItemFastSlowRateLimiter(3, 1000, 1)),
    calls: ['a', 'a', 'a'],
    want: [3, 1000, 1000],
    requeues: ['a', 3],
  },
  { name: 'with-max-wait caps the delay', make: () => new WithMaxWaitRateLimiter(new ItemExponentialFailureRateLimiter(10, 10_000), 25), calls: ['a', 'a', 'a'], want: [10, 20, 25] },
  { name: 'default controller limiter starts at 5 ms', make: (c) => defaultControllerRateLimiter(c), calls: ['a', 'a', 'a'], want: [5, 10, 20] },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    const clock = new FakeClock();
    const rl = tc.make(clock);
    t.deepEqual(tc.calls.map((c) => rl.when(c)), tc.want);
    if (tc.requeues) t.is(rl.numRequeues(tc.requeues[0]), tc.requeues[1]);
    rl.forget('a');
    t.is(rl.numRequeues('a'), 0);
  });
}

test('exponential never overflows to Infinity', (t) => {
  const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
  let last = 0;
  for (let i = 0; i < 2000; i++) last = rl.when('a');
  t.is(last, 1_000_000);
});

test('the bucket refills with time', (t) => {
  const clock = new FakeClock();
  const rl = new BucketRateLimiter<string>(10, 1, clock);
  t.is(rl.when('a'), 0);
  t.is(rl.when('a'), 100);
  clock.step(1000);
  t.is(rl.when('a'), 0);
});
