/**
 * sig-cli: upstream test/e2e/kubectl/logs.go, driving the real `kubectl logs`.
 *
 * Image deviation: upstream's agnhost `logs-generator --log-lines-total 100 --run-duration
 * 20s` is a busybox shell loop printing 100 lines of the same shape (`<n> GET
 * /api/v1/namespaces/kube-system/pods/<name> <size>`) over about 20 s.
 */
import { defineCase } from '../framework/case.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { podLogs, waitForPod } from '../framework/pods.ts';
import { newKubectl } from './run-kubectl.ts';

const LOGS_GENERATOR = 'i=0; while [ $i -lt 100 ]; do echo "$i GET /api/v1/namespaces/kube-system/pods/logs-$i $((i * 7 + 100))"; i=$((i + 1)); sleep 0.2; done';

const lines = (out: string): string[] => out.replace(/\n+$/, '').split('\n');

export const cases = [
  defineCase(import.meta.url, {
    id: 'CL-17',
    codename: '[sig-cli] Kubectl logs logs should be able to retrieve and filter logs [Conformance]',
    async run(ctx) {
      const k = newKubectl(ctx);
      const pod = 'logs-generator';
      const container = 'logs-generator';
      ctx.step('creating an pod');
      await k.runOrDie(['run', pod, `--image=${ctx.images.busybox}`, '--restart=Never', '--', 'sh', '-c', LOGS_GENERATOR]);
      ctx.defer(() => k.run(['delete', 'pod', pod, '--grace-period=0', '--force']));

      ctx.step('Waiting for log generator to start.');
      await waitForPod(ctx, pod, (p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded', 'to be running or succeeded', {
        failFast: (p) => (p.status?.phase === 'Failed' ? 'failed' : undefined),
      });

      ctx.step('checking for a matching strings');
      await ctx.waitFor(async () => (await podLogs(ctx, pod, container)).includes('/api/v1/namespaces/kube-system'), {
        timeoutMs: 120_000,
        intervalMs: 500,
        message: `"/api/v1/namespaces/kube-system" in the log of ${pod}`,
      });

      ctx.step('limiting log lines');
      let out = await k.runOrDie(['logs', pod, container, '--tail=1']);
      expectTrue(out.length > 0, 'kubectl logs --tail=1 printed nothing');
      expectEqual(lines(out).length, 1, `lines printed by kubectl logs --tail=1 (${JSON.stringify(out)})`);

      ctx.step('limiting log bytes');
      out = await k.runOrDie(['logs', pod, container, '--limit-bytes=1']);
      expectEqual(lines(out).length, 1, `lines printed by kubectl logs --limit-bytes=1 (${JSON.stringify(out)})`);
      expectEqual(out.length, 1, `bytes printed by kubectl logs --limit-bytes=1 (${JSON.stringify(out)})`);

      ctx.step('exposing timestamps');
      out = await k.runOrDie(['logs', pod, container, '--tail=1', '--timestamps']);
      const l = lines(out);
      expectEqual(l.length, 1, `lines printed by kubectl logs --tail=1 --timestamps (${JSON.stringify(out)})`);
      const words = l[0]!.split(' ');
      expectTrue(words.length > 1, `kubectl logs --timestamps: expected a timestamp and a message, got ${JSON.stringify(l[0])}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(words[0]!)) fail(`expected ${JSON.stringify(words[0])} to be RFC3339 or RFC3339Nano`);

      ctx.step('restricting to a time range');
      // The granularity is one second: wait long enough that the start-up lines are older than 1 s.
      await new Promise((r) => setTimeout(r, 2500));
      const recentOut = await k.runOrDie(['logs', pod, container, '--since=1s']);
      const olderOut = await k.runOrDie(['logs', pod, container, '--since=24h']);
      const recent = recentOut.split('\n').length;
      const older = olderOut.split('\n').length;
      expectTrue(recent < older, `expected recent(${recent}) to be less than older(${older})\nrecent lines:\n${recentOut}\nolder lines:\n${olderOut}`);
    },
  }),
];
