/**
 * Networking Granular Checks: Pods (upstream test/e2e/common/network/networking.go with the
 * e2enetwork NetworkingTestConfig): one agnhost `netexec` server per schedulable node
 * (`netserver-N`, HTTP 8083, UDP 8081) must be reached by its pod IP from a test pod through
 * netexec's `/dial` (pod to pod) and from a host-network pod (node to pod), answering its host name.
 *
 * Deviation: the host-network client uses busybox `nc` (HTTP) and the image's Node.js (UDP: busybox
 * nc has no UDP mode here) inside the agnhost image instead of curl and nc -u.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { agnhostImage } from '../framework/images.ts';
import { createPod, waitForPodReady } from '../framework/pods.ts';
import { execInContainer } from '../node/websocket.ts';
import { dialFrom, waitForDefaultServiceAccount } from './service-util.ts';

const HTTP_PORT = 8083;
const UDP_PORT = 8081;
const TEST_HTTP_PORT = 9080;
const PC = '[sig-network] Networking Granular Checks: Pods';

interface Netserver {
  name: string;
  ip: string;
}

/** setupNetservers starts a netexec server per schedulable node and returns their names and IPs. */
async function setupNetservers(ctx: CaseContext): Promise<Netserver[]> {
  await waitForDefaultServiceAccount(ctx);
  const nodes = (await ctx.api('', 'v1', 'nodes').list()).items.filter(
    (n) => !n.spec?.unschedulable && (n.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints ?? []).some((t: KubeObject) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
  );
  if (nodes.length === 0) fail('no Ready schedulable node');
  const servers: string[] = [];
  for (const [i, node] of nodes.entries()) {
    const name = `netserver-${i}`;
    await createPod(ctx, {
      metadata: { name, labels: { selector: 'netserver' } },
      spec: {
        nodeSelector: { 'kubernetes.io/hostname': node.metadata?.labels?.['kubernetes.io/hostname'] ?? node.metadata?.name },
        containers: [
          {
            name: 'webserver',
            image: agnhostImage(ctx),
            args: ['netexec', `--http-port=${HTTP_PORT}`, `--udp-port=${UDP_PORT}`],
            ports: [{ name: 'http', containerPort: HTTP_PORT }, { name: 'udp', containerPort: UDP_PORT, protocol: 'UDP' }],
            readinessProbe: { httpGet: { path: '/healthz', port: HTTP_PORT }, periodSeconds: 2 },
          },
        ],
      },
    });
    servers.push(name);
  }
  const out: Netserver[] = [];
  for (const name of servers) out.push({ name, ip: String((await waitForPodReady(ctx, name)).status?.podIP) });
  return out;
}

/** testPod starts a client pod (netexec on 9080), on the pod network or the host's. */
async function testPod(ctx: CaseContext, hostNetwork: boolean): Promise<string> {
  const name = hostNetwork ? 'host-test-container-pod' : 'test-container-pod';
  await createPod(ctx, {
    metadata: { name },
    spec: {
      hostNetwork,
      containers: [{ name: 'webserver', image: agnhostImage(ctx), args: hostNetwork ? ['pause'] : ['netexec', `--http-port=${TEST_HTTP_PORT}`, '--udp-port=9081'] }],
    },
  });
  await waitForPodReady(ctx, name);
  return name;
}

/** expectEach polls `ask` per server until it answers the server's name (upstream's retries). */
async function expectEach(ctx: CaseContext, servers: Netserver[], what: string, ask: (s: Netserver) => Promise<string[]>): Promise<void> {
  for (const s of servers) {
    let got: string[] = [];
    await ctx.waitFor(
      async () => {
        got = await ask(s).catch(() => []);
        return got.includes(s.name);
      },
      { timeoutMs: 60_000, intervalMs: 1000, message: `${what} to ${s.name} (${s.ip}) to answer its host name`, describe: () => `got ${JSON.stringify(got)}` },
    );
    ctx.log(`${what}: ${s.name} at ${s.ip} answered`);
  }
}

/** hostExec runs a shell line in the host-network pod and returns its output lines. */
async function hostExec(ctx: CaseContext, pod: string, line: string): Promise<string> {
  return (await execInContainer(ctx, pod, 'webserver', ['sh', '-c', line])).stdout;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'NW-17',
    codename: `${PC} should function for intra-pod communication: http [Conformance] [NodeConformance]`,
    async run(ctx) {
      const servers = await setupNetservers(ctx);
      const client = await testPod(ctx, false);
      await expectEach(ctx, servers, 'http dial from test-container-pod', (s) => dialFrom(ctx, client, 'webserver', TEST_HTTP_PORT, s.ip, HTTP_PORT, 'http', 'hostname'));
    },
  }),
  defineCase(import.meta.url, {
    id: 'NW-18',
    codename: `${PC} should function for intra-pod communication: udp [Conformance] [NodeConformance]`,
    async run(ctx) {
      const servers = await setupNetservers(ctx);
      const client = await testPod(ctx, false);
      await expectEach(ctx, servers, 'udp dial from test-container-pod', (s) => dialFrom(ctx, client, 'webserver', TEST_HTTP_PORT, s.ip, UDP_PORT, 'udp', 'hostname'));
    },
  }),
  defineCase(import.meta.url, {
    id: 'NW-19',
    codename: `${PC} should function for node-pod communication: http [LinuxOnly] [Conformance] [NodeConformance]`,
    async run(ctx) {
      const servers = await setupNetservers(ctx);
      const client = await testPod(ctx, true);
      await expectEach(ctx, servers, 'http from the host network', async (s) => {
        const out = await hostExec(ctx, client, `(printf 'GET /hostName HTTP/1.0\\r\\n\\r\\n'; sleep 2) | nc -w 5 ${s.ip} ${HTTP_PORT}`);
        const i = out.indexOf('\r\n\r\n');
        return i < 0 ? [] : [out.slice(i + 4).trim()];
      });
    },
  }),
  defineCase(import.meta.url, {
    id: 'NW-20',
    codename: `${PC} should function for node-pod communication: udp [LinuxOnly] [Conformance] [NodeConformance]`,
    async run(ctx) {
      const servers = await setupNetservers(ctx);
      const client = await testPod(ctx, true);
      // busybox's nc has no UDP mode here: the image's Node.js sends the datagram instead.
      const script = (ip: string): string =>
        `const s=require('dgram').createSocket('udp4');s.on('message',(m)=>{console.log(String(m).trim());process.exit(0)});s.send('hostname',${UDP_PORT},'${ip}');setTimeout(()=>process.exit(1),2000)`;
      await expectEach(ctx, servers, 'udp from the host network', async (s) => [(await execInContainer(ctx, client, 'webserver', ['/usr/local/bin/node', '-e', script(s.ip)])).stdout.trim()]);
    },
  }),
];
