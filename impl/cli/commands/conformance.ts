import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/**
 * conformance registers `kubets conformance`: run the cluster conformance cases against any
 * cluster through a kubeconfig (see conformance/cluster/).
 */
export const conformance: CommandModule = {
  register(program: Command): void {
    program
      .command('conformance')
      .description('run the cluster conformance suite against a cluster (catalog: conformance/cluster/catalog.json)')
      .option('--kubeconfig <path>', 'kubeconfig file (default $KUBECONFIG or ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context (default current-context)')
      .option('--focus <regexp>', 'run only cases whose "<ID> <codename>" matches')
      .option('--skip <regexp>', 'skip cases whose "<ID> <codename>" matches')
      .option('--parallel <n>', 'cases to run at once (Serial cases always run alone)', '1')
      .option('--junit <file>', 'write JUnit XML (Sonobuoy/e2e shape) to this file')
      .option('--report <file>', 'write the JSON report to this file')
      .option('--timeout <duration>', 'per-case timeout, e.g. 3m (Slow cases get twice)', '3m')
      .option('--namespace-deletion-timeout <duration>', 'how long to wait at the end for test namespaces to go', '2m')
      .option('--node-schedulable-timeout <duration>', 'wait this long for a Ready schedulable node before running', '2m')
      .option('--list', 'print the catalog with each entry\'s status and exit')
      .option('--newer', 'with --list, include entries added after the v1.32 list')
      .option('--image-prefix <prefix>', 'prefix every test image with this registry/path')
      .option('--test-images <file>', 'YAML/JSON map of test images (busybox, testServer, pause)')
      .action(async (opts: Record<string, unknown>) => {
        const { runConformanceCommand } = await import('../../../conformance/cluster/runner/command.ts');
        process.exitCode = await runConformanceCommand(opts);
      });
  },
};

/** register is the module entry point used by the command index. */
export const register = conformance.register;
