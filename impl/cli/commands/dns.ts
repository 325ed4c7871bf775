import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/**
 * dnsCommand registers `kubets dns`: the cluster DNS server (CoreDNS's role) for the cluster
 * domain, forwarding other names to the nameservers of `--resolv-conf` (kubelet's flag name).
 */
export const dnsCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('dns')
      .description('Run the cluster DNS server: Services, endpoints and pods of the cluster domain over UDP and TCP')
      .option('--kubeconfig <path>', 'kubeconfig with the apiserver location and credentials')
      .option('--cluster-domain <domain>', 'cluster domain', 'cluster.local')
      .option('--bind-address <ip>', 'address to listen on', '0.0.0.0')
      .option('--port <port>', 'UDP and TCP port (0 = random)', '53')
      .option('--resolv-conf <file>', 'forward names outside the cluster domain to the nameservers of this file ("" = none)', '/etc/resolv.conf')
      .action(async (opts: { kubeconfig?: string; clusterDomain: string; bindAddress: string; port: string; resolvConf: string }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          process.stderr.write(`error: --port must be an integer between 0 and 65535, got "${opts.port}"\n`);
          process.exit(2);
        }
        const { startClusterDns, resolvConfNameservers } = await import('#impl/dns/index.ts');
        const upstreams = opts.resolvConf ? resolvConfNameservers(opts.resolvConf, [opts.bindAddress]) : [];
        const dns = await startClusterDns({ kubeconfig: opts.kubeconfig, clusterDomain: opts.clusterDomain, bindAddress: opts.bindAddress, port, upstreams });
        process.stdout.write(`${dns.server.address}:${dns.server.port}\n`);
        const stop = (): void => {
          void dns.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  },
};
