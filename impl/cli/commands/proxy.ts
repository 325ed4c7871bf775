import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

interface ProxyFlags {
  kubeconfig?: string;
  hostnameOverride?: string;
  clusterCidr?: string;
  proxyMode: string;
  cleanup?: boolean;
  clusterTag?: string;
  healthzBindAddress: string;
  metricsBindAddress: string;
  masqueradeAll?: boolean;
  iptablesMinSyncPeriod: string;
  iptablesSyncPeriod: string;
}

/** parseDuration reads a Go-style duration (`1s`, `30s`, `500ms`, `1m`) into ms. */
function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/**
 * proxyCommand registers `kubets proxy` with upstream kube-proxy flag names: `--kubeconfig`,
 * `--hostname-override`, `--cluster-cidr`, `--proxy-mode` (iptables), `--cleanup`,
 * `--healthz-bind-address`, `--metrics-bind-address`, `--masquerade-all`,
 * `--iptables-min-sync-period`, `--iptables-sync-period`; plus kubets' `--cluster-tag` (the
 * instance tag its chains carry, so several clusters can share one machine).
 */
export const proxyCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('proxy')
      .description('Run kube-proxy (iptables mode): program Services and EndpointSlices into nat/filter rules')
      .option('--kubeconfig <path>', 'kubeconfig with the apiserver location and credentials')
      .option('--hostname-override <name>', 'the node name (default: the host name)')
      .option('--cluster-cidr <cidr>', 'pod range; service traffic from outside it is masqueraded', '198.18.0.0/16')
      .option('--proxy-mode <mode>', 'proxy mode (only iptables)', 'iptables')
      .option('--cleanup', 'remove the rules of this instance (see --cluster-tag) and exit')
      .option('--cluster-tag <tag>', 'instance tag of the chains (1-5 of [a-z0-9]; default derived from the apiserver URL)')
      .option('--healthz-bind-address <host:port>', "serve /healthz here ('' = off)", '0.0.0.0:10256')
      .option('--metrics-bind-address <host:port>', "serve /metrics here ('' = off)", '127.0.0.1:10249')
      .option('--masquerade-all', 'SNAT all traffic sent via Service cluster IPs')
      .option('--iptables-min-sync-period <duration>', 'minimum interval between rule syncs', '1s')
      .option('--iptables-sync-period <duration>', 'maximum interval between full rule syncs', '30s')
      .action(async (opts: ProxyFlags) => {
        const { startProxy, cleanupProxyRules, defaultProxyTag } = await import('#impl/proxy/index.ts');
        if (opts.cleanup) {
          let tag = opts.clusterTag;
          if (!tag) {
            const { loadKubeconfig } = await import('#impl/client/index.ts');
            tag = defaultProxyTag(loadKubeconfig(opts.kubeconfig ? { path: opts.kubeconfig } : {}).server);
          }
          const removed = await cleanupProxyRules(tag);
          process.stdout.write(`removed ${removed.rules} rules and ${removed.chains} chains of instance ${tag}\n`);
          return;
        }
        const running = await startProxy({
          kubeconfig: opts.kubeconfig,
          hostnameOverride: opts.hostnameOverride,
          clusterCIDR: opts.clusterCidr || undefined,
          proxyMode: opts.proxyMode,
          clusterTag: opts.clusterTag,
          healthzBindAddress: opts.healthzBindAddress,
          metricsBindAddress: opts.metricsBindAddress,
          masqueradeAll: opts.masqueradeAll,
          minSyncPeriodMs: parseDuration(opts.iptablesMinSyncPeriod),
          syncPeriodMs: parseDuration(opts.iptablesSyncPeriod),
        });
        process.stdout.write(`kube-proxy running (instance ${running.tag}, node ${running.nodeName})${running.healthzUrl ? ` healthz ${running.healthzUrl}/healthz` : ''}\n`);
        const stop = (): void => {
          void running.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  },
};
