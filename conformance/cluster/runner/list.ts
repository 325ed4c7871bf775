/** renderCatalogList prints the catalog with each entry's status (`kubets conformance --list`). */
import type { Catalog } from '../catalog.ts';
import { matchText, type SelectOptions } from './select.ts';

/** renderCatalogList renders one line per entry: ID, tag, status, codename. */
export function renderCatalogList(catalog: Catalog, opts: SelectOptions & { newer?: boolean } = {}): string {
  const focus = opts.focus ? new RegExp(opts.focus) : undefined;
  const skip = opts.skip ? new RegExp(opts.skip) : undefined;
  const lines: string[] = [];
  let shown = 0;
  let implemented = 0;
  for (const e of catalog.entries) {
    if (e.list === 'newer' && !opts.newer) continue;
    const text = matchText(e.id, e.codename);
    if ((focus && !focus.test(text)) || (skip && skip.test(text))) continue;
    shown++;
    if (e.status === 'implemented') implemented++;
    const status = e.status === 'implemented' ? 'implemented' : 'missing    ';
    lines.push(`${e.id.padEnd(7)} ${e.tag.padEnd(2)} ${status} ${e.codename}${e.file ? `  (${e.file})` : ''}`);
  }
  lines.push(`${shown} entries, ${implemented} implemented`);
  return lines.join('\n') + '\n';
}
