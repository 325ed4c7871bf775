/**
 * `kubets cri-bench`: CRI lifecycle latency percentiles (tools/bench/cri.ts) against any runtime.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/** criBenchCommand registers `kubets cri-bench`. */
export const criBenchCommand: CommandModule = {
  register(program: Command) {
    program
      .command('cri-bench')
      .description('benchmark CRI pod/container lifecycle calls: p50/p90/p99 per operation')
      .requiredOption('--runtime-endpoint <endpoint>', 'CRI runtime endpoint, e.g. unix:///run/containerd/containerd.sock')
      .option('--image-endpoint <endpoint>', 'CRI image endpoint (default: the runtime endpoint)')
      .option('--iterations <n>', 'lifecycle iterations', (v) => Number.parseInt(v, 10), 20)
      .option('--concurrency <c>', 'iterations run at once', (v) => Number.parseInt(v, 10), 1)
      .option('--pull-iterations <n>', 'PullImage iterations (default: min(iterations, 20); 0 skips)', (v) => Number.parseInt(v, 10))
      .option('--image <ref>', 'container image', 'busybox')
      .option('--pull-image <ref>', 'image removed and pulled in the PullImage phase', 'registry.k8s.io/pause:3.10')
      .option('--runtime-handler <name>', 'runtime handler passed to RunPodSandbox', '')
      .option('--json <file>', 'write the results as JSON here')
      .option('--connect-timeout <duration>', 'how long to wait for the runtime to answer Version', '10s')
      .action(async (o: Record<string, string | number | undefined>) => {
        const { runCriBench, formatBenchTable } = await import('../../../tools/bench/cri.ts');
        const { CriUnreachableError } = await import('../../../conformance/cri/validate.ts');
        const { parseDuration } = await import('./cri-validate.ts');
        try {
          const res = await runCriBench({
            runtimeEndpoint: String(o.runtimeEndpoint),
            imageEndpoint: o.imageEndpoint ? String(o.imageEndpoint) : undefined,
            iterations: Number(o.iterations),
            concurrency: Number(o.concurrency),
            pullIterations: o.pullIterations === undefined ? undefined : Number(o.pullIterations),
            image: String(o.image),
            pullImage: String(o.pullImage),
            runtimeHandler: String(o.runtimeHandler ?? ''),
            connectTimeoutMs: parseDuration(String(o.connectTimeout)),
            onProgress: (d, t) => process.stderr.write(`\r${d}/${t}`),
          });
          process.stderr.write('\n');
          process.stdout.write(formatBenchTable(res) + '\n');
          if (o.json) await writeFile(String(o.json), JSON.stringify(res, null, 2) + '\n');
          const failed = Object.values(res.operations).reduce((a, s) => a + s.errors, 0);
          if (failed > 0) process.exitCode = 1;
        } catch (err) {
          if (err instanceof CriUnreachableError) {
            process.stderr.write(`error: ${err.message}\n`);
            process.exitCode = 2;
            return;
          }
          throw err;
        }
      });
  },
};
