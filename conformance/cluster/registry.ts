/**
 * The case registry: every implemented conformance case, by area. The catalog generator and
 * the runner read this list; `catalog.test.ts` checks it against `catalog.json`.
 */
import type { ConformanceCase } from './framework/case.ts';

/** cases lists every implemented case. */
export const cases: readonly ConformanceCase[] = [];
