/**
 * FakeIptables is an in-memory {@link IptablesRunner} for tests (upstream
 * `pkg/util/iptables/testing/fake.go`): it understands the `iptables-restore --noflush` subset
 * the proxier writes (`*table`, `:CHAIN`, `-A`, `-X`, `COMMIT`) and prints `iptables-save`
 * text. Rules are kept as the text they were written with (no normalization).
 */
import type { IptablesRunner, Table } from './iptables.ts';

const BUILTIN: Record<Table, string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

/** FakeIptables keeps chains and rules per table; `restores` records every restore input. */
export class FakeIptables implements IptablesRunner {
  readonly tables: Record<Table, Map<string, string[]>> = { nat: new Map(), filter: new Map() };
  readonly restores: string[] = [];
  /** failRestore makes the next restores throw (error-path tests). */
  failRestore = false;

  constructor() {
    for (const t of ['nat', 'filter'] as const) for (const c of BUILTIN[t]) this.tables[t].set(c, []);
  }

  async version(): Promise<string> {
    return 'iptables v1.8.9 (fake)';
  }

  async save(table: Table): Promise<string> {
    const lines = [`*${table}`];
    for (const c of this.tables[table].keys()) lines.push(`:${c} ${BUILTIN[table].includes(c) ? 'ACCEPT' : '-'} [0:0]`);
    for (const [c, rules] of this.tables[table]) for (const r of rules) lines.push(`-A ${c} ${r}`);
    lines.push('COMMIT');
    return lines.join('\n') + '\n';
  }

  async restore(text: string): Promise<void> {
    if (this.failRestore) throw new Error('iptables-restore failed (exit 1): fake failure');
    this.restores.push(text);
    // Apply to a copy, so a bad input changes nothing (restore is atomic per table).
    const next = { nat: new Map([...this.tables.nat].map(([k, v]) => [k, [...v]])), filter: new Map([...this.tables.filter].map(([k, v]) => [k, [...v]])) };
    let table: Table | undefined;
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      if (line.startsWith('*')) table = line.slice(1) as Table;
      else if (line === 'COMMIT') table = undefined;
      else if (!table) throw new Error(`fake restore: line outside a table: ${line}`);
      else if (line.startsWith(':')) next[table].set(line.slice(1).split(' ')[0], []);
      else if (line.startsWith('-A ')) {
        const [, chain, ...rest] = line.split(' ');
        const rules = next[table].get(chain);
        if (!rules) throw new Error(`fake restore: no chain ${chain}`);
        const target = /-j (\S+)/.exec(line)?.[1];
        if (target && /^KUBE-/.test(target) && !next[table].has(target)) throw new Error(`fake restore: jump to missing chain ${target}`);
        rules.push(rest.join(' '));
      } else if (line.startsWith('-X ')) {
        const chain = line.slice(3).trim();
        for (const [c, rules] of next[table]) if (rules.some((r) => r.endsWith(`-j ${chain}`))) throw new Error(`fake restore: ${chain} still referenced from ${c}`);
        next[table].delete(chain);
      } else throw new Error(`fake restore: unsupported line ${line}`);
    }
    this.tables.nat = next.nat;
    this.tables.filter = next.filter;
  }

  async ensureRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const rule = args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
    const rules = this.tables[table].get(chain);
    if (!rules) throw new Error(`fake: no chain ${chain}`);
    if (rules.includes(rule)) return false;
    rules.unshift(rule);
    return true;
  }

  async deleteRule(table: Table, chain: string, args: readonly string[]): Promise<boolean> {
    const rule = args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ');
    const rules = this.tables[table].get(chain);
    const i = rules?.indexOf(rule) ?? -1;
    if (i < 0) return false;
    rules!.splice(i, 1);
    return true;
  }

  /** rules returns the rules of a chain (empty when it does not exist). */
  rules(table: Table, chain: string): string[] {
    return this.tables[table].get(chain) ?? [];
  }
}
