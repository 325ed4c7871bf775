import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/**
 * schedulerCommand registers `kubets scheduler` with upstream kube-scheduler flag names:
 * `--kubeconfig`, `--config`, `--leader-elect`, `--secure-port`, `--bind-address`.
 */
export const schedulerCommand: CommandModule = {
  register(program: Command): void {
    program
      .command('scheduler')
      .description('Run the kube-scheduler: watch unscheduled pods and bind them to nodes')
      .option('--kubeconfig <path>', 'kubeconfig with the apiserver location and credentials')
      .option('--config <file>', 'KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1)')
      .option('--leader-elect', 'run only while holding the kube-system/kube-scheduler Lease', false)
      .option('--secure-port <port>', 'HTTPS port for /healthz and /metrics (0 = random, -1 = off)', '10259')
      .option('--bind-address <ip>', 'address to serve /healthz and /metrics on', '127.0.0.1')
      .action(async (opts: { kubeconfig?: string; config?: string; leaderElect?: boolean; securePort: string; bindAddress: string }) => {
        const { startScheduler } = await import('#impl/scheduler/index.ts');
        const port = Number(opts.securePort);
        const running = await startScheduler({
          kubeconfig: opts.kubeconfig,
          configFile: opts.config,
          leaderElect: opts.leaderElect,
          securePort: port >= 0 ? port : undefined,
          bindAddress: opts.bindAddress,
        });
        if (running.url) process.stdout.write(`${running.url}\n`);
        const stop = (): void => {
          void running.stop().then(() => process.exit(0));
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
  },
};

export const register = schedulerCommand.register;
