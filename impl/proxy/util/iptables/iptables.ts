/**
 * IptablesRunner runs the iptables tools (upstream `pkg/util/iptables`): `iptables-save`,
 * `iptables-restore --noflush` and single-rule checks, inserts and deletes. {@link newIptablesRunner}
 * runs the real binaries; `fake-iptables.ts` keeps state in memory for tests.
 */
import { spawn } from 'node:child_process';

/** Table is an iptables table the proxy writes. */
export type Table = 'nat' | 'filter';

/** IptablesRunner is the proxy's view of iptables. Every call is independent; callers serialize their own syncs. */
export interface IptablesRunner {
  /** version returns `iptables --version`, or throws with a clear message when iptables is missing or not permitted. */
  version(): Promise<string>;
  /** save returns `iptables-save -t <table>`. */
  save(table: Table): Promise<string>;
  /** restore feeds `text` to `iptables-restore --noflush` (only the chains it names change). */
  restore(text: string): Promise<void>;
  /** ensureRule inserts the rule at the top of `chain` unless an identical rule exists; true when it inserted. */
  ensureRule(table: Table, chain: string, args: readonly string[]): Promise<boolean>;
  /** deleteRule deletes one copy of the rule; false when there was none. */
  deleteRule(table: Table, chain: string, args: readonly string[]): Promise<boolean>;
}

/** ExecResult is the outcome of one tool run. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** exec runs a command with optional stdin and resolves with its exit code and output (never rejects for a non-zero exit). */
export function exec(cmd: string, args: readonly string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: 127, stdout: '', stderr: String(err) });
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** IptablesRunnerOptions configure {@link newIptablesRunner}. */
export interface IptablesRunnerOptions {
  /** Binary names (default `iptables`, `iptables-save`, `iptables-restore`). */
  iptables?: string;
  iptablesSave?: string;
  iptablesRestore?: string;
  /** exec replaces process spawning (tests). */
  exec?: typeof exec;
}

/** newIptablesRunner returns a runner over the real iptables binaries (IPv4). */
export function newIptablesRunner(opts: IptablesRunnerOptions = {}): IptablesRunner {
  const run = opts.exec ?? exec;
  const iptables = opts.iptables ?? 'iptables';
  const fail = (what: string, r: ExecResult): Error => new Error(`${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return {
    async version() {
      const r = await run(iptables, ['--version']);
      if (r.code !== 0) throw fail(`${iptables} --version`, r);
      // Reading the nat table proves the permission (and the kernel support) too.
      const s = await run(opts.iptablesSave ?? 'iptables-save', ['-t', 'nat']);
      if (s.code !== 0) throw fail('iptables-save -t nat', s);
      return r.stdout.trim();
    },
    async save(table) {
      const r = await run(opts.iptablesSave ?? 'iptables-save', ['-t', table]);
      if (r.code !== 0) throw fail(`iptables-save -t ${table}`, r);
      return r.stdout;
    },
    async restore(text) {
      let r = await run(opts.iptablesRestore ?? 'iptables-restore', ['-w', '5', '--noflush'], text);
      // Another cluster's proxy may commit at the same moment (nf_tables generation clash): retry once.
      if (r.code !== 0) {
        await new Promise((res) => setTimeout(res, 200));
        r = await run(opts.iptablesRestore ?? 'iptables-restore', ['-w', '5', '--noflush'], text);
      }
      if (r.code !== 0) throw fail('iptables-restore', r);
    },
    async ensureRule(table, chain, args) {
      const check = await run(iptables, ['-w', '5', '-t', table, '-C', chain, ...args]);
      if (check.code === 0) return false;
      const ins = await run(iptables, ['-w', '5', '-t', table, '-I', chain, ...args]);
      if (ins.code !== 0) throw fail(`iptables -t ${table} -I ${chain}`, ins);
      return true;
    },
    async deleteRule(table, chain, args) {
      const r = await run(iptables, ['-w', '5', '-t', table, '-D', chain, ...args]);
      return r.code === 0;
    },
  };
}

/** chainsInSave lists the chain names an `iptables-save` output declares. */
export function chainsInSave(save: string): string[] {
  const out: string[] = [];
  for (const line of save.split('\n')) if (line.startsWith(':')) out.push(line.slice(1).split(' ')[0]);
  return out;
}
