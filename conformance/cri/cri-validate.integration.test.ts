/**
 * `kubets cri-validate` and `kubets cri-bench` against real containerd 1.6 (Debian), twice:
 * - a "third-party" containerd started from the hand-written config in testing/third-party/
 *   (its registry filled by `kubets images push`, plus a registry with basic auth), and
 * - the project's own containerd from tools/runtime (`runtimeUp` in a temp dir).
 * Each runs a representative subset (the full run is `kubets cri-validate --runtime-endpoint ...`,
 * see conformance/cri/README.md). The faulty runtime proxies to the third-party containerd and
 * must make exactly the right cases fail, with messages that say what was wrong.
 *
 * Needs root and containerd, runc, docker-registry, skopeo, CNI plugins; skips otherwise.
 */
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { runCriBench } from '../../tools/bench/cri.ts';
import { startFaultyRuntime } from './testing/faulty-runtime.ts';
import { missingBinaries, startThirdPartyContainerd, type ThirdPartyContainerd } from './testing/third-party-containerd.ts';
import { runCriValidate, type CriValidateReport } from './validate.ts';

const missing = [...missingBinaries(), ...(process.getuid?.() === 0 ? [] : ['root'])];
const run = missing.length ? test.serial.skip : test.serial;
if (missing.length) {
  test('cri-validate integration (skipped)', (t) => {
    t.log(`skipped: missing ${missing.join(', ')}`);
    t.pass();
  });
}

/** SUBSET is a representative cross-section: every area, about 30 cases. */
const SUBSET = [
  'Runtime info',
  'basic operations on PodSandbox runtime should support (running|stopping)',
  'should list sandboxes filtered by label',
  'should support safe sysctls',
  'basic operations on container runtime should support (creating|starting|stopping|removing running) container',
  'should support execSync \\[',
  'execSync with timeout',
  'listing container stats \\[',
  'starting container with volume \\[',
  'starting container with log',
  'reopening container log',
  'exit code, reason and timestamps',
  'restart with the next attempt',
  'Idempotence (RemoveContainer|StopContainer) should not return an error if not found',
  "mount with 'rshared'",
  'UpdateContainerResources should change',
  'PodSandboxStats',
  'port mapping with host port',
  'pods should reach each other',
  'share the network namespace',
  'exec with tty=false',
  'runtime should support attach',
  'runtime should support portforward \\[',
  'bytes both ways',
  'RunAsUser$',
  'ReadOnlyRootfs is true',
  'dropping ALL capabilities',
  'seccomp default',
  'HostNetwork is true',
  'AppArmor.*blocking writes',
  'image status should support all kinds of references',
  'does not exist should fail with NOT_FOUND',
  'registry credentials',
  'public image with digest',
].join('|');

/** KNOWN_DEVIATIONS are containerd 1.6.20's known spec deviations (critest reports them too). */
const KNOWN_DEVIATIONS = [/Idempotence StopContainer should not return an error if not found/, /Idempotence StopPodSandbox should not return an error if not found/];

function checkReport(t: import('ava').ExecutionContext, report: CriValidateReport, minCases: number): void {
  const failed = report.results.filter((r) => r.status === 'failed');
  t.log(`${report.counts.passed} passed, ${report.counts.failed} failed, ${report.counts.skipped} skipped`);
  for (const f of failed) t.log(`FAIL ${f.name}: ${f.message}`);
  t.true(report.counts.total >= minCases, `ran ${report.counts.total} cases`);
  t.is(report.runtime.name, 'containerd');
  t.regex(report.runtime.version, /^1\.6\./);
  t.deepEqual(failed.filter((f) => !KNOWN_DEVIATIONS.some((re) => re.test(f.name))).map((f) => `${f.name}: ${f.message}`), []);
  for (const s of report.results.filter((r) => r.status === 'skipped')) t.true(s.message.length > 0, `skip without a reason: ${s.name}`);
}

let tp: ThirdPartyContainerd | undefined;
test.after.always(async () => {
  await tp?.stop();
});

run('third-party containerd (own config, registry filled by kubets images push): subset passes, JUnit parses', async (t) => {
  t.timeout(240_000);
  tp = await startThirdPartyContainerd({ authRegistry: true });
  const out = await mkdtemp(path.join(os.tmpdir(), 'cri-validate-it-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const lines: string[] = [];
  const report = await runCriValidate({
    runtimeEndpoint: tp.endpoint,
    // The same socket spelled as a bare path: exercises the separate image channel and its preflight.
    imageEndpoint: tp.endpoint.replace(/^unix:\/\//, ''),
    focus: SUBSET,
    parallel: 3,
    authImage: tp.authImage,
    junit: path.join(out, 'junit.xml'),
    report: path.join(out, 'report.json'),
    write: (s) => lines.push(s),
  });
  checkReport(t, report, 30);
  t.true(report.results.some((r) => /registry credentials/.test(r.name) && r.status === 'passed'), 'the pull-with-auth case ran and passed');
  t.regex(lines.join(''), /\[ *1\/\d+\] (PASS|FAIL|SKIP)/);
  t.regex(lines.join(''), /GROUP\s+CASES\s+PASS\s+FAIL\s+SKIP/);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(out, 'junit.xml'), 'utf8'), true);
  t.is(Number(doc.testsuites.tests), report.counts.total);
  t.is(Number(doc.testsuites.testsuite.failures), report.counts.failed);
  t.is(JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')).counts.total, report.counts.total);
});

run('faulty runtime: the right cases fail, with messages that say what was wrong', async (t) => {
  t.timeout(120_000);
  if (!tp) return t.fail('third-party containerd did not start');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cri-faulty-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const focus = [
    'should return version info',
    'support starting container \\[',
    'support stopping container \\[',
    'should support execSync \\[',
    'ExecSync should return stdout, stderr',
    'starting container with log \\[',
  ].join('|');
  type Results = CriValidateReport['results'];
  const find = (rs: Results, part: string): { status: string; message: string } => {
    const hit = rs.find((x) => x.name.includes(part));
    if (!hit) throw new Error(`no result for ${part}`);
    return hit;
  };

  // 1. StopContainer is ignored: only the stop case fails, and says the container kept running.
  const ignoreStop = await startFaultyRuntime({ socketPath: path.join(dir, 'ignore-stop.sock'), upstream: tp.endpoint, faults: ['ignore-stop'] });
  t.teardown(() => ignoreStop.stop());
  const r1 = (await runCriValidate({ runtimeEndpoint: ignoreStop.endpoint, focus, parallel: 3, stateTimeoutMs: 10_000, write: () => undefined })).results;
  t.log(r1);
  t.is(find(r1, 'stopping container [Conformance]').status, 'failed');
  t.regex(find(r1, 'stopping container [Conformance]').message, /expected state CONTAINER_EXITED within 10s after StopContainer returned, still CONTAINER_RUNNING/);
  for (const ok of ['version info [Conformance]', 'starting container [Conformance]', 'execSync [Conformance]', 'starting container with log [Conformance]']) {
    t.is(find(r1, ok).status, 'passed', `${ok} should pass when only StopContainer is faulty`);
  }

  // 2. Wrong states and dropped exec output: the log case never sees EXITED, ExecSync output is empty.
  const wrong = await startFaultyRuntime({ socketPath: path.join(dir, 'wrong.sock'), upstream: tp.endpoint, faults: ['wrong-container-state', 'drop-exec-output'] });
  t.teardown(() => wrong.stop());
  const r2 = (await runCriValidate({ runtimeEndpoint: wrong.endpoint, focus, parallel: 3, stateTimeoutMs: 10_000, write: () => undefined })).results;
  t.log(r2);
  t.is(find(r2, 'execSync [Conformance]').status, 'failed');
  t.is(find(r2, 'execSync [Conformance]').message, 'ExecSync stdout of `echo -n hello`: expected "hello", got ""');
  t.regex(find(r2, 'Container ExecSync should return stdout, stderr and the exit code separately').message, /ExecSync result: expected \{ stdout: 'out', stderr: 'err', exitCode: 3 \}, got \{ stdout: '', stderr: '', exitCode: 3 \}/);
  t.regex(find(r2, 'starting container with log [Conformance]').message, /expected state CONTAINER_EXITED within 10s after its command .* ended, still CONTAINER_RUNNING/);
  t.is(find(r2, 'version info [Conformance]').status, 'passed');
  t.is(find(r2, 'starting container [Conformance]').status, 'passed');
});

run('cri-bench on the third-party containerd prints percentiles for every operation', async (t) => {
  t.timeout(120_000);
  if (!tp) return t.fail('third-party containerd did not start');
  const res = await runCriBench({ runtimeEndpoint: tp.endpoint, iterations: 4, concurrency: 2, pullIterations: 2 });
  for (const [op, s] of Object.entries(res.operations)) {
    t.is(s.errors, 0, `${op} errors`);
    t.true(s.count > 0 && s.p50 > 0 && s.p99 >= s.p50, `${op}: ${JSON.stringify(s)}`);
  }
  t.is(res.critest.datapoints.length, 4);
  t.log(JSON.stringify(res.operations));
});

run("the project's own containerd (tools/runtime runtimeUp): subset passes", async (t) => {
  t.timeout(240_000);
  // Stop the third-party one first: two containerds at once double the load on a 2-core machine.
  await tp?.stop();
  tp = undefined;
  const { runtimeUp, runtimeDown } = await import('../../tools/runtime/index.ts');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cri-validate-own-'));
  t.teardown(async () => {
    await runtimeDown({ dataDir }).catch((err: unknown) => t.log(`runtime down: ${String(err)}`));
    await rm(dataDir, { recursive: true, force: true });
  });
  const info = await runtimeUp({ dataDir });
  const report = await runCriValidate({ runtimeEndpoint: info.endpoint, focus: SUBSET, skip: 'registry credentials', parallel: 3, write: () => undefined });
  checkReport(t, report, 30);
});
