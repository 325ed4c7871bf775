/**
 * `kubets kubelet`: the node agent (upstream flag names). Runs until SIGINT/SIGTERM; containers
 * keep running when it stops, as upstream. `--config FILE` reads a KubeletConfiguration; flags
 * given on the command line override it.
 *
 * ```
 * kubets kubelet --kubeconfig K --container-runtime-endpoint unix:///.../containerd.sock --root-dir DIR \
 *   [--config kubelet.yaml] [--hostname-override N] [--pod-manifest-path DIR] [--node-ip IP] [--max-pods 110] \
 *   [--node-status-update-frequency 10s] [--node-labels a=b,c=d] [--register-with-taints k=v:NoSchedule] \
 *   [--cluster-dns IP] [--cluster-domain D] [--port 10250] [--address 127.0.0.1] \
 *   [--tls-cert-file F --tls-private-key-file K] [--client-ca-file CA] [--v 4] \
 *   [--eviction-hard memory.available<100Mi,...] [--image-gc-high-threshold 85] [--image-gc-low-threshold 80] \
 *   [--minimum-image-ttl-duration 2m] [--maximum-dead-containers-per-container 1] [--maximum-dead-containers -1]
 * ```
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/** parseDuration parses Go durations (`10s`, `1m30s`, `500ms`); shared by other commands. */
export { parseDuration } from '../../kubelet/config/kubelet-configuration.ts';

/** parseLabels parses `a=b,c=d`. */
export function parseLabels(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`invalid label: ${kv}`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

interface KubeletFlags {
  config?: string;
  kubeconfig?: string;
  containerRuntimeEndpoint?: string;
  rootDir: string;
  hostnameOverride?: string;
  podManifestPath?: string;
  nodeIp: string;
  maxPods: number;
  nodeStatusUpdateFrequency: string;
  nodeLabels?: string;
  registerWithTaints?: string;
  clusterDns?: string;
  clusterDomain: string;
  cgroupRoot: string;
  port: number;
  address: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  evictionHard?: string;
  evictionPressureTransitionPeriod: string;
  imageGcHighThreshold: number;
  imageGcLowThreshold: number;
  minimumImageTtlDuration: string;
  minimumContainerTtlDuration: string;
  maximumDeadContainersPerContainer: number;
  maximumDeadContainers: number;
  v: number;
}

/** kubeletCommand registers `kubets kubelet`. */
export const kubeletCommand: CommandModule = {
  register(program: Command) {
    program
      .command('kubelet')
      .description('run the node agent: register the Node, heartbeat, run pods bound to it on a CRI runtime')
      .option('--config <file>', 'KubeletConfiguration file (flags override it)')
      .option('--kubeconfig <path>', 'kubeconfig with the kubelet credentials (default $KUBECONFIG)')
      .option('--container-runtime-endpoint <url>', 'CRI endpoint, e.g. unix:///var/lib/kubets/containerd/containerd.sock')
      .option('--root-dir <dir>', 'kubelet state directory', '/var/lib/kubets/kubelet')
      .option('--hostname-override <name>', 'node name instead of the hostname')
      .option('--pod-manifest-path <path>', 'folder (or file) of static pod manifests')
      .option('--node-ip <ip>', 'InternalIP of the node', '127.0.0.1')
      .option('--max-pods <n>', 'pods this node can run', (v) => Number.parseInt(v, 10), 110)
      .option('--node-status-update-frequency <d>', 'how often the node status is computed', '10s')
      .option('--node-labels <labels>', 'labels to add at registration (k=v,...)')
      .option('--register-with-taints <taints>', 'taints to add at registration (k=v:Effect,...)')
      .option('--cluster-dns <ips>', 'DNS server IPs for ClusterFirst pods (comma-separated)')
      .option('--cluster-domain <domain>', 'cluster domain', 'cluster.local')
      .option('--cgroup-root <path>', 'cgroup root for pods', '/')
      .option('--port <port>', 'port of the kubelet HTTPS server (0: any free port)', (v) => Number.parseInt(v, 10), 10250)
      .option('--address <ip>', 'address the kubelet server binds', '127.0.0.1')
      .option('--tls-cert-file <file>', 'serving certificate (default: self-signed under <root-dir>/pki)')
      .option('--tls-private-key-file <file>', 'serving key')
      .option('--client-ca-file <file>', 'CA of the client certificates the server accepts (default: the kubeconfig CA)')
      .option('--eviction-hard <thresholds>', 'hard eviction thresholds (memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%); "" disables')
      .option('--eviction-pressure-transition-period <d>', 'how long a pressure condition is held after the last observation', '5m')
      .option('--image-gc-high-threshold <percent>', 'image filesystem usage that triggers image GC', (v) => Number.parseInt(v, 10), 85)
      .option('--image-gc-low-threshold <percent>', 'image filesystem usage image GC frees down to', (v) => Number.parseInt(v, 10), 80)
      .option('--minimum-image-ttl-duration <d>', 'minimum age of an unused image before GC', '2m')
      .option('--minimum-container-ttl-duration <d>', 'minimum age of a dead container before GC', '0s')
      .option('--maximum-dead-containers-per-container <n>', 'dead instances kept per container', (v) => Number.parseInt(v, 10), 1)
      .option('--maximum-dead-containers <n>', 'dead containers kept in total (-1: no limit)', (v) => Number.parseInt(v, 10), -1)
      .option('--v <level>', 'log verbosity (0 info, 4+ debug)', (v) => Number.parseInt(v, 10), 0)
      .action(async (f: KubeletFlags, cmd: Command) => {
        const [{ startKubelet, parseTaint, loadKubeletConfiguration, parseDuration }, { pino }] = await Promise.all([import('../../kubelet/index.ts'), import('pino')]);
        const logger = pino({ level: f.v >= 4 ? 'debug' : 'info', base: { component: 'kubelet' } }, pino.destination(2));
        const fromConfig = f.config ? loadKubeletConfiguration(f.config) : {};
        // A flag wins over the file only when given on the command line (or when the file lacks it).
        const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
        const pick = <T>(name: string, flagValue: T, configValue: T | undefined): T => (given(name) || configValue === undefined ? flagValue : configValue);
        const endpoint = f.containerRuntimeEndpoint ?? fromConfig.containerRuntimeEndpoint;
        if (!endpoint) throw new Error('--container-runtime-endpoint (or containerRuntimeEndpoint in --config) is required');
        const ctrl = new AbortController();
        const k = startKubelet({
          ...fromConfig,
          kubeconfig: f.kubeconfig,
          containerRuntimeEndpoint: endpoint,
          rootDir: f.rootDir,
          hostnameOverride: f.hostnameOverride,
          podManifestPath: f.podManifestPath ?? fromConfig.podManifestPath,
          nodeIP: f.nodeIp,
          maxPods: pick('maxPods', f.maxPods, fromConfig.maxPods),
          nodeStatusUpdateFrequencyMs: pick('nodeStatusUpdateFrequency', parseDuration(f.nodeStatusUpdateFrequency), fromConfig.nodeStatusUpdateFrequencyMs),
          nodeLabels: f.nodeLabels ? parseLabels(f.nodeLabels) : undefined,
          registerWithTaints: f.registerWithTaints ? f.registerWithTaints.split(',').filter(Boolean).map(parseTaint) : fromConfig.registerWithTaints,
          clusterDNS: f.clusterDns ? f.clusterDns.split(',').filter(Boolean) : fromConfig.clusterDNS,
          clusterDomain: pick('clusterDomain', f.clusterDomain, fromConfig.clusterDomain),
          cgroupRoot: pick('cgroupRoot', f.cgroupRoot, fromConfig.cgroupRoot),
          port: pick('port', f.port, fromConfig.port),
          address: pick('address', f.address, fromConfig.address),
          tlsCertFile: f.tlsCertFile ?? fromConfig.tlsCertFile,
          tlsPrivateKeyFile: f.tlsPrivateKeyFile ?? fromConfig.tlsPrivateKeyFile,
          clientCA: f.clientCaFile ? readFileSync(f.clientCaFile) : fromConfig.clientCA,
          evictionHard: f.evictionHard ?? fromConfig.evictionHard,
          evictionPressureTransitionPeriodMs: parseDuration(f.evictionPressureTransitionPeriod),
          imageGCHighThresholdPercent: pick('imageGcHighThreshold', f.imageGcHighThreshold, fromConfig.imageGCHighThresholdPercent),
          imageGCLowThresholdPercent: pick('imageGcLowThreshold', f.imageGcLowThreshold, fromConfig.imageGCLowThresholdPercent),
          minimumImageTTLMs: parseDuration(f.minimumImageTtlDuration),
          minimumContainerTTLMs: parseDuration(f.minimumContainerTtlDuration),
          maxPerPodContainer: f.maximumDeadContainersPerContainer,
          maxContainers: f.maximumDeadContainers,
          signal: ctrl.signal,
          logger,
        });
        const stop = (): void => {
          logger.info({}, 'shutting down');
          ctrl.abort();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await Promise.race([k.registered, new Promise<void>((r) => ctrl.signal.addEventListener('abort', () => r(), { once: true }))]);
        if (!ctrl.signal.aborted) logger.info({ node: k.nodeName }, 'kubelet ready');
        await new Promise<void>((r) => (ctrl.signal.aborted ? r() : ctrl.signal.addEventListener('abort', () => r(), { once: true })));
        await k.stop();
      });
  },
};
