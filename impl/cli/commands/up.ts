import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/**
 * upCommand registers `kubets up` and `kubets down`: a whole single-node cluster in one process
 * (local registry + containerd, apiserver, controller-manager, scheduler, kubelet and kube-proxy), each
 * component an API client over HTTPS with its own client certificate, as ARCHITECTURE.md requires.
 */
export const upCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('up')
      .description('Start a single-node cluster: local registry + containerd, apiserver and the node components')
      .option('--data-dir <dir>', 'state directory', defaultDataDir())
      .option('--secure-port <port>', 'apiserver HTTPS port (0 = random)', '6443')
      .option('--storage-backend <backend>', 'sqlite or etcd3', 'sqlite')
      .option('--etcd-servers <urls>', 'comma-separated etcd client URLs (etcd3 backend)')
      .option('--kubelet-port <port>', 'kubelet HTTPS port (logs, exec, attach, port-forward; 0 = random)', '10250')
      .option('--authorization-mode <modes>', 'comma-separated apiserver authorization modes (kubeadm default Node,RBAC; AlwaysAllow turns authorization off)', 'Node,RBAC')
      .option('--no-runtime', 'do not start the local registry and containerd')
      .option('--kubeconfig-out <file>', 'also write the admin kubeconfig here (default: ~/.kube/config when it does not exist)')
      .option('--detach', 'run in the background; return once the apiserver is ready')
      .action(async (opts: UpFlags) => {
        if (opts.detach) {
          await detach(opts);
          return;
        }
        await runUp(opts);
      });
    program
      .command('down')
      .description('Stop a cluster started with `kubets up` (and its registry and containerd)')
      .option('--data-dir <dir>', 'state directory', defaultDataDir())
      .action(async (opts: { dataDir: string }) => {
        await runDown(opts.dataDir);
      });
  },
};

interface UpFlags {
  dataDir: string;
  securePort: string;
  storageBackend: string;
  etcdServers?: string;
  kubeletPort: string;
  authorizationMode: string;
  runtime: boolean;
  kubeconfigOut?: string;
  detach?: boolean;
}

/** UpState is written to `<dataDir>/up.json` once the cluster is ready; `down` reads it. */
interface UpState {
  pid: number;
  url: string;
  kubeconfig: string;
  criEndpoint?: string;
}

const log = (line: string): void => {
  process.stderr.write(`[kubets up] ${line}\n`);
};

async function runUp(opts: UpFlags): Promise<void> {
  const backend = opts.storageBackend;
  if (backend !== 'sqlite' && backend !== 'etcd3') throw new Error(`--storage-backend must be sqlite or etcd3, not ${backend}`);
  const port = Number(opts.securePort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--secure-port must be a port number, not ${opts.securePort}`);
  const kubeletPort = Number(opts.kubeletPort);
  if (!Number.isInteger(kubeletPort) || kubeletPort < 0 || kubeletPort > 65535) throw new Error(`--kubelet-port must be a port number, not ${opts.kubeletPort}`);
  mkdirSync(opts.dataDir, { recursive: true });
  const stateFile = join(opts.dataDir, 'up.json');
  rmSync(stateFile, { force: true });

  let criEndpoint: string | undefined;
  if (opts.runtime) {
    const { runtimeUp } = await import('../../../tools/runtime/index.ts');
    const info = await runtimeUp({ dataDir: opts.dataDir, log });
    criEndpoint = info.endpoint;
    log(`container runtime ${info.runtimeName} ${info.runtimeVersion} at ${info.endpoint}, registry ${info.registry}`);
  }

  const { startApiServer, issueClientCert, buildKubeconfig } = await import('#impl/apiserver/index.ts');
  const apiserver = await startApiServer({
    dataDir: opts.dataDir,
    securePort: port,
    storageBackend: backend,
    etcdServers: opts.etcdServers,
    // As a kubeadm cluster: every component is authorized by its own identity (Node + RBAC).
    auth: { authorizationMode: opts.authorizationMode.split(',') },
    // Flags given (empty): upstream's default admission plugins, ServiceAccount included.
    admission: { enable: [], disable: [] },
    log,
  });
  await apiserver.ready;
  log(`apiserver ready at ${apiserver.url}`);

  const kubeconfigOut = opts.kubeconfigOut ?? defaultKubeconfigOut();
  if (kubeconfigOut) {
    mkdirSync(dirname(kubeconfigOut), { recursive: true });
    writeFileSync(kubeconfigOut, readFileSync(apiserver.kubeconfigPath), { mode: 0o600 });
    log(`admin kubeconfig written to ${kubeconfigOut}`);
  }

  const stops: Array<() => Promise<void>> = [];
  const componentKubeconfig = (name: string, user: string, groups: string[] = []): string => {
    const { cert, key } = issueClientCert(apiserver.pki, user, groups);
    const file = join(opts.dataDir, `${name}.kubeconfig`);
    writeFileSync(file, buildKubeconfig({ server: apiserver.url, caCert: apiserver.pki.caCert, clientCert: cert, clientKey: key, user }), { mode: 0o600 });
    return file;
  };

  const { startControllerManager } = await import('#impl/controllers/controller-manager.ts');
  const cm = await startControllerManager({ kubeconfig: componentKubeconfig('controller-manager', 'system:kube-controller-manager'), localPathDir: join(opts.dataDir, 'storage'), useServiceAccountCredentials: true,
    clusterSigningCertFile: join(opts.dataDir, 'pki', 'ca.crt'), clusterSigningKeyFile: join(opts.dataDir, 'pki', 'ca.key'),
    serviceAccountPrivateKeyFile: join(opts.dataDir, 'pki', 'sa.key'),
    // Upstream's default (--leader-elect=true): the Lease also tells `kubectl get componentstatuses`.
    leaderElect: true });
  stops.push(() => cm.stop());
  log(`controller-manager started: ${cm.controllers.join(', ')}`);

  const { startScheduler } = await import('#impl/scheduler/scheduler.ts');
  const scheduler = await startScheduler({ kubeconfig: componentKubeconfig('scheduler', 'system:kube-scheduler'), leaderElect: true });
  stops.push(() => scheduler.stop());
  log('scheduler started');

  if (criEndpoint) {
    const clusterDNS = await startDnsAddon(apiserver.kubeconfigPath, componentKubeconfig, stops);
    const { startKubelet } = await import('#impl/kubelet/kubelet.ts');
    const nodeName = hostname().toLowerCase();
    const kubelet = startKubelet({
      kubeconfig: componentKubeconfig('kubelet', `system:node:${nodeName}`, ['system:nodes']),
      containerRuntimeEndpoint: criEndpoint,
      rootDir: join(opts.dataDir, 'kubelet'),
      hostnameOverride: nodeName,
      port: kubeletPort,
      clusterDNS,
      clusterDomain: CLUSTER_DOMAIN,
    });
    stops.unshift(() => kubelet.stop());
    await kubelet.registered;
    log(`kubelet registered node ${kubelet.nodeName}`);

    // kube-proxy (iptables), tagged by the data dir so `down` can remove its rules even after a crash.
    const { startProxy, clusterTag } = await import('#impl/proxy/index.ts');
    try {
      const proxy = await startProxy({ kubeconfig: componentKubeconfig('kube-proxy', 'system:kube-proxy'), hostnameOverride: nodeName, clusterCIDR: '198.18.0.0/16', clusterTag: clusterTag(`data-dir:${resolve(opts.dataDir)}`) });
      stops.push(() => proxy.stop());
      log(`kube-proxy started (iptables, chains tagged ${proxy.tag})`);
    } catch (err) {
      log(`warning: kube-proxy not started, Services will not be reachable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const state: UpState = { pid: process.pid, url: apiserver.url, kubeconfig: apiserver.kubeconfigPath, criEndpoint };
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + '\n');
  process.stdout.write(`kubets is up: ${apiserver.url} (kubeconfig ${apiserver.kubeconfigPath})\n`);

  // Stopping `kubets up` stops everything it started, the container runtime and registry too
  // (`kubets down` does the same for a detached cluster and finds nothing left to stop).
  const stopRuntime = async (): Promise<void> => {
    if (!opts.runtime) return;
    const { runtimeDown } = await import('../../../tools/runtime/index.ts');
    await runtimeDown({ dataDir: opts.dataDir, log });
  };
  const shutdown = (): void => {
    log('stopping');
    void Promise.allSettled(stops.map((stop) => stop()))
      .then(() => apiserver.stop())
      .catch((err: unknown) => log(`apiserver stop: ${String(err)}`))
      .then(() => stopRuntime())
      .catch((err: unknown) => log(`runtime stop: ${String(err)}`))
      .finally(() => {
        rmSync(stateFile, { force: true });
        process.exit(0);
      });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** CLUSTER_DOMAIN is the kubelet's `--cluster-domain` and the DNS server's zone (upstream default). */
const CLUSTER_DOMAIN = 'cluster.local';
/** POD_GATEWAY is the pod bridge's address on the node (first address of the pod CIDR 198.18.0.0/16). */
const POD_GATEWAY = '198.18.0.1';

/**
 * startDnsAddon runs the cluster DNS server on the node (CoreDNS's role, as its own identity) on
 * a free port, publishes it as the kube-dns Service, and returns the kubelet's `--cluster-dns`.
 * A failure leaves pods on the node's resolv.conf (upstream's fallback without cluster DNS).
 */
async function startDnsAddon(adminKubeconfig: string, componentKubeconfig: (name: string, user: string) => string, stops: Array<() => Promise<void>>): Promise<string[]> {
  try {
    const { startClusterDns, ensureDnsIdentity, ensureDnsService, resolvConfNameservers, DNS_USER } = await import('#impl/dns/index.ts');
    const { RestClient, loadKubeconfig } = await import('#impl/client/index.ts');
    const admin = new RestClient(loadKubeconfig({ path: adminKubeconfig }));
    await ensureDnsIdentity(admin);
    const dns = await startClusterDns({ kubeconfig: componentKubeconfig('coredns', DNS_USER), clusterDomain: CLUSTER_DOMAIN, bindAddress: '0.0.0.0', port: 0, upstreams: resolvConfNameservers() });
    stops.push(() => dns.stop());
    const ip = await ensureDnsService(admin, { address: POD_GATEWAY, port: dns.server.port });
    await dns.ready;
    log(`cluster DNS serving ${CLUSTER_DOMAIN} on port ${dns.server.port} as Service kube-system/kube-dns ${ip}`);
    return [ip];
  } catch (err) {
    log(`warning: cluster DNS not started, pods use the node's resolv.conf: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}

/**
 * detach starts `kubets up` in the background (logs in `<dataDir>/logs/kubets.log`) and returns
 * once it reports ready in `up.json`, or fails with the log's tail if it exits first.
 */
async function detach(opts: UpFlags): Promise<void> {
  const logDir = join(opts.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, 'kubets.log');
  const stateFile = join(opts.dataDir, 'up.json');
  rmSync(stateFile, { force: true });
  const out = openSync(logFile, 'a');
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'kubets.js');
  const args = [bin, 'up', '--data-dir', opts.dataDir, '--secure-port', opts.securePort, '--storage-backend', opts.storageBackend];
  if (opts.etcdServers) args.push('--etcd-servers', opts.etcdServers);
  args.push('--kubelet-port', opts.kubeletPort, '--authorization-mode', opts.authorizationMode);
  if (!opts.runtime) args.push('--no-runtime');
  if (opts.kubeconfigOut) args.push('--kubeconfig-out', opts.kubeconfigOut);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out] });
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? 1;
  });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (existsSync(stateFile)) {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as UpState;
      child.unref();
      process.stdout.write(`kubets is up (pid ${state.pid}): ${state.url}\nkubeconfig: ${state.kubeconfig}\nlogs: ${logFile}\n`);
      return;
    }
    if (exited !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
  if (exited === null) child.kill('SIGTERM');
  throw new Error(`kubets up did not become ready (${exited === null ? 'timed out' : `exited with ${exited}`}); last log lines:\n${tail}`);
}

async function runDown(dataDir: string): Promise<void> {
  const stateFile = join(dataDir, 'up.json');
  if (existsSync(stateFile)) {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as UpState;
    if (isAlive(state.pid)) {
      process.kill(state.pid, 'SIGTERM');
      const deadline = Date.now() + 30_000;
      while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
    }
    rmSync(stateFile, { force: true });
    log(`stopped kubets (pid ${state.pid})`);
  }
  try {
    const { cleanupProxyRules, clusterTag } = await import('#impl/proxy/index.ts');
    const removed = await cleanupProxyRules(clusterTag(`data-dir:${resolve(dataDir)}`));
    if (removed.chains > 0) log(`removed ${removed.chains} leftover kube-proxy chains`);
  } catch {
    // No iptables here: the proxy never ran.
  }
  if (existsSync(join(dataDir, 'runtime.json'))) {
    const { runtimeDown } = await import('../../../tools/runtime/index.ts');
    await runtimeDown({ dataDir, log });
    log('stopped containerd and the registry');
  }
  // Volumes of pods the kubelet had no time to tear down (tmpfs emptyDirs, subPath binds) would
  // keep the data dir from being removed: unmount whatever is left under it.
  const { mountPointsUnder } = await import('#impl/kubelet/volumemanager/volume-manager.ts');
  const left = mountPointsUnder(resolve(dataDir));
  for (const m of left) spawnSync('umount', ['-l', m]);
  if (left.length > 0) log(`unmounted ${left.length} leftover mounts under ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The admin kubeconfig goes to ~/.kube/config only when the user has none, so nothing is overwritten. */
function defaultKubeconfigOut(): string | undefined {
  const target = process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
  return existsSync(target) ? undefined : target;
}

function defaultDataDir(): string {
  if (process.env.KUBETS_DATA_DIR) return process.env.KUBETS_DATA_DIR;
  if (process.getuid?.() === 0) return '/var/lib/kubets';
  return join(homedir(), '.kubets');
}
