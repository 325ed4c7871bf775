/**
 * The shape of one conformance case: an upstream conformance test re-expressed against the
 * public API, registered under the upstream ID (from the reference list) and codename.
 */
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import type { CaseContext } from './context.ts';

/** ConformanceCase is one implemented upstream conformance test. */
export interface ConformanceCase {
  /** Reference ID, e.g. `AM-88` (see ../shared/reference/upstream-conformance-1.32.md). */
  id: string;
  /** The upstream codename (Ginkgo spec text) this case mirrors, exactly as in the catalog. */
  codename: string;
  /** Repository-relative path of the module that defines the case. */
  file: string;
  /** Per-case timeout override in ms (upstream [Slow] specs need more). */
  timeoutMs?: number;
  /** The case body. Throws (with a message naming the broken behaviour) on failure. */
  run(ctx: CaseContext): Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * defineCase builds a {@link ConformanceCase}, recording the defining module's path from
 * `moduleUrl` (pass `import.meta.url`).
 */
export function defineCase(moduleUrl: string, c: Omit<ConformanceCase, 'file'>): ConformanceCase {
  return { ...c, file: relative(repoRoot, fileURLToPath(moduleUrl)) };
}
