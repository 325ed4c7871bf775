/**
 * Helpers for the Service data-plane specs (upstream test/e2e/framework/service `TestJig`,
 * `CheckServiceReachability`, `checkAffinity`, `validateEndpointsPortsOrFail` and
 * e2epod `CreateExecPodOrFail`), over the public API and pods/exec.
 *
 * Deviations, shared by the cases that use them:
 * - Clients in pods speak HTTP with busybox `nc` (`GET /hostname` of the test server) instead of
 *   agnhost/curl; the backends are the test server (`serve`), not serve-hostname or netexec.
 * - "Reachable by name" resolves the Service's FQDN (`<svc>.<ns>.svc.cluster.local`) with busybox
 *   `nslookup` in the exec pod (busybox resolves neither search lists nor names inside `nc`) and
 *   connects to the address it returns.
 * - A node whose InternalIP is a loopback address (kubets' single node, `--node-ip` unset) is
 *   reached from pods at their default gateway, the node's address on the pod network.
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodReady } from '../framework/pods.ts';
import { execInContainer } from '../node/websocket.ts';

/** SERVICE_REACH_TIMEOUT_MS bounds reachability checks (upstream `ServiceReachabilityShortPollTimeout` is 2 min). */
export const SERVICE_REACH_TIMEOUT_MS = 120_000;
/** AFFINITY_CONFIRM_COUNT: responses that must all come from one pod for affinity to hold (upstream 15). */
export const AFFINITY_CONFIRM_COUNT = 15;

/**
 * waitForDefaultServiceAccount waits for the namespace's `default` ServiceAccount before pods are
 * created directly (upstream's framework waits for it before every spec; the runner skips the
 * wait while the controller-manager is still starting, and the ServiceAccount admission plugin
 * rejects pods until the account exists).
 */
export async function waitForDefaultServiceAccount(ctx: CaseContext, ns = ctx.ns): Promise<void> {
  await ctx.waitFor(() => ctx.core('serviceaccounts', ns).get('default').then(() => true, () => false), { timeoutMs: 60_000, intervalMs: 500, message: `the default ServiceAccount in ${ns}` });
}

/** createExecPod starts a busybox pod to run clients in and waits until it is Ready (upstream `CreateExecPodOrFail`). */
export async function createExecPod(ctx: CaseContext, name = 'execpod'): Promise<string> {
  await waitForDefaultServiceAccount(ctx);
  await createPod(ctx, { metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'agnhost-container', image: ctx.images.busybox, command: ['sleep', '3600'] }] } });
  await waitForPodReady(ctx, name);
  return name;
}

/** execSh runs `sh -c script` in the exec pod and returns stdout (whatever the exit code). */
export async function execSh(ctx: CaseContext, pod: string, script: string): Promise<string> {
  const r = await execInContainer(ctx, pod, 'agnhost-container', ['sh', '-c', script]);
  return r.stdout;
}

const SEP = '@@kubets-end@@';

/**
 * hostnamesFrom makes `count` HTTP requests `GET /hostname` from the exec pod to `host:port`
 * (one exec, busybox nc with a 2 s connect timeout) and returns each answer ('' on failure).
 */
export async function hostnamesFrom(ctx: CaseContext, pod: string, host: string, port: number, count: number): Promise<string[]> {
  const script = `for i in $(seq ${count}); do printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} ${port}; echo; echo '${SEP}'; done`;
  const out = await execSh(ctx, pod, script);
  return out
    .split(SEP)
    .slice(0, count)
    .map((chunk) => {
      const i = chunk.indexOf('\r\n\r\n');
      return i < 0 ? '' : chunk.slice(i + 4).trim();
    });
}

/** checkReachable waits until an HTTP request from the exec pod to `host:port` gets an answer (upstream `testEndpointReachability`). */
export async function checkReachable(ctx: CaseContext, pod: string, host: string, port: number, expectFrom?: (hostname: string) => boolean): Promise<string> {
  let last = '';
  return ctx.waitFor(
    async () => {
      const [h] = await hostnamesFrom(ctx, pod, host, port, 1);
      last = h ? `answered by ${h}` : 'no answer';
      return h && (!expectFrom || expectFrom(h)) ? h : undefined;
    },
    { timeoutMs: SERVICE_REACH_TIMEOUT_MS, intervalMs: 1000, message: `${host}:${port} reachable from pod ${pod}`, describe: () => last },
  );
}

/**
 * nodeAddressForPods returns the address pods use to reach the node: its first InternalIP, or
 * the exec pod's default gateway when that InternalIP is a loopback address.
 */
export async function nodeAddressForPods(ctx: CaseContext, pod: string): Promise<string> {
  const nodes = (await ctx.client.resource('', 'v1', 'nodes').list()).items;
  const ip = nodes.flatMap((n) => (n.status?.addresses ?? []) as Array<{ type: string; address: string }>).find((a) => a.type === 'InternalIP')?.address;
  if (!ip) fail('no node has an InternalIP');
  if (!ip.startsWith('127.')) return ip;
  const gw = (await execSh(ctx, pod, "ip route | awk '/^default/ {print $3; exit}'")).trim();
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gw)) fail(`node InternalIP is ${ip} and the pod's default gateway is unknown (${JSON.stringify(gw)})`);
  ctx.log(`node InternalIP ${ip} is loopback; pods reach the node at their gateway ${gw}`);
  return gw;
}

/** serverContainer is the test server answering HTTP on `port` (`GET /hostname`), with a readiness probe. */
export function serverContainer(ctx: CaseContext, port: number, ports: KubeObject[] = [{ containerPort: port }]): KubeObject {
  return {
    name: 'server',
    image: ctx.images.testServer,
    args: ['serve', `--http-port=${port}`, '--tcp-port=0'],
    ports,
    readinessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1 },
  };
}

/** createServicePods creates a ReplicationController of `replicas` test servers on port 8080 labelled `labels` (upstream `TestJig.CreateServicePods`). */
export async function createServicePods(ctx: CaseContext, name: string, labels: Record<string, string>, replicas: number): Promise<void> {
  await ctx.core('replicationcontrollers').create({
    metadata: { name },
    spec: { replicas, selector: labels, template: { metadata: { labels }, spec: { terminationGracePeriodSeconds: 0, containers: [serverContainer(ctx, 8080)] } } },
  });
}

/**
 * startServeHostnameService creates a ReplicationController of `replicas` test servers on
 * port 8080 and the Service (upstream `StartServeHostnameService`), then waits for that many
 * ready endpoints. Returns the created Service.
 */
export async function startServeHostnameService(ctx: CaseContext, name: string, replicas: number, spec: KubeObject): Promise<KubeObject> {
  const labels = { name };
  await createServicePods(ctx, name, labels, replicas);
  const svc = await ctx.core('services').create({ metadata: { name }, spec: { selector: labels, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec } });
  await waitForReadyEndpoints(ctx, name, replicas);
  return svc;
}

/** waitForReadyEndpoints waits until the Service's EndpointSlices list `n` ready endpoints. */
export async function waitForReadyEndpoints(ctx: CaseContext, svc: string, n: number): Promise<void> {
  let last = 0;
  await ctx.waitFor(
    async () => {
      const slices = (await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true).list({ labelSelector: `kubernetes.io/service-name=${svc}` })).items;
      last = slices.flatMap((s) => (s.endpoints ?? []) as Array<{ conditions?: { ready?: boolean } }>).filter((e) => e.conditions?.ready !== false).length;
      return last === n;
    },
    { timeoutMs: 180_000, intervalMs: 1000, message: `${n} ready endpoints for Service ${svc}`, describe: () => `${last} ready` },
  );
}

/**
 * validateEndpointsPorts waits until the Service's EndpointSlices map exactly the expected pod
 * names to the expected ports (upstream `validateEndpointsPortsOrFail`).
 */
export async function validateEndpointsPorts(ctx: CaseContext, svc: string, expected: Record<string, number[]>): Promise<void> {
  const want = JSON.stringify(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]).sort()));
  let got = '';
  await ctx.waitFor(
    async () => {
      const slices = (await ctx.api('discovery.k8s.io', 'v1', 'endpointslices', true).list({ labelSelector: `kubernetes.io/service-name=${svc}` })).items;
      const byPod = new Map<string, Set<number>>();
      for (const s of slices) {
        const ports = ((s.ports ?? []) as Array<{ port?: number }>).map((p) => p.port).filter((p): p is number => typeof p === 'number');
        for (const e of (s.endpoints ?? []) as Array<{ targetRef?: { name?: string } }>) {
          const name = e.targetRef?.name;
          if (!name) continue;
          const set = byPod.get(name) ?? new Set<number>();
          for (const p of ports) set.add(p);
          byPod.set(name, set);
        }
      }
      got = JSON.stringify(Object.fromEntries([...byPod].map(([k, v]) => [k, [...v].sort((a, b) => a - b)]).sort()));
      return got === want;
    },
    { timeoutMs: 180_000, intervalMs: 1000, message: `endpoints of Service ${svc} to be ${want}`, describe: () => `endpoints are ${got}` },
  );
}

/**
 * checkAffinity (upstream `checkAffinity`) sends batches of {@link AFFINITY_CONFIRM_COUNT}
 * requests from the exec pod until the answers show what is expected: all from one pod when
 * `shouldHold`, from more than one pod otherwise.
 */
export async function checkAffinity(ctx: CaseContext, pod: string, host: string, port: number, shouldHold: boolean): Promise<void> {
  let last = '';
  await ctx.waitFor(
    async () => {
      const hosts = await hostnamesFrom(ctx, pod, host, port, AFFINITY_CONFIRM_COUNT);
      const distinct = new Set(hosts.filter((h) => h));
      last = `answers: ${hosts.map((h) => h || '(none)').join(', ')}`;
      if (shouldHold) return hosts.every((h) => h) && distinct.size === 1;
      return distinct.size > 1;
    },
    { timeoutMs: SERVICE_REACH_TIMEOUT_MS, intervalMs: 2000, message: `session affinity to ${shouldHold ? 'hold' : 'not hold'} for ${host}:${port}`, describe: () => last },
  );
}

/** CLUSTER_DOMAIN is the DNS domain Service FQDNs end in (kubelet `--cluster-domain` default). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** serviceFQDN is `<name>.<ns>.svc.cluster.local`. */
export function serviceFQDN(ctx: CaseContext, name: string, ns = ctx.ns): string {
  return `${name}.${ns}.svc.${CLUSTER_DOMAIN}`;
}

/** resolveInPod resolves `fqdn` with busybox nslookup in the exec pod; returns the answer's IPv4 addresses (empty when it does not resolve). */
export async function resolveInPod(ctx: CaseContext, pod: string, fqdn: string): Promise<string[]> {
  const out = await execSh(ctx, pod, `nslookup -type=a ${fqdn} 2>&1`);
  // The answer section follows the "Name:" line; the first "Address:" lines are the server's.
  const i = out.search(/^Name:/m);
  if (i < 0) return [];
  return [...out.slice(i).matchAll(/^Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]!);
}

/** checkReachableByName waits until the Service's FQDN resolves in the exec pod and an HTTP request to that address and `port` gets an answer. */
export async function checkReachableByName(ctx: CaseContext, pod: string, name: string, port: number): Promise<void> {
  const fqdn = serviceFQDN(ctx, name);
  let last = '';
  await ctx.waitFor(
    async () => {
      const ips = await resolveInPod(ctx, pod, fqdn);
      if (ips.length === 0) {
        last = `${fqdn} does not resolve`;
        return false;
      }
      const [h] = await hostnamesFrom(ctx, pod, ips[0]!, port, 1);
      last = h ? `answered by ${h}` : `${fqdn} -> ${ips[0]}: no answer`;
      return !!h;
    },
    { timeoutMs: SERVICE_REACH_TIMEOUT_MS, intervalMs: 1000, message: `${fqdn}:${port} reachable from pod ${pod}`, describe: () => last },
  );
}

/**
 * checkServiceReachability is upstream `TestJig.CheckServiceReachability`: an ExternalName
 * Service's name must resolve; a ClusterIP Service must answer on every port by name and by
 * cluster IP; a NodePort Service also on the node's address and each node port.
 */
export async function checkServiceReachability(ctx: CaseContext, pod: string, svc: KubeObject): Promise<void> {
  const name = svc.metadata!.name!;
  if (svc.spec.type === 'ExternalName') {
    // upstream checkExternalNameServiceReachability: `nslookup <fqdn>` succeeds (a CNAME to spec.externalName, or addresses).
    const fqdn = serviceFQDN(ctx, name);
    let last = '';
    await ctx.waitFor(
      async () => {
        const out = await execSh(ctx, pod, `nslookup ${fqdn} 2>&1; echo "rc=$?"`);
        last = out.trim().split('\n').slice(-6).join(' | ');
        const answer = out.search(/^Name:|canonical name/m) >= 0 ? out.slice(out.search(/^Name:|canonical name/m)) : '';
        return /rc=0\s*$/.test(out) && (/canonical name/.test(answer) || /^Address/m.test(answer));
      },
      { timeoutMs: SERVICE_REACH_TIMEOUT_MS, intervalMs: 1000, message: `ExternalName Service ${fqdn} to resolve from pod ${pod}`, describe: () => last },
    );
    return;
  }
  const ports = (svc.spec.ports ?? []) as Array<{ port: number; nodePort?: number; protocol?: string }>;
  for (const p of ports) {
    if ((p.protocol ?? 'TCP') !== 'TCP') continue;
    await checkReachableByName(ctx, pod, name, p.port);
    await checkReachable(ctx, pod, svc.spec.clusterIP as string, p.port);
  }
  if (svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer') {
    const node = await nodeAddressForPods(ctx, pod);
    for (const p of ports) if ((p.protocol ?? 'TCP') === 'TCP' && p.nodePort) await checkReachable(ctx, pod, node, p.nodePort);
  }
}


/**
 * dialFrom asks an agnhost netexec pod (HTTP on `netexecPort`) to send `request` to
 * `host:port` over `protocol` (its `/dial` endpoint, upstream's way to test UDP from a pod) and
 * returns the answers (empty when none came back).
 */
export async function dialFrom(ctx: CaseContext, pod: string, container: string, netexecPort: number, host: string, port: number, protocol: 'udp' | 'http', request: string): Promise<string[]> {
  const path = `/dial?request=${encodeURIComponent(request)}&host=${host}&port=${port}&protocol=${protocol}&tries=1`;
  // busybox nc hangs up when its stdin ends, before /dial has answered: keep stdin open 3 s (the UDP dial gives up after 1 s).
  const r = await execInContainer(ctx, pod, container, ['sh', '-c', `(printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n'; sleep 3) | nc -w 5 127.0.0.1 ${netexecPort}`]);
  const i = r.stdout.indexOf('\r\n\r\n');
  if (i < 0) return [];
  try {
    return ((JSON.parse(r.stdout.slice(i + 4)) as { responses?: string[] }).responses ?? []).filter((x) => x);
  } catch {
    return [];
  }
}
