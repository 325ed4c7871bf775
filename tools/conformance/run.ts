/**
 * `npm run conformance [-- <flags>]`: start kubets in a temp dir (`kubets up` when the command
 * exists, else `kubets apiserver --data-dir TMP --secure-port 0`), wait for its admin
 * kubeconfig and /readyz, run the cluster conformance suite against it, stop kubets, and with
 * `--update-readme` write per-area pass counts into README.md between the conformance markers.
 * `--readme-from REPORT` only writes that block from an existing JSON report (e.g. CI's
 * `ci-artifacts/conformance-report.json`), without starting or running anything.
 *
 * Own flags: --update-readme, --keep (leave the temp dir), --server up|apiserver,
 * --kubeconfig K (use an existing cluster instead of starting one). Every other flag goes to
 * `kubets conformance` (e.g. --focus, --skip, --parallel, --timeout, --junit, --report).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RestClient, loadKubeconfig } from '#impl/client/index.ts';
import { waitFor } from '#impl/client/index.ts';
import { loadCatalog } from '../../conformance/cluster/catalog.ts';
import { runConformanceCommand, type ConformanceCommandOptions } from '../../conformance/cluster/runner/command.ts';
import type { SuiteResult } from '../../conformance/cluster/runner/results.ts';
import { renderSummaryMarkdown, summarize } from '../../conformance/cluster/runner/summary.ts';
import { updateReadmeBlock } from './readme-block.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const kubetsBin = join(repoRoot, 'bin', 'kubets.js');

interface RunFlags extends ConformanceCommandOptions {
  updateReadme?: boolean;
  readmeFrom?: string;
  keep?: boolean;
  server?: 'up' | 'apiserver';
}

/** parseArgs splits argv into our flags and the conformance command's options. */
export function parseArgs(argv: string[]): RunFlags {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [rawKey, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const key = rawKey.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const boolean = ['updateReadme', 'keep', 'list', 'newer'].includes(key);
    if (boolean) out[key] = true;
    else out[key] = inline ?? argv[++i] ?? '';
  }
  return out as RunFlags;
}

function hasUpCommand(): boolean {
  const help = spawnSync(process.execPath, [kubetsBin, '--help'], { encoding: 'utf8' });
  return /^\s+up\b/m.test(help.stdout ?? '');
}

async function startKubets(dir: string, mode: 'up' | 'apiserver'): Promise<{ child: ChildProcess; kubeconfig: string; log: string; dataDir: string }> {
  const log = join(dir, `kubets-${mode}.log`);
  const dataDir = join(dir, 'data');
  const args = mode === 'up' ? ['up', '--data-dir', dataDir, '--secure-port', '0', '--kubelet-port', '0', '--kubeconfig-out', join(dir, 'kubeconfig')] : ['apiserver', '--data-dir', dataDir, '--secure-port', '0'];
  process.stderr.write(`starting: kubets ${args.join(' ')} (log ${log})\n`);
  const child = spawn(process.execPath, [kubetsBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const flush = (): void => writeFileSync(log, chunks.join(''));
  const kubeconfig = join(dataDir, 'admin.kubeconfig');
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
    flush();
  });
  try {
    await waitFor(
      async () => {
        if (exited !== null) throw new Error(`kubets ${mode} exited with code ${exited}:\n${chunks.join('').slice(-3000)}`);
        if (!existsSync(kubeconfig)) return false;
        const client = new RestClient(loadKubeconfig({ path: kubeconfig }), { timeoutMs: 2000 });
        try {
          const r = await client.requestRaw({ path: '/readyz' });
          return r.statusCode === 200;
        } catch {
          return false;
        } finally {
          client.close();
        }
      },
      { timeoutMs: 180_000, intervalMs: 500, message: `kubets ${mode} to serve /readyz` },
    );
  } finally {
    flush();
  }
  return { child, kubeconfig, log, dataDir };
}

async function stopKubets(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await done;
  clearTimeout(t);
}

/** writeReadmeBlock puts the per-area summary of `report` between README.md's conformance markers. */
function writeReadmeBlock(report: string, opts: Pick<ConformanceCommandOptions, 'focus' | 'skip'>, how = '`npm run conformance -- --update-readme`'): void {
  const run = JSON.parse(readFileSync(report, 'utf8')) as SuiteResult;
  const table = renderSummaryMarkdown(summarize(run, loadCatalog()));
  const readmePath = join(repoRoot, 'README.md');
  const note =
    `Last run ${run.finishedAt.slice(0, 16).replace('T', ' ')} UTC against ${run.serverVersion ?? 'unknown version'} ` +
    `(${how}${opts.focus ? `, focus \`${opts.focus}\`` : ''}${opts.skip ? `, skip \`${opts.skip}\`` : ''}): ` +
    `${run.results.filter((r) => r.status === 'passed').length} of ${run.results.length} cases run passed` +
    `${run.leftoverNamespaces.length ? `; ${run.leftoverNamespaces.length} test namespace(s) left behind` : ''}. ` +
    'Pass rate is over all tests of the upstream v1.32 list (feasible: F and F‡ tags, single-node estimates); see `kubets conformance --list`.';
  writeFileSync(readmePath, updateReadmeBlock(readFileSync(readmePath, 'utf8'), `${note}\n\n${table}`));
  process.stderr.write('updated README.md conformance block\n');
}

async function main(): Promise<number> {
  const flags = parseArgs(process.argv.slice(2));
  const { updateReadme, readmeFrom, keep, server, ...opts } = flags;
  if (readmeFrom) {
    writeReadmeBlock(readmeFrom, opts, 'the CI run, `bash .ci/run`');
    return 0;
  }
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  let upDataDir: string | undefined;
  const reportPath = (): string | undefined => opts.report ?? (dir ? join(dir, 'report.json') : undefined);
  try {
    if (!opts.kubeconfig && !opts.list) {
      dir = mkdtempSync(join(tmpdir(), 'kubets-conformance-'));
      const mode = server ?? (hasUpCommand() ? 'up' : 'apiserver');
      // Set before starting: a start that fails half-way must still be taken down.
      if (mode === 'up') upDataDir = join(dir, 'data');
      const started = await startKubets(dir, mode);
      child = started.child;
      opts.kubeconfig = started.kubeconfig;
    }
    const code = await runConformanceCommand({ ...opts, report: reportPath() });
    const report = reportPath();
    if (updateReadme && report && existsSync(report)) writeReadmeBlock(report, opts);
    return code;
  } finally {
    if (child) await stopKubets(child);
    // `kubets up` runs containerd and the registry as separate processes: stop them too.
    if (upDataDir && existsSync(upDataDir)) spawnSync(process.execPath, [kubetsBin, 'down', '--data-dir', upDataDir], { stdio: 'inherit', cwd: repoRoot });
    if (dir && !keep) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        // The verdict is the cases', not the scratch directory's: a leftover folder is only a warning.
        process.stderr.write(`warning: could not remove ${dir}: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    } else if (dir) process.stderr.write(`kept ${dir}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`conformance: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
