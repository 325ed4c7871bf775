/**
 * NoExecuteTaintManager: upstream node/taints.go (the two conformance specs). Pods tolerating
 * the test's NoExecute taint for a while are evicted when that time runs out, and not at all
 * when the taint is removed first. Evictions are observed as DELETED events of a watch on the
 * test pods' `group` label, like upstream's informer. Both specs taint the node (every pod
 * there without a matching toleration is evicted too), hence [Serial]; the taint is removed in
 * a deferred cleanup as well. Deviation: the "queued for deletion" pause of the taint-removal
 * spec waits 2.5 seconds (upstream's timer is 5 nanoseconds, an oversight), well inside the
 * 10-second toleration.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

const KUBELET_POD_DELETION_DELAY_SECONDS = 60;
const ADDITIONAL_WAIT_PER_DELETE_SECONDS = 5;
const TAINT_KEY = 'kubernetes.io/e2e-evict-taint-key';
const TAINT_VALUE = 'evictTaintVal';

/** createPodForTaintsTest is upstream's with a toleration of `tolerationSeconds`. */
function createPodForTaintsTest(ctx: CaseContext, tolerationSeconds: number, podName: string, podLabel: string): KubeObject {
  return {
    metadata: { name: podName, labels: { group: podLabel } },
    spec: {
      containers: [{ name: 'pause', image: ctx.images.pause }],
      tolerations: [{ key: TAINT_KEY, value: TAINT_VALUE, effect: 'NoExecute', tolerationSeconds }],
    },
  };
}

/** DeletionObserver collects the names of deleted pods with label group=`label` (upstream createTestController). */
class DeletionObserver {
  readonly deleted: string[] = [];
  private readonly stop = new AbortController();
  private wake: (() => void) | undefined;

  constructor(private readonly ctx: CaseContext, private readonly label: string) {}

  async start(): Promise<void> {
    const pods = this.ctx.core('pods');
    const list = await pods.list({ labelSelector: `group=${this.label}` });
    let rv = list.metadata?.resourceVersion;
    const signal = AbortSignal.any([this.ctx.signal, this.stop.signal]);
    void (async () => {
      while (!signal.aborted) {
        try {
          for await (const ev of pods.watch({ labelSelector: `group=${this.label}`, resourceVersion: rv, signal })) {
            rv = (ev.object as KubeObject)?.metadata?.resourceVersion ?? rv;
            if (ev.type === 'DELETED') {
              this.deleted.push(String((ev.object as KubeObject).metadata?.name));
              this.wake?.();
            }
          }
        } catch {
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    this.ctx.defer(() => this.stop.abort());
  }

  /** waitFor resolves true once `count` deletions were seen, false after `ms`. */
  async waitFor(count: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.deleted.length < count) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ctx.signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return true;
  }
}

async function updateNodeTaints(ctx: CaseContext, nodeName: string, change: (taints: KubeObject[]) => KubeObject[]): Promise<void> {
  const nodes = ctx.api('', 'v1', 'nodes');
  for (let i = 0; ; i++) {
    const node = await nodes.get(nodeName);
    node.spec = { ...node.spec, taints: change([...(node.spec?.taints ?? [])]) };
    try {
      await nodes.update(node);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || i >= 9) throw err;
    }
  }
}

const isTestTaint = (t: KubeObject): boolean => t.key === TAINT_KEY && t.effect === 'NoExecute';

/** addTestTaint is e2enode.AddOrUpdateTaintOnNode + ExpectNodeHasTaint; the removal is deferred too. */
async function addTestTaint(ctx: CaseContext, nodeName: string): Promise<void> {
  ctx.step('Trying to apply a taint on the Node');
  ctx.defer(() => removeTestTaint(ctx, nodeName));
  await updateNodeTaints(ctx, nodeName, (ts) => [...ts.filter((t) => !isTestTaint(t)), { key: TAINT_KEY, value: TAINT_VALUE, effect: 'NoExecute', timeAdded: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }]);
  const node = await ctx.api('', 'v1', 'nodes').get(nodeName);
  if (!(node.spec?.taints ?? []).some((t: KubeObject) => isTestTaint(t) && t.value === TAINT_VALUE)) fail(`node ${nodeName} does not have the taint ${TAINT_KEY}=${TAINT_VALUE}:NoExecute`);
}

function removeTestTaint(ctx: CaseContext, nodeName: string): Promise<void> {
  return updateNodeTaints(ctx, nodeName, (ts) => ts.filter((t) => !isTestTaint(t)));
}

/** runPodAndGetNodeName is upstream testutils.RunPodAndGetNodeName. */
async function runPodAndGetNodeName(ctx: CaseContext, pod: KubeObject): Promise<string> {
  await createPod(ctx, pod);
  const p = await waitForPodRunning(ctx, String(pod.metadata?.name), undefined, 2 * 60_000);
  return String(p.spec?.nodeName);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-37',
    codename: '[sig-node] NoExecuteTaintManager Single Pod removing taint cancels eviction [Conformance] [Serial]',
    timeoutMs: 5 * 60_000,
    async run(ctx) {
      const podName = 'taint-eviction-4';
      const observer = new DeletionObserver(ctx, podName);
      await observer.start();
      ctx.step('Starting pod...');
      const nodeName = await runPodAndGetNodeName(ctx, createPodForTaintsTest(ctx, 2 * ADDITIONAL_WAIT_PER_DELETE_SECONDS, podName, podName));
      ctx.log(`Pod is running on ${nodeName}. Tainting Node`);
      await addTestTaint(ctx, nodeName);
      ctx.step('Waiting short time to make sure Pod is queued for deletion');
      if (await observer.waitFor(1, ADDITIONAL_WAIT_PER_DELETE_SECONDS * 1000 / 2)) fail('Pod was evicted despite toleration');
      ctx.log('Removing taint from Node');
      await removeTestTaint(ctx, nodeName);
      ctx.step('Waiting some time to make sure that toleration time passed.');
      if (await observer.waitFor(1, (KUBELET_POD_DELETION_DELAY_SECONDS + 3 * ADDITIONAL_WAIT_PER_DELETE_SECONDS) * 1000)) fail('Pod was evicted despite toleration');
      ctx.log("Pod wasn't evicted. Test successful");
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-36',
    codename: '[sig-node] NoExecuteTaintManager Multiple Pods evicts pods with minTolerationSeconds [Conformance] [Serial]',
    timeoutMs: 6 * 60_000,
    async run(ctx) {
      const podGroup = 'taint-eviction-b';
      const observer = new DeletionObserver(ctx, podGroup);
      await observer.start();
      // 1. two pods with tolerations of 5 and 25 seconds, on the same node
      const pod1 = createPodForTaintsTest(ctx, ADDITIONAL_WAIT_PER_DELETE_SECONDS, `${podGroup}1`, podGroup);
      const pod2 = createPodForTaintsTest(ctx, 5 * ADDITIONAL_WAIT_PER_DELETE_SECONDS, `${podGroup}2`, podGroup);
      ctx.step('Starting pods...');
      const nodeName = await runPodAndGetNodeName(ctx, pod1);
      const node = await ctx.api('', 'v1', 'nodes').get(nodeName);
      const hostname = node.metadata?.labels?.['kubernetes.io/hostname'];
      if (!hostname) fail(`error getting kubernetes.io/hostname label on node ${nodeName}`);
      ctx.log(`Pod1 is running on ${nodeName}. Tainting Node`);
      pod2.spec.nodeSelector = { 'kubernetes.io/hostname': hostname };
      await runPodAndGetNodeName(ctx, pod2);
      ctx.log(`Pod2 is running on ${nodeName}. Tainting Node`);
      // 2. taint the node
      await addTestTaint(ctx, nodeName);
      // 3. both pods are evicted within upstream's bound
      ctx.step('Waiting for Pod1 and Pod2 to be deleted');
      if (!(await observer.waitFor(2, (KUBELET_POD_DELETION_DELAY_SECONDS + 10 * ADDITIONAL_WAIT_PER_DELETE_SECONDS) * 1000))) {
        fail(`Failed to evict all Pods. ${2 - observer.deleted.length} pod(s) is not evicted.`);
      }
      for (const n of observer.deleted) ctx.log(`Noticed Pod "${n}" gets evicted.`);
    },
  }),
];
