/**
 * Negative check for the conformance suite (issue #7, acceptance 4): the relevant cases pass
 * against a real `startApiServer`, and fail — with messages naming the broken behaviour —
 * when a {@link startFaultyProxy} in front of it drops watch events or answers stale updates
 * with 200 instead of 409.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import { DEFAULT_TEST_IMAGES } from '../framework/images.ts';
import { cases } from '../registry.ts';
import { runSuite } from '../runner/run-suite.ts';
import type { SuiteResult } from '../runner/results.ts';
import { startFaultyProxy, type Fault } from './faulty-proxy.ts';

type Started = { kubeconfigPath: string; stop(): Promise<void>; ready?: Promise<void> };

let server: Started | undefined;
let dir: string | undefined;
let skipReason = '';

test.before(async () => {
  let startApiServer: ((o: { dataDir: string; securePort?: number; log?: (l: string) => void }) => Promise<Started>) | undefined;
  try {
    ({ startApiServer } = (await import('#impl/apiserver/index.ts')) as unknown as { startApiServer: typeof startApiServer });
  } catch (err) {
    skipReason = `impl/apiserver is not available: ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  dir = mkdtempSync(join(tmpdir(), 'kubets-faulty-proxy-'));
  server = await startApiServer!({ dataDir: dir, securePort: 0, log: () => {} });
  await server.ready;
});

test.after.always(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const WATCH_CASES = ['AM-88', 'AM-89', 'AM-90', 'AM-91'];
const UPDATE_CASES = ['NW-16', 'ND-68'];

async function run(ids: string[], faults: Fault[]): Promise<{ result: SuiteResult; injected: Record<Fault, number> }> {
  const upstream = loadKubeconfig({ path: server!.kubeconfigPath });
  const proxy = await startFaultyProxy({ upstream, faults });
  const client = new RestClient(proxy.restConfig);
  try {
    const result = await runSuite({
      client,
      cases: cases.filter((c) => ids.includes(c.id)),
      images: DEFAULT_TEST_IMAGES,
      parallel: 2,
      timeoutMs: 60_000,
      namespaceDeletionTimeoutMs: 100,
      nodeSchedulableTimeoutMs: 0,
    });
    return { result, injected: { ...proxy.injected } };
  } finally {
    client.close();
    await proxy.close();
  }
}

test.serial('without faults the watch and update cases pass through the proxy', async (t) => {
  if (skipReason) return t.log(`skipped: ${skipReason}`), t.pass();
  const { result } = await run([...WATCH_CASES, ...UPDATE_CASES], []);
  for (const r of result.results) t.is(r.status, 'passed', `${r.id}: ${r.message ?? ''}`);
});

test.serial('dropping watch events makes the watch cases fail, naming dropped events', async (t) => {
  if (skipReason) return t.log(`skipped: ${skipReason}`), t.pass();
  const { result, injected } = await run(WATCH_CASES, ['drop-watch-events']);
  t.true(injected['drop-watch-events'] > 0, 'the proxy dropped events');
  for (const r of result.results) {
    t.is(r.status, 'failed', `${r.id} should fail when watch events are dropped`);
    t.regex(r.message ?? '', /the watch dropped the event|an event was dropped or reordered/, `${r.id} message: ${r.message}`);
  }
});

test.serial('answering stale updates with 200 makes the API operations cases fail, naming optimistic concurrency', async (t) => {
  if (skipReason) return t.log(`skipped: ${skipReason}`), t.pass();
  const { result, injected } = await run(UPDATE_CASES, ['stale-update-ok']);
  t.true(injected['stale-update-ok'] > 0, 'the proxy turned a 409 into 200');
  for (const r of result.results) {
    t.is(r.status, 'failed', `${r.id} should fail when stale updates succeed`);
    t.regex(r.message ?? '', /optimistic concurrency: update of .* with stale resourceVersion .*expected the request to fail with 409 Conflict, but it succeeded/, `${r.id} message: ${r.message}`);
  }
});
