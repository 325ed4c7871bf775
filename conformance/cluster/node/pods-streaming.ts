/**
 * Pods over WebSockets: upstream common/node/pods.go "should support remote command execution
 * over websockets" (pods/exec with the `channel.k8s.io` subprotocol: every message starts with
 * its channel byte, stdout is 1) and "should support retrieving logs from the container over
 * websockets" (pods/log with `binary.k8s.io`: the raw log, then a close).
 */
import { defineCase } from '../framework/case.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';
import { readWebSocket } from './websocket.ts';

const P = '[sig-node] Pods';
const NC = '[Conformance] [NodeConformance]';

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-51',
    codename: `${P} should support remote command execution over websockets ${NC}`,
    async run(ctx) {
      const name = `pod-exec-websocket-${ctx.uid}`;
      ctx.step('creating the pod');
      await createPod(ctx, { metadata: { name }, spec: { containers: [{ name: 'main', image: ctx.images.busybox, command: ['/bin/sh', '-c', 'echo container is alive; sleep 600'] }] } });
      await waitForPodRunning(ctx, name);
      const query = { stderr: '1', stdout: '1', container: 'main', command: ['echo', 'remote execution test'] };
      // upstream retries for a minute, every 10 seconds
      let last = '';
      const until = Date.now() + 60_000;
      for (;;) {
        try {
          const session = await readWebSocket(ctx, `/api/v1/namespaces/${ctx.ns}/pods/${name}/exec`, query, ['channel.k8s.io']);
          let out = '';
          for (const msg of session.messages) {
            if (msg.length === 0) continue;
            if (msg[0] !== 1) {
              if (msg.length === 1) continue; // an empty message on another stream
              fail(`Got message from server that didn't start with channel 1 (STDOUT): ${JSON.stringify([...msg])}`);
            }
            out += msg.subarray(1).toString('utf8');
          }
          if (out.includes('remote execution test')) return;
          last = out.length === 0 ? 'unexpected output from server' : `expected to find 'remote execution test' in ${JSON.stringify(out)}`;
        } catch (err) {
          if ((err as Error).name === 'ConformanceFailure') throw err;
          last = (err as Error).message;
        }
        if (Date.now() > until || ctx.signal.aborted) fail(`exec over websocket: ${last}`);
        await new Promise((r) => setTimeout(r, 10_000));
      }
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-52',
    codename: `${P} should support retrieving logs from the container over websockets ${NC}`,
    async run(ctx) {
      const name = `pod-logs-websocket-${ctx.uid}`;
      ctx.step('creating the pod');
      await createPod(ctx, { metadata: { name }, spec: { containers: [{ name: 'main', image: ctx.images.busybox, command: ['/bin/sh', '-c', 'echo container is alive; sleep 10000'] }] } });
      await waitForPodRunning(ctx, name);
      // the container may be Running a moment before its first line reaches the log: retry briefly
      let text = '';
      await ctx.waitFor(
        async () => {
          const session = await readWebSocket(ctx, `/api/v1/namespaces/${ctx.ns}/pods/${name}/log`, { container: 'main' }, ['binary.k8s.io']);
          text = Buffer.concat(session.messages).toString('utf8');
          return text !== '';
        },
        { timeoutMs: 30_000, intervalMs: 1000, message: 'the log to show the first line' },
      ).catch(() => undefined);
      if (text !== 'container is alive\n') fail(`Unexpected websocket logs:\n${text}`);
    },
  }),
];
