import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/**
 * apiserverCommand registers `kubets apiserver` with upstream kube-apiserver flag names.
 */
export const apiserverCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('apiserver')
      .description('Run the Kubernetes API server (HTTPS, client-certificate auth, SQLite or etcd3 storage)')
      .option('--data-dir <dir>', 'state directory (PKI, admin.kubeconfig, SQLite database)', defaultDataDir())
      .option('--secure-port <port>', 'HTTPS port (0 = random, printed)', '6443')
      .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
      .option('--storage-backend <backend>', 'sqlite or etcd3', 'sqlite')
      .option('--etcd-servers <urls>', 'comma-separated etcd client URLs (etcd3 backend)')
      .option('--service-cluster-ip-range <cidr>', 'ClusterIP range for Services', '198.19.0.0/16')
      .option('--runtime-config <spec>', 'enable/disable group-versions, e.g. api/beta=true,batch/v1=false')
      .option('--advertise-address <ip>', 'IP published in the kubernetes Endpoints/EndpointSlice')
      .action(async (opts: Record<string, string>) => {
        const { startApiServer } = await import('#impl/apiserver/index.ts');
        const backend = opts.storageBackend;
        if (backend !== 'sqlite' && backend !== 'etcd3') throw new Error(`--storage-backend must be sqlite or etcd3, not ${backend}`);
        const srv = await startApiServer({
          dataDir: opts.dataDir!,
          securePort: Number(opts.securePort),
          bindAddress: opts.bindAddress,
          storageBackend: backend,
          etcdServers: opts.etcdServers,
          serviceClusterIPRange: opts.serviceClusterIpRange,
          runtimeConfig: opts.runtimeConfig,
          advertiseAddress: opts.advertiseAddress,
        });
        await srv.ready;
        process.stdout.write(`${srv.url}\n`);
        const stop = () => {
          void srv.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  },
};

function defaultDataDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/kubets';
  return `${process.env.HOME ?? '.'}/.kubets`;
}

export const register = apiserverCommand.register;
