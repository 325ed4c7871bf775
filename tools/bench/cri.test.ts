import test from 'ava';
import { BENCH_OPERATIONS, formatBenchTable, percentile, summarize, type CriBenchResult } from './cri.ts';

const percentileCases: Array<{ name: string; values: number[]; p: number; want: number }> = [
  { name: 'empty is zero', values: [], p: 50, want: 0 },
  { name: 'single value for any p', values: [7], p: 99, want: 7 },
  { name: 'nearest-rank median of 1..10', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 50, want: 5 },
  { name: 'p90 of 1..10', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 90, want: 9 },
  { name: 'p99 of 1..100', values: Array.from({ length: 100 }, (_, i) => i + 1), p: 99, want: 99 },
  { name: 'p100 is the max', values: [1, 2, 3], p: 100, want: 3 },
];
for (const tc of percentileCases) {
  test(`percentile: ${tc.name}`, (t) => t.is(percentile(tc.values, tc.p), tc.want));
}

test('summarize sorts, rounds and counts errors', (t) => {
  t.deepEqual(summarize([30, 10, 20.004], 2), { count: 3, errors: 2, min: 10, mean: 20, p50: 20, p90: 30, p99: 30, max: 30 });
});

test('formatBenchTable lists every measured operation with percentiles', (t) => {
  const operations = Object.fromEntries(BENCH_OPERATIONS.map((o, i) => [o, summarize([i + 1, i + 2], 0)])) as CriBenchResult['operations'];
  const res: CriBenchResult = {
    runtime: { name: 'containerd', version: '1.6.20', endpoint: 'unix:///x.sock' },
    iterations: 2,
    concurrency: 1,
    startedAt: '',
    durationMs: 1234,
    operations,
    errors: [],
    critest: { operationsNames: [], numParallel: 1, datapoints: [] },
  };
  const out = formatBenchTable(res);
  t.regex(out, /^CRI benchmark: containerd 1\.6\.20 at unix:\/\/\/x\.sock/);
  t.regex(out, /OPERATION\s+N\s+ERR\s+MIN\s+P50\s+P90\s+P99\s+MAX\s+MEAN/);
  for (const op of BENCH_OPERATIONS) t.regex(out, new RegExp(`\\n${op}\\s+2\\s+0\\s`));
});
