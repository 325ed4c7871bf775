/**
 * selectCases applies `--focus` / `--skip` regular expressions, matched against
 * `<id> <codename>` (so `--focus AM-88`, `--focus '\[sig-apps\]'` and `--skip Serial` work).
 */
import type { ConformanceCase } from '../framework/case.ts';

/** SelectOptions hold the focus and skip expressions. */
export interface SelectOptions {
  focus?: string;
  skip?: string;
}

/** matchText is the text focus/skip match against. */
export const matchText = (id: string, codename: string): string => `${id} ${codename}`;

/** selectCases returns the cases to run, in registry order. */
export function selectCases(cases: readonly ConformanceCase[], opts: SelectOptions): ConformanceCase[] {
  const focus = opts.focus ? new RegExp(opts.focus) : undefined;
  const skip = opts.skip ? new RegExp(opts.skip) : undefined;
  return cases.filter((c) => {
    const text = matchText(c.id, c.codename);
    if (focus && !focus.test(text)) return false;
    if (skip && skip.test(text)) return false;
    return true;
  });
}
