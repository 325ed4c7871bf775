import test from 'ava';
import { histogramQuantile } from './scheduler.ts';

const buckets = [
  { le: 0.001, count: 0 },
  { le: 0.002, count: 50 },
  { le: 0.004, count: 100 },
  { le: Infinity, count: 100 },
];

const cases: Array<{ name: string; q: number; want: number }> = [
  { name: 'the median falls at the top of the bucket holding the 50th observation', q: 0.5, want: 0.002 },
  { name: 'p75 interpolates inside its bucket', q: 0.75, want: 0.003 },
  { name: 'p99 interpolates inside its bucket', q: 0.99, want: 0.00396 },
];

for (const tc of cases) {
  test(`histogramQuantile: ${tc.name}`, (t) => {
    t.true(Math.abs(histogramQuantile(tc.q, buckets) - tc.want) < 1e-9);
  });
}

test('histogramQuantile: no observations give 0', (t) => {
  t.is(histogramQuantile(0.5, [{ le: Infinity, count: 0 }]), 0);
});
