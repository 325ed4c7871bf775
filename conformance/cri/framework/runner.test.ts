import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { XMLParser } from 'fast-xml-parser';
import type { CaseResult, CriCase } from './case.ts';
import { fail } from './expect.ts';
import { Suite, parseCriLog, sleep } from './framework.ts';
import { toJUnitXml } from './junit.ts';
import { toCriError } from '#impl/cri/index.ts';
import type { RawCri } from './raw-client.ts';
import { countResults, runCases, selectCases } from './runner.ts';
import { groupOf, progressLine, summaryTable } from './summary.ts';

function fakeSuite(version: () => Promise<unknown> = async () => ({ runtimeName: 'fake' })): Suite {
  const cri = { runtime: { version }, image: {}, runtimeEndpoint: 'unix:///fake', imageEndpoint: 'unix:///fake', close() {} } as unknown as RawCri;
  return new Suite(cri, { images: { busybox: 'busybox', pause: 'pause', testServer: 'ts', busyboxAlias: '' }, runtimeHandler: '', pollIntervalMs: 10 });
}

const c = (name: string, run: CriCase['run'], extra: Partial<CriCase> = {}): CriCase => ({ name, run, ...extra });

const selectionCases: Array<{ name: string; focus?: RegExp; skip?: RegExp; want: string[] }> = [
  { name: 'no filter selects everything', want: ['[k8s.io] A one', '[k8s.io] A two', '[kubets] B three'] },
  { name: 'focus keeps matching names', focus: /A /, want: ['[k8s.io] A one', '[k8s.io] A two'] },
  { name: 'skip drops matching names', skip: /two|three/, want: ['[k8s.io] A one'] },
  { name: 'focus and skip combine', focus: /k8s\.io/, skip: /one/, want: ['[k8s.io] A two'] },
];
for (const tc of selectionCases) {
  test(`selectCases: ${tc.name}`, (t) => {
    const cases = ['[k8s.io] A one', '[k8s.io] A two', '[kubets] B three'].map((n) => c(n, async () => undefined));
    t.deepEqual(selectCases(cases, tc.focus, tc.skip).map((x) => x.name), tc.want);
  });
}

test('runCases: pass, fail, skip, and cleanups run in reverse order', async (t) => {
  const order: string[] = [];
  const results = await runCases({
    suite: fakeSuite(),
    cases: [
      c('passes', async (f) => {
        f.defer('first', async () => order.push('first'));
        f.defer('second', async () => order.push('second'));
      }),
      c('fails', async () => fail('state: expected EXITED, got RUNNING')),
      c('skips', async (f) => f.skip('AppArmor is not enabled')),
      c('throws', async () => {
        throw new Error('boom');
      }),
    ],
  });
  t.deepEqual(results.map((r) => [r.name, r.status, r.message]), [
    ['passes', 'passed', ''],
    ['fails', 'failed', 'state: expected EXITED, got RUNNING'],
    ['skips', 'skipped', 'AppArmor is not enabled'],
    ['throws', 'failed', 'boom'],
  ]);
  t.deepEqual(order, ['second', 'first']);
  t.deepEqual(countResults(results), { total: 4, passed: 1, failed: 2, skipped: 1 });
});

test('runCases: a hanging case times out, its signal is aborted and cleanup still runs', async (t) => {
  let cleaned = false;
  let aborted = false;
  const started = Date.now();
  const [r] = await runCases({
    suite: fakeSuite(),
    caseTimeoutMs: 200,
    cases: [
      c('hangs', async (f) => {
        f.defer('cleanup', async () => void (cleaned = true));
        f.signal.addEventListener('abort', () => (aborted = true));
        await new Promise(() => undefined);
      }),
    ],
  });
  t.is(r!.status, 'failed');
  t.regex(r!.message, /did not finish within 0s|timed out/);
  t.true(cleaned);
  t.true(aborted);
  t.true(Date.now() - started < 5_000);
});

test('runCases: serial cases run after the parallel ones, alone', async (t) => {
  let running = 0;
  let maxParallel = 0;
  const seen: string[] = [];
  const body = (name: string): CriCase['run'] => async () => {
    running++;
    maxParallel = Math.max(maxParallel, running);
    seen.push(`start ${name}`);
    await sleep(30);
    running--;
  };
  const results = await runCases({
    suite: fakeSuite(),
    parallel: 3,
    cases: [c('s1', body('s1'), { serial: true }), c('p1', body('p1')), c('p2', body('p2')), c('p3', body('p3'))],
  });
  t.deepEqual(results.map((r) => r.name), ['s1', 'p1', 'p2', 'p3'], 'results keep catalog order');
  t.is(seen[3], 'start s1', 'the serial case starts last');
  t.is(maxParallel, 3);
});

test('runCases: when the runtime stops answering, the rest fail fast with a clear message', async (t) => {
  let calls = 0;
  const unavailable = toCriError('/runtime.v1.RuntimeService/Version', { code: grpc.status.UNAVAILABLE, details: 'connect ECONNREFUSED /x.sock' });
  const suite = fakeSuite(async () => {
    throw unavailable;
  });
  const results = await runCases({
    suite,
    cases: [
      c('first', async () => {
        calls++;
        throw toCriError('/runtime.v1.RuntimeService/RunPodSandbox', { code: grpc.status.UNAVAILABLE, details: 'connection reset' });
      }),
      c('second', async () => void calls++),
      c('third', async () => void calls++),
    ],
  });
  t.is(calls, 1);
  t.deepEqual(results.map((r) => r.status), ['failed', 'failed', 'failed']);
  t.regex(results[1]!.message, /^not run: the runtime stopped answering \(\/runtime\.v1\.RuntimeService\/Version: Unavailable: connect ECONNREFUSED/);
});

const logCases: Array<{ name: string; text: string; want?: Array<[string, string, string]>; error?: RegExp }> = [
  { name: 'full and partial lines', text: '2026-11-27T02:36:09.123456789Z stdout F hello\n2026-11-27T02:36:09.2Z stderr P par\n', want: [['stdout', 'F', 'hello'], ['stderr', 'P', 'par']] },
  { name: 'numeric offset timestamps', text: '2026-11-27T02:36:09.1+01:00 stdout F x\n', want: [['stdout', 'F', 'x']] },
  { name: 'empty message', text: '2026-11-27T02:36:09Z stdout F \n', want: [['stdout', 'F', '']] },
  { name: 'docker json lines are rejected', text: '{"log":"hi\\n","stream":"stdout"}\n', error: /not in the CRI log format/ },
  { name: 'a missing tag is rejected', text: '2026-11-27T02:36:09Z stdout hello\n', error: /not in the CRI log format/ },
];
for (const tc of logCases) {
  test(`parseCriLog: ${tc.name}`, (t) => {
    if (tc.error) {
      t.throws(() => parseCriLog(tc.text, 'x.log'), { message: tc.error });
      return;
    }
    t.deepEqual(parseCriLog(tc.text, 'x.log').map((l) => [l.stream, l.tag, l.message]), tc.want);
  });
}

const sample: CaseResult[] = [
  { name: '[k8s.io] Container runtime should support creating container [Conformance]', status: 'passed', durationMs: 512, message: '', log: [] },
  { name: '[k8s.io] Idempotence StopContainer should not return an error if not found', status: 'failed', durationMs: 20, message: 'StopContainer: NOT_FOUND: <"id"> & more\u0001', log: ['step one', 'step <two>'] },
  { name: '[k8s.io] AppArmor runtime should support apparmor field x', status: 'skipped', durationMs: 0, message: 'AppArmor is not enabled on this host', log: [] },
];

test('toJUnitXml: parses with a real XML parser, counts and messages intact', (t) => {
  const xml = toJUnitXml(sample, { properties: { runtimeEndpoint: 'unix:///run/x.sock' }, timestamp: new Date('2026-11-27T00:00:00Z') });
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' || n === 'property' }).parse(xml, true);
  const suite = doc.testsuites.testsuite;
  t.is(doc.testsuites.tests, '3');
  t.is(suite.failures, '1');
  t.is(suite.skipped, '1');
  t.is(suite.timestamp, '2026-11-27T00:00:00');
  t.is(suite.properties.property[0].value, 'unix:///run/x.sock');
  const cases = suite.testcase as Array<Record<string, unknown>>;
  t.deepEqual(cases.map((x) => x.name), sample.map((s) => s.name));
  t.is(cases[0]!.time, '0.512');
  const failure = cases[1]!.failure as Record<string, string>;
  t.is(failure.message, 'StopContainer: NOT_FOUND: <"id"> & more', 'escaped and control characters dropped');
  t.is(cases[1]!['system-out'], 'step one\nstep <two>');
  t.is((cases[2]!.skipped as Record<string, string>).message, 'AppArmor is not enabled on this host');
});

test('summaryTable and progressLine: groups, totals and reasons', (t) => {
  const s = summaryTable(sample);
  t.regex(s, /Container\s+1\s+1\s+0\s+0/);
  t.regex(s, /Idempotence\s+1\s+0\s+1\s+0/);
  t.regex(s, /TOTAL\s+3\s+1\s+1\s+1/);
  t.regex(s, /1 passed, 1 failed, 1 skipped \(50\.0% of the cases that ran passed\)/);
  t.regex(s, /Skipped:\n {2}- \[k8s\.io\] AppArmor.*\n {6}AppArmor is not enabled on this host/);
  t.is(groupOf('[kubets] Resources UpdateContainerResources x'), 'Resources');
  t.is(progressLine(sample[1]!, 2, 10), '[ 2/10] FAIL   0.0s [k8s.io] Idempotence StopContainer should not return an error if not found\n          StopContainer: NOT_FOUND: <"id"> & more\u0001');
});
