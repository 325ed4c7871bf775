/**
 * Running the real `kubectl` against the cluster under test, like upstream
 * `e2ekubectl.RunKubectl`/`RunKubectlInput`: the suite's credentials (the {@link RestConfig}
 * of the case's client) are written into a kubeconfig of the case's own, removed after the
 * case. The binary is `$KUBECTL` or `kubectl` on the PATH; a case skips when it is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { RestConfig } from '#impl/client/index.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail, skip } from '../framework/expect.ts';

/** KubectlResult is what one kubectl run produced. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Kubectl runs kubectl in one case's namespace with the suite's credentials. */
export interface Kubectl {
  /** kubeconfig is the path of the case's kubeconfig file. */
  readonly kubeconfig: string;
  /** run runs `kubectl --namespace NS args...` (stdin from `input`) and returns what it printed. */
  run(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** runOrDie is {@link run} that fails the case on a non-zero exit and returns stdout. */
  runOrDie(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** start starts a long-running kubectl (e.g. `proxy`), killed after the case. */
  start(args: readonly string[]): ChildProcess;
}

/** kubectlBinary returns the kubectl to run: `$KUBECTL` or `kubectl`. */
export function kubectlBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBECTL || 'kubectl';
}

/** kubeconfigFor renders a kubeconfig document (YAML) holding `config`'s server and credentials. */
export function kubeconfigFor(config: RestConfig, namespace?: string): string {
  const b64 = (b: Buffer | undefined): string | undefined => (b ? b.toString('base64') : undefined);
  const cluster: Record<string, unknown> = { server: config.server };
  if (config.ca) cluster['certificate-authority-data'] = b64(config.ca);
  if (config.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  if (config.tlsServerName) cluster['tls-server-name'] = config.tlsServerName;
  const user: Record<string, unknown> = {};
  if (config.cert) user['client-certificate-data'] = b64(config.cert);
  if (config.key) user['client-key-data'] = b64(config.key);
  if (config.token) user.token = config.token;
  if (config.username) user.username = config.username;
  if (config.password) user.password = config.password;
  if (config.impersonate) {
    user.as = config.impersonate.user;
    if (config.impersonate.groups?.length) user['as-groups'] = config.impersonate.groups;
  }
  const context: Record<string, unknown> = { cluster: 'conformance', user: 'conformance' };
  if (namespace) context.namespace = namespace;
  return toYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'conformance', cluster }],
    users: [{ name: 'conformance', user }],
    contexts: [{ name: 'conformance', context }],
    'current-context': 'conformance',
  });
}

let binaryChecked: boolean | undefined;

/**
 * newKubectl returns a {@link Kubectl} for the case; the case is skipped when no kubectl
 * binary can be run. The kubeconfig and any started process are cleaned up with the case.
 */
export function newKubectl(ctx: CaseContext): Kubectl {
  const bin = kubectlBinary();
  binaryChecked ??= spawnSync(bin, ['version', '--client'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (!binaryChecked) skip(`kubectl binary "${bin}" cannot be run (set $KUBECTL or put kubectl on the PATH)`);
  const dir = mkdtempSync(join(tmpdir(), 'kubets-kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(ctx.client.config, ctx.ns), { mode: 0o600 });
  ctx.defer(() => rmSync(dir, { recursive: true, force: true }));
  const base = ['--kubeconfig', kubeconfig, '--namespace', ctx.ns];

  const run = (args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      ctx.log(`kubectl ${args.join(' ')}`);
      const child = spawn(bin, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const kill = (): void => void child.kill('SIGKILL');
      const timer = setTimeout(kill, opts.timeoutMs ?? 120_000);
      ctx.signal.addEventListener('abort', kill, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`kubectl ${args.join(' ')}: ${err.message}`, { cause: err }));
      });
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        ctx.signal.removeEventListener('abort', kill);
        resolve({ code: code ?? (sig ? 128 : -1), stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });

  return {
    kubeconfig,
    run,
    async runOrDie(args, opts) {
      const r = await run(args, opts);
      if (r.code !== 0) fail(`kubectl ${args.join(' ')} exited with ${r.code}:\n${r.stderr || r.stdout}`);
      return r.stdout;
    },
    start(args) {
      ctx.log(`kubectl ${args.join(' ')} (background)`);
      const child = spawn(bin, [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      ctx.defer(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      return child;
    },
  };
}
