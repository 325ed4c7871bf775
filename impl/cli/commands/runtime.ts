/**
 * `kubets runtime up|down|status --data-dir DIR`: the local registry + containerd of
 * tools/runtime (images built and pushed, containerd configured for CRI, CNI and the mirrors).
 * `up` prints the CRI endpoint on stdout (progress on stderr), so
 * `endpoint=$(kubets runtime up --data-dir D)` works.
 */
import type { Command } from 'commander';
import { defaultDataDir } from './images.ts';
import type { CommandModule } from './index.ts';

const log = (line: string): void => {
  process.stderr.write(`[runtime] ${line}\n`);
};

/** runtimeCommand registers `kubets runtime up|down|status`. */
export const runtimeCommand: CommandModule = {
  register(program: Command) {
    const runtime = program.command('runtime').description('start/stop the local registry and containerd (CRI) under a data dir');
    runtime
      .command('up')
      .description('build+push images, start docker-registry and containerd; print the CRI endpoint (idempotent)')
      .option('--data-dir <dir>', 'state directory', defaultDataDir())
      .option('--registry-port <port>', 'registry port on 127.0.0.1 (default: previous or a free one)', (v) => Number.parseInt(v, 10))
      .option('--json', 'print the runtime info as JSON instead of the endpoint')
      .action(async (o: { dataDir: string; registryPort?: number; json?: boolean }) => {
        const { runtimeUp } = await import('../../../tools/runtime/runtime.ts');
        const info = await runtimeUp({ dataDir: o.dataDir, registryPort: o.registryPort, log });
        log(`${info.runtimeName} ${info.runtimeVersion} ready; registry ${info.registry}`);
        process.stdout.write(o.json ? `${JSON.stringify(info, null, 2)}\n` : `${info.endpoint}\n`);
      });
    runtime
      .command('down')
      .description('remove all pods, stop containerd (and its shims) and the registry, by pid')
      .option('--data-dir <dir>', 'state directory', defaultDataDir())
      .option('--keep-pods', 'do not remove pod sandboxes before stopping containerd')
      .action(async (o: { dataDir: string; keepPods?: boolean }) => {
        const { runtimeDown } = await import('../../../tools/runtime/runtime.ts');
        const r = await runtimeDown({ dataDir: o.dataDir, removePods: !o.keepPods, log });
        if (r.errors.length > 0) process.exitCode = 1;
      });
    runtime
      .command('status')
      .description('report whether registry and containerd of the data dir are up')
      .option('--data-dir <dir>', 'state directory', defaultDataDir())
      .action(async (o: { dataDir: string }) => {
        const { runtimeStatus } = await import('../../../tools/runtime/runtime.ts');
        const s = await runtimeStatus(o.dataDir);
        if (s.up && s.info) process.stdout.write(`up: ${s.info.endpoint} (registry ${s.info.registry})\n`);
        else {
          process.stdout.write(`down: ${s.problems.join('; ')}\n`);
          process.exitCode = 1;
        }
      });
  },
};
