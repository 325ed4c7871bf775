/**
 * Pod helpers mirroring the e2e framework's pod utilities: create a pod and wait for a phase
 * (with a diagnosis of why it did not get there), read logs, and `testContainerOutput`
 * (run a pod to completion and check its output, the way most node and volume specs do).
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';
import { fail } from './expect.ts';

/** POD_START_TIMEOUT_MS is the framework's pod start timeout (upstream: 5 minutes; here 2). */
export const POD_START_TIMEOUT_MS = 120_000;

/** podPhase reads `status.phase`. */
export const podPhase = (p: KubeObject): string => p.status?.phase ?? '';

/** diagnosePod says why a pod is not where it should be (unscheduled, no kubelet, waiting...). */
export function diagnosePod(p: KubeObject | undefined): string {
  if (!p) return 'pod not found';
  const parts = [`phase=${podPhase(p) || '<none>'}`];
  if (!p.spec?.nodeName) {
    const cond = (p.status?.conditions ?? []).find((c: KubeObject) => c.type === 'PodScheduled');
    parts.push(cond ? `not scheduled (${cond.reason ?? ''}: ${cond.message ?? ''})` : 'not scheduled (no PodScheduled condition: is a scheduler running?)');
  } else if (!p.status?.phase || (p.status?.containerStatuses ?? []).length === 0) {
    parts.push(`on node ${p.spec.nodeName}, no container statuses yet (is a kubelet running on it?)`);
  }
  for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])] as KubeObject[]) {
    const st = cs.state ?? {};
    const key = Object.keys(st)[0] ?? 'unknown';
    const detail = st[key]?.reason ? `${st[key].reason}${st[key].message ? `: ${st[key].message}` : ''}` : '';
    parts.push(`${cs.name}: ${key}${detail ? ` (${detail})` : ''} restarts=${cs.restartCount ?? 0}`);
  }
  return parts.join('; ');
}

/** createPod creates a pod in the case namespace. */
export function createPod(ctx: CaseContext, pod: KubeObject, ns = ctx.ns): Promise<KubeObject> {
  return ctx.core('pods', ns).create({ apiVersion: 'v1', kind: 'Pod', ...pod });
}

/** waitForPod polls the pod until `cond` returns true; fails with a diagnosis. */
export async function waitForPod(
  ctx: CaseContext,
  name: string,
  cond: (p: KubeObject) => boolean,
  what: string,
  opts: { timeoutMs?: number; ns?: string; failFast?: (p: KubeObject) => string | undefined } = {},
): Promise<KubeObject> {
  let last: KubeObject | undefined;
  return ctx.waitFor(
    async () => {
      last = await ctx.core('pods', opts.ns).get(name);
      const bad = opts.failFast?.(last);
      if (bad) fail(`pod ${name}: ${bad} while waiting for ${what}; ${diagnosePod(last)}`);
      return cond(last) ? last : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? POD_START_TIMEOUT_MS, intervalMs: 500, message: `pod ${name} ${what}`, describe: () => diagnosePod(last) },
  );
}

/** waitForPodRunning waits for phase Running (fails fast on Failed/Succeeded). */
export function waitForPodRunning(ctx: CaseContext, name: string, ns?: string, timeoutMs?: number): Promise<KubeObject> {
  return waitForPod(ctx, name, (p) => podPhase(p) === 'Running', 'to be Running', {
    ns,
    timeoutMs,
    failFast: (p) => (['Failed', 'Succeeded'].includes(podPhase(p)) ? `pod terminated with phase ${podPhase(p)}` : undefined),
  });
}

/** waitForPodSuccess waits for phase Succeeded (fails fast on Failed). */
export function waitForPodSuccess(ctx: CaseContext, name: string, ns?: string, timeoutMs?: number): Promise<KubeObject> {
  return waitForPod(ctx, name, (p) => podPhase(p) === 'Succeeded', 'to succeed', {
    ns,
    timeoutMs,
    failFast: (p) => (podPhase(p) === 'Failed' ? 'pod failed' : undefined),
  });
}

/** waitForPodReady waits for the Ready condition to be True. */
export function waitForPodReady(ctx: CaseContext, name: string, ns?: string, timeoutMs?: number): Promise<KubeObject> {
  return waitForPod(ctx, name, (p) => isPodReady(p), 'to be Ready', { ns, timeoutMs });
}

/** isPodReady reports whether the pod's Ready condition is True. */
export function isPodReady(p: KubeObject): boolean {
  return (p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True');
}

/** podLogs reads a container's log through the apiserver. */
export async function podLogs(ctx: CaseContext, name: string, container?: string, ns?: string): Promise<string> {
  return ctx.client.request<string>({
    path: `/api/v1/namespaces/${ns ?? ctx.ns}/pods/${name}/log`,
    query: { container },
    accept: 'text/plain, */*',
    signal: ctx.signal,
  }).then((s) => (typeof s === 'string' ? s : s === undefined ? '' : JSON.stringify(s)));
}

/**
 * testContainerOutput runs `pod` (restartPolicy Never) to success and checks that the log of
 * container `containerIndex` contains every expected string (or matches every RegExp), like
 * upstream `e2eoutput.TestContainerOutput`.
 */
export async function testContainerOutput(
  ctx: CaseContext,
  what: string,
  pod: KubeObject,
  containerIndex: number,
  expected: Array<string | RegExp>,
): Promise<void> {
  pod.spec.restartPolicy ??= 'Never';
  const name = String(pod.metadata?.name);
  ctx.step(`Creating a pod to test ${what}`);
  await createPod(ctx, pod);
  ctx.step(`Waiting for pod ${name} to succeed`);
  await waitForPodSuccess(ctx, name);
  const container: string = pod.spec.containers[containerIndex].name;
  ctx.step(`Trying to get logs from container ${container} of pod ${name}`);
  const logs = await podLogs(ctx, name, container);
  for (const e of expected) {
    const ok = typeof e === 'string' ? logs.includes(e) : e.test(logs);
    if (!ok) fail(`${what}: output of container ${container} does not contain ${String(e)}; output was:\n${logs}`);
  }
}

/** busyboxContainer builds a container running `sh -c script` in busybox. */
export function shContainer(ctx: CaseContext, name: string, script: string, extra: KubeObject = {}): KubeObject {
  return { name, image: ctx.images.busybox, command: ['sh', '-c', script], ...extra };
}
