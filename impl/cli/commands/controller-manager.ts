/**
 * `kubets controller-manager`: kube-controller-manager (upstream flag names). Runs until
 * SIGINT/SIGTERM.
 *
 * ```
 * kubets controller-manager --kubeconfig K [--controllers=*,-name] [--leader-elect]
 *   [--concurrent-namespace-syncs N] [--concurrent-gc-syncs N] [--concurrent-replicaset-syncs N]
 *   [--concurrent-rc-syncs N] [--concurrent-deployment-syncs N] [--node-monitor-grace-period 40s] [--root-ca-file F] [--healthz-port P] [--v 2]
 * ```
 */
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

interface ControllerManagerFlags {
  kubeconfig?: string;
  controllers: string;
  leaderElect?: boolean;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  concurrentNamespaceSyncs?: number;
  concurrentGcSyncs?: number;
  concurrentReplicasetSyncs?: number;
  concurrentRcSyncs?: number;
  concurrentDeploymentSyncs?: number;
  concurrentJobSyncs?: number;
  concurrentEndpointSyncs?: number;
  concurrentServiceEndpointSyncs?: number;
  rootCaFile?: string;
  terminatedPodGcThreshold: number;
  nodeMonitorGracePeriod: string;
  resourceQuotaSyncPeriod: string;
  localPathDir: string;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  clusterSigningDuration: string;
  serviceAccountPrivateKeyFile?: string;
  useServiceAccountCredentials?: boolean;
  concurrentResourceQuotaSyncs?: number;
  healthzPort?: number;
  bindAddress: string;
  v: number;
}

const int = (v: string): number => {
  const n = Number.parseInt(v, 10);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${v}`);
  return n;
};

/** durationMs parses Go durations such as `40s`, `1m30s`, `500ms` (a bare number is seconds). */
export function durationMs(v: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (/^\d+$/.test(v.trim())) return Number(v) * 1000;
  let total = 0;
  let rest = v.trim();
  while (rest.length) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`invalid duration: ${v}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** controllerManagerCommand registers `kubets controller-manager`. */
export const controllerManagerCommand: CommandModule = {
  register(program: Command) {
    program
      .command('controller-manager')
      .description('run the controllers: namespace, serviceaccount, serviceaccount-token, root-ca-cert-publisher, garbage collector, replicaset, replicationcontroller, deployment, daemonset, statefulset, job, cronjob, ttl-after-finished, endpoints, endpointslice, disruption, node-lifecycle, podgc, resourcequota, persistentvolume-binder (+ local-path provisioner), pvc-protection, pv-protection, clusterrole-aggregation, csrsigning, csrapproving; off unless named: bootstrapsigner, tokencleaner')
      .option('--kubeconfig <path>', 'kubeconfig with the controller-manager credentials (default $KUBECONFIG)')
      .option('--controllers <list>', 'controllers to enable: * (all default ones), name, -name; comma-separated', '*')
      .option('--leader-elect', 'elect a leader on the kube-system/kube-controller-manager Lease before running')
      .option('--leader-elect-resource-namespace <ns>', 'namespace of the leader election Lease', 'kube-system')
      .option('--leader-elect-resource-name <name>', 'name of the leader election Lease', 'kube-controller-manager')
      .option('--concurrent-namespace-syncs <n>', 'namespace workers (default 10)', int)
      .option('--concurrent-gc-syncs <n>', 'garbage collector workers (default 20)', int)
      .option('--concurrent-replicaset-syncs <n>', 'replicaset workers (default 5)', int)
      .option('--concurrent-rc-syncs <n>', 'replicationcontroller workers (default 5)', int)
      .option('--concurrent-deployment-syncs <n>', 'deployment workers (default 5)', int)
      .option('--concurrent-job-syncs <n>', 'job workers (default 5)', int)
      .option('--concurrent-endpoint-syncs <n>', 'endpoints workers (default 5)', int)
      .option('--concurrent-service-endpoint-syncs <n>', 'endpointslice workers (default 5)', int)
      .option('--terminated-pod-gc-threshold <n>', 'terminated pods kept before the pod GC deletes the oldest (0 = off)', int, 12500)
      .option('--node-monitor-grace-period <duration>', 'how long a node may go without heartbeats before it is Unknown (Go duration)', '40s')
      .option('--resource-quota-sync-period <duration>', 'period for syncing quota usage status (Go duration)', '5m')
      .option('--concurrent-resource-quota-syncs <n>', 'resourcequota workers (default 5)', int)
      .option('--use-service-account-credentials', 'run each controller with its own service account credentials (kube-system/<controller>, TokenRequest tokens)')
      .option('--cluster-signing-cert-file <file>', 'PEM CA certificate the CSR signer issues certificates with')
      .option('--cluster-signing-key-file <file>', 'PEM private key of --cluster-signing-cert-file')
      .option('--cluster-signing-duration <duration>', 'longest validity of signed certificates (Go duration)', '8760h')
      .option('--service-account-private-key-file <file>', 'PEM private key legacy ServiceAccount token Secrets are signed with')
      .option('--local-path-dir <dir>', 'directory of the local-path provisioner volumes (StorageClass standard); empty turns it off', '/var/lib/kubets/storage')
      .option('--root-ca-file <file>', 'CA bundle published as kube-root-ca.crt (default: the kubeconfig CA)')
      .option('--healthz-port <port>', 'serve /healthz and /metrics over HTTP on this port (0 = random)', int)
      .option('--bind-address <ip>', 'address of the /healthz and /metrics server', '127.0.0.1')
      .option('--v <level>', 'log verbosity (0 info, 4+ debug)', int, 0)
      .action(async (f: ControllerManagerFlags) => {
        const [{ startControllerManager }, { pino }] = await Promise.all([import('../../controllers/index.ts'), import('pino')]);
        const logger = pino({ level: f.v >= 4 ? 'debug' : 'info', base: { component: 'kube-controller-manager' } }, pino.destination(2));
        const concurrency: Record<string, number> = {};
        const set = (flag: string, v: number | undefined): void => {
          if (v !== undefined) concurrency[flag] = v;
        };
        set('concurrent-namespace-syncs', f.concurrentNamespaceSyncs);
        set('concurrent-gc-syncs', f.concurrentGcSyncs);
        set('concurrent-replicaset-syncs', f.concurrentReplicasetSyncs);
        set('concurrent-rc-syncs', f.concurrentRcSyncs);
        set('concurrent-deployment-syncs', f.concurrentDeploymentSyncs);
        set('concurrent-job-syncs', f.concurrentJobSyncs);
        set('concurrent-endpoint-syncs', f.concurrentEndpointSyncs);
        set('concurrent-service-endpoint-syncs', f.concurrentServiceEndpointSyncs);
        set('concurrent-resource-quota-syncs', f.concurrentResourceQuotaSyncs);
        const cm = await startControllerManager({
          kubeconfig: f.kubeconfig,
          controllers: f.controllers.split(',').map((s) => s.trim()).filter(Boolean),
          leaderElect: f.leaderElect === true,
          leaderElectResourceNamespace: f.leaderElectResourceNamespace,
          leaderElectResourceName: f.leaderElectResourceName,
          concurrency,
          rootCAFile: f.rootCaFile,
          terminatedPodGCThreshold: f.terminatedPodGcThreshold,
          nodeMonitorGracePeriodMs: durationMs(f.nodeMonitorGracePeriod),
          resourceQuotaSyncPeriodMs: durationMs(f.resourceQuotaSyncPeriod),
          localPathDir: f.localPathDir,
          clusterSigningCertFile: f.clusterSigningCertFile,
          clusterSigningKeyFile: f.clusterSigningKeyFile,
          clusterSigningDurationMs: durationMs(f.clusterSigningDuration),
          serviceAccountPrivateKeyFile: f.serviceAccountPrivateKeyFile,
          useServiceAccountCredentials: f.useServiceAccountCredentials === true,
          healthzPort: f.healthzPort,
          bindAddress: f.bindAddress,
          logger,
        });
        logger.info({ controllers: cm.controllers, healthz: cm.healthzUrl }, 'controller-manager running');
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        logger.info({}, 'shutting down');
        await cm.stop();
      });
  },
};
