/**
 * Networking (critest networking.go, multi_container_linux.go) plus pod-to-pod traffic on the
 * runtime's network and two containers sharing a pod's network namespace. Web servers are the
 * test server image (HTTP on :80 with /hostname, TCP echo on :8081).
 */
import { Protocol } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectContains, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { Framework, type Pod } from '../framework/framework.ts';
import { freeLocalPort, httpGet } from '../framework/net.ts';

const D = '[k8s.io] Networking runtime should support networking';
const M = '[k8s.io] Multiple Containers [Conformance] when running a pod with multiple containers';

/** webServer starts the test server (HTTP :80, TCP echo :8081) in pod and returns its ID. */
export async function webServer(f: Framework, pod: Pod, extra: Parameters<Framework['containerConfig']>[1] = {}): Promise<string> {
  return await f.runContainer(pod, 'web-server', {
    image: { image: f.images.testServer },
    command: [],
    args: ['serve', '--http-port=80', '--tcp-port=8081'],
    ...extra,
  });
}

/** podIP returns the sandbox's IP, failing when the runtime reports none. */
export async function podIP(f: Framework, pod: Pod): Promise<string> {
  const ip = (await f.podStatus(pod.id)).network?.ip;
  if (!ip) fail(`PodSandboxStatus ${pod.id}: network.ip is empty`);
  return ip;
}

async function expectHttp(f: Framework, url: string, want: string): Promise<void> {
  await f.eventually(`GET ${url}`, async () => {
    const r = await httpGet(url, 3_000, f.signal).catch((err: Error) => fail(err.message));
    expectEqual(r.status, 200, `HTTP status of GET ${url}`);
    expectEqual(r.body, want, `body of GET ${url}`);
  }, 30_000);
}

/** networkingCases are the DNS, hostname, port mappings, pod-to-pod and shared network namespaces, multiple containers cases. */
export const networkingCases = defineCases([
  {
    name: `${D} runtime should support DNS config [Conformance]`,
    async run(f) {
      const pod = await f.newPod('dns', { dnsConfig: { servers: ['10.10.10.10'], searches: ['google.com'], options: ['ndots:8'] } });
      const c = await f.runContainer(pod, 'dns');
      const resolv = await f.execOk(c, 'cat /etc/resolv.conf');
      for (const want of ['nameserver 10.10.10.10', 'search google.com', 'options ndots:8']) expectContains(resolv, want, '/etc/resolv.conf');
    },
  },
  {
    name: `${D} runtime should support set hostname [Conformance]`,
    async run(f) {
      const hostname = `cri-validate-${f.uid()}`;
      const pod = await f.newPod('hostname', { hostname });
      const c = await f.runContainer(pod, 'hostname');
      expectEqual((await f.execOk(c, 'hostname')).trim(), hostname, '`hostname` in the container');
      expectContains(await f.execOk(c, 'cat /etc/hostname'), hostname, '/etc/hostname');
    },
  },
  {
    name: `${D} runtime should support port mapping with only container port [Conformance]`,
    async run(f) {
      const hostname = `web-${f.uid()}`;
      const pod = await f.newPod('portmap-container', { hostname, portMappings: [{ protocol: Protocol.TCP, containerPort: 80 }] });
      await webServer(f, pod);
      await expectHttp(f, `http://${await podIP(f, pod)}:80/hostname`, hostname);
    },
  },
  {
    name: `${D} runtime should support port mapping with host port and container port [Conformance]`,
    async run(f) {
      const hostPort = await freeLocalPort();
      const hostname = `web-${f.uid()}`;
      const pod = await f.newPod('portmap-host', { hostname, portMappings: [{ protocol: Protocol.TCP, containerPort: 80, hostPort }] });
      await webServer(f, pod);
      const ip = await podIP(f, pod);
      await expectHttp(f, `http://${ip}:80/hostname`, hostname);
      await expectHttp(f, `http://127.0.0.1:${hostPort}/hostname`, hostname);
    },
  },
  {
    name: '[kubets] Networking pods should reach each other on the pod network',
    async run(f) {
      const serverName = `server-${f.uid()}`;
      const server = await f.newPod('pod-to-pod-server', { hostname: serverName });
      await webServer(f, server);
      const ip = await podIP(f, server);
      const client = await f.newPod('pod-to-pod-client');
      const c = await f.runContainer(client, 'client');
      const clientIp = await podIP(f, client);
      expectTrue(clientIp !== ip, `two sandboxes got the same IP ${ip}`);
      await f.eventually('HTTP from one pod to another', async () => {
        const out = await f.execOk(c, `timeout 5 wget -q -O- http://${ip}:80/hostname`);
        expectEqual(out, serverName, `wget http://${ip}:80/hostname from pod ${clientIp}`);
      });
      const echo = await f.execOk(c, `echo ping-${clientIp} | nc -w 3 ${ip} 8081`);
      expectEqual(echo.trim(), `ping-${clientIp}`, `TCP echo from ${clientIp} to ${ip}:8081`);
    },
  },
  {
    name: '[kubets] Networking containers in one pod should share the network namespace (localhost)',
    async run(f) {
      const hostname = `shared-${f.uid()}`;
      const pod = await f.newPod('shared-netns', { hostname });
      await webServer(f, pod);
      const side = await f.runContainer(pod, 'sidecar');
      await f.eventually('HTTP to a sibling container on localhost', async () => {
        expectEqual(await f.execOk(side, 'timeout 5 wget -q -O- http://127.0.0.1:80/hostname'), hostname, 'wget http://127.0.0.1:80/hostname from the sidecar');
      });
      const ips = await f.execOk(side, 'ip -4 -o addr show | grep -v " lo " | sed "s/.*inet \\([0-9.]*\\).*/\\1/"');
      expectContains(ips, await podIP(f, pod), 'the sidecar\'s own addresses (it should have the pod IP)');
    },
  },
  {
    name: `${M} should support network`,
    async run(f) {
      const hostname = `multi-${f.uid()}`;
      const pod = await f.podWithLogDir('multi-network', { hostname, portMappings: [{ protocol: Protocol.TCP, containerPort: 80 }] });
      await webServer(f, pod, { logPath: 'web.log' });
      await f.runContainer(pod, 'busybox', { logPath: 'busybox.log' });
      await expectHttp(f, `http://${await podIP(f, pod)}:80/hostname`, hostname);
    },
  },
  {
    name: `${M} should support container log`,
    async run(f) {
      const pod = await f.podWithLogDir('multi-log');
      const web = await webServer(f, pod, { logPath: 'web.log' });
      const bb = await f.runContainer(pod, 'busybox', { logPath: 'busybox.log', command: ['sh', '-c', 'echo hello from busybox; trap "exit 0" TERM; while true; do sleep 1; done'] });
      await f.eventually('each container log should hold its own output', async () => {
        const webLog = Framework.logText(await f.readLog(pod, 'web.log'));
        expectTrue((await f.containerStatus(web)).logPath.endsWith('web.log'), 'ContainerStatus.log_path of the web server does not end with web.log');
        expectContains(webLog, 'test-server: HTTP on :80', 'web server container log');
        const bbStatus = await f.containerStatus(bb);
        expectTrue(bbStatus.logPath.endsWith('busybox.log'), `ContainerStatus.log_path ${bbStatus.logPath} does not end with the requested busybox.log`);
        const bbLog = Framework.logText(await f.readLog(pod, 'busybox.log'));
        expectEqual(bbLog, 'hello from busybox\n', 'busybox container log');
      });
    },
  },
  {
    name: `${M} should support container exec`,
    async run(f) {
      const pod = await f.newPod('multi-exec');
      const web = await webServer(f, pod);
      const bb = await f.runContainer(pod, 'busybox');
      for (const [id, what] of [[web, 'web server'], [bb, 'busybox']] as const) {
        const r = await f.execSync(id, ['echo', `hello ${what}`]);
        expectEqual(r.stdout, `hello ${what}\n`, `ExecSync echo in the ${what} container`);
      }
    },
  },
]);
