/**
 * PreStop: upstream node/pre_stop.go "should call prestop when killing a pod". A server pod
 * counts `POST /write` notifications by their `Source`; a tester pod's preStop hook posts
 * `{"Source": "prestop"}` to it; after the tester is deleted, the server's `/read` (reached
 * through the pods/proxy subresource) must report `Received.prestop` > 0. Deviation: the server
 * is a busybox `nc` script speaking just enough HTTP for `/write` and `/read` (upstream: the
 * nettest image's web server).
 */
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';

/**
 * SERVER answers one HTTP connection: `POST /write` with a JSON body `{"Source": "x"}` adds
 * one to x's count (a file per source under /tmp/received); `GET /read` answers
 * `{"Received":{"x":n,...}}`.
 */
const SERVER = [
  '#!/bin/sh',
  'read -r method target _',
  'len=0',
  'while read -r h; do h=${h%?}; [ -z "$h" ] && break; case "$h" in [Cc]ontent-[Ll]ength:*) len=${h#*:}; len=${len# } ;; esac; done',
  'body=""',
  '[ "$len" -gt 0 ] 2>/dev/null && body=$(dd bs=1 count="$len" 2>/dev/null)',
  'mkdir -p /tmp/received',
  'case "$method $target" in',
  '  "POST /write")',
  '    src=$(printf %s "$body" | sed -n \'s/.*"Source"[[:space:]]*:[[:space:]]*"\\([^"]*\\)".*/\\1/p\')',
  '    if [ -n "$src" ]; then n=$(cat "/tmp/received/$src" 2>/dev/null || echo 0); echo $((n + 1)) > "/tmp/received/$src"; fi',
  '    out="{}" ;;',
  '  "GET /read")',
  '    out=""; for f in /tmp/received/*; do [ -f "$f" ] || continue; out="$out${out:+,}\\"${f##*/}\\":$(cat "$f")"; done',
  '    out="{\\"Received\\":{$out}}" ;;',
  '  *) out="{}" ;;',
  'esac',
  'printf \'HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nContent-Length: %s\\r\\nConnection: close\\r\\n\\r\\n%s\' "${#out}" "$out"',
].join('\n');

async function readState(ctx: CaseContext): Promise<string> {
  const r = await ctx.client.requestRaw({ path: `/api/v1/namespaces/${ctx.ns}/pods/server/proxy/read`, accept: '*/*', timeoutMs: 30_000, signal: ctx.signal });
  if (r.statusCode !== 200) throw new Error(`GET pods/server/proxy/read: ${r.statusCode} ${r.body}`);
  return r.body;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-53',
    codename: '[sig-node] PreStop should call prestop when killing a pod [Conformance]',
    async run(ctx) {
      ctx.step(`Creating server pod server in namespace ${ctx.ns}`);
      await createPod(ctx, {
        metadata: { name: 'server' },
        spec: {
          containers: [{
            name: 'server',
            image: ctx.images.busybox,
            env: [{ name: 'SERVER', value: SERVER }],
            command: ['sh', '-c', 'echo "$SERVER" > /tmp/serve && chmod +x /tmp/serve && exec nc -ll -p 8080 -e /tmp/serve'],
            ports: [{ containerPort: 8080 }],
          }],
        },
      });
      ctx.step('Waiting for pods to come up.');
      const server = await waitForPodRunning(ctx, 'server');
      const ip: string = server.status?.podIP ?? '';
      const val = '{"Source": "prestop"}';
      ctx.step(`Creating tester pod tester in namespace ${ctx.ns}`);
      await createPod(ctx, {
        metadata: { name: 'tester' },
        spec: {
          containers: [{
            name: 'tester',
            image: ctx.images.busybox,
            command: ['sleep', '600'],
            lifecycle: { preStop: { exec: { command: ['wget', '-O-', `--post-data=${val}`, `http://${ip}:8080/write`] } } },
          }],
        },
      });
      await waitForPodRunning(ctx, 'tester');
      ctx.step('Deleting pre-stop pod');
      await ctx.core('pods').delete('tester');
      // Validate that the server received the web poke (upstream: every 5s for 60s; 120s here).
      let last = '';
      const until = Date.now() + 120_000;
      for (;;) {
        try {
          last = await readState(ctx);
          ctx.log(`Saw: ${last}`);
          const state = JSON.parse(last) as { Received?: Record<string, number> };
          if ((state.Received?.prestop ?? 0) !== 0) return;
        } catch (err) {
          last = (err as Error).message;
        }
        if (Date.now() > until || ctx.signal.aborted) fail(`validating pre-stop: the server did not see the preStop notification; last answer: ${last}`);
        await new Promise((r) => setTimeout(r, 5000));
      }
    },
  }),
];
