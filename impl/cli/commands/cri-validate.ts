/**
 * `kubets cri-validate`: the critest-equivalent CRI validation suite (conformance/cri) against any
 * CRI runtime endpoint. Exit code 0 only when no case failed.
 */
import type { Command } from 'commander';
import type { CommandModule } from './index.ts';

/** parseDuration reads `90s`, `3m`, `1500ms` or plain seconds into milliseconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(v)}: want e.g. 90s, 3m, 1500ms`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return n * unit;
}

/** criValidateCommand registers `kubets cri-validate`. */
export const criValidateCommand: CommandModule = {
  register(program: Command) {
    program
      .command('cri-validate')
      .description('validate a CRI runtime (critest-equivalent): lifecycle, images, exec/attach/port-forward, security, networking')
      .requiredOption('--runtime-endpoint <endpoint>', 'CRI runtime endpoint, e.g. unix:///run/containerd/containerd.sock')
      .option('--image-endpoint <endpoint>', 'CRI image endpoint (default: the runtime endpoint)')
      .option('--focus <regex>', 'run only the cases whose name matches')
      .option('--skip <regex>', 'skip the cases whose name matches')
      .option('--parallel <n>', 'cases run at once', (v) => Number.parseInt(v, 10), 1)
      .option('--junit <file>', 'write JUnit XML here')
      .option('--report <file>', 'write a JSON report here')
      .option('--timeout <duration>', 'per-case timeout (e.g. 3m)', '3m')
      .option('--connect-timeout <duration>', 'how long to wait for the runtime to answer Version', '10s')
      .option('--runtime-handler <name>', 'runtime handler passed to RunPodSandbox', '')
      .option('--busybox-image <ref>', 'image for ordinary containers (default busybox)')
      .option('--pause-image <ref>', 'image the image cases pull and remove (default registry.k8s.io/pause:3.10)')
      .option('--test-server-image <ref>', 'HTTP + TCP echo test server image')
      .option('--busybox-alias-image <ref>', "a second registry name of the busybox image ('' to skip that case)")
      .option('--auth-image <ref>', 'an image behind registry auth, for the pull-with-auth case')
      .option('--auth-username <user>', 'username for --auth-image')
      .option('--auth-password <password>', 'password for --auth-image')
      .option('--list', 'list the selected case names and exit')
      .action(async (o: Record<string, string | number | boolean | undefined>) => {
        const { runCriValidate, CriUnreachableError } = await import('../../../conformance/cri/validate.ts');
        if (o.list) {
          const { criCases } = await import('../../../conformance/cri/catalog.ts');
          const { selectCases } = await import('../../../conformance/cri/framework/runner.ts');
          const sel = selectCases(criCases, o.focus ? new RegExp(String(o.focus)) : undefined, o.skip ? new RegExp(String(o.skip)) : undefined);
          process.stdout.write(sel.map((c) => c.name).join('\n') + `\n${sel.length} cases\n`);
          return;
        }
        const images: Record<string, string> = {};
        if (o.busyboxImage) images.busybox = String(o.busyboxImage);
        if (o.pauseImage) images.pause = String(o.pauseImage);
        if (o.testServerImage) images.testServer = String(o.testServerImage);
        if (o.busyboxAliasImage !== undefined) images.busyboxAlias = String(o.busyboxAliasImage);
        const ctl = new AbortController();
        const onSig = (): void => ctl.abort(new Error('interrupted'));
        process.once('SIGINT', onSig);
        try {
          const report = await runCriValidate({
            runtimeEndpoint: String(o.runtimeEndpoint),
            imageEndpoint: o.imageEndpoint ? String(o.imageEndpoint) : undefined,
            focus: o.focus ? String(o.focus) : undefined,
            skip: o.skip ? String(o.skip) : undefined,
            parallel: Number(o.parallel) || 1,
            junit: o.junit ? String(o.junit) : undefined,
            report: o.report ? String(o.report) : undefined,
            caseTimeoutMs: parseDuration(String(o.timeout)),
            connectTimeoutMs: parseDuration(String(o.connectTimeout)),
            runtimeHandler: String(o.runtimeHandler ?? ''),
            images,
            authImage: o.authImage ? { image: String(o.authImage), username: String(o.authUsername ?? ''), password: String(o.authPassword ?? '') } : undefined,
            signal: ctl.signal,
          });
          if (report.counts.failed > 0) process.exitCode = 1;
        } catch (err) {
          if (err instanceof CriUnreachableError) {
            process.stderr.write(`error: ${err.message}\n`);
            process.exitCode = 2;
            return;
          }
          throw err;
        } finally {
          process.off('SIGINT', onSig);
        }
      });
  },
};

/** register is the CommandModule entry point. */
export const register = criValidateCommand.register;
