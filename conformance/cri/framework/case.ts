/**
 * What a CRI validation case is, and the few ways it can end besides passing.
 */
import type { Framework } from './framework.ts';

/**
 * CriCase is one validation case. `name` is the full spec text: critest's
 * `[k8s.io] <Describe> <Context> <It>` where the case mirrors a critest `It` (so focus/skip regexes
 * carry over), `[kubets] ...` for cases critest does not have.
 */
export interface CriCase {
  name: string;
  /** serial cases run alone, after the parallel ones (critest's ginkgo `Serial`: image removal). */
  serial?: boolean;
  /** timeoutMs bounds the case including its cleanup (default: the suite's per-case timeout). */
  timeoutMs?: number;
  /** run does the work; it throws on failure and calls `f.skip(reason)` to skip. */
  run(f: Framework): Promise<void>;
}

/** SkipError ends a case as skipped; `message` is the reason shown in the summary and the JUnit. */
export class SkipError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SkipError';
  }
}

/** CaseFailure is a failed expectation; its message says what was expected and what was seen. */
export class CaseFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CaseFailure';
  }
}

/** CaseStatus is how a case ended. */
export type CaseStatus = 'passed' | 'failed' | 'skipped';

/** CaseResult is one case's outcome. */
export interface CaseResult {
  name: string;
  status: CaseStatus;
  durationMs: number;
  /** message is the failure or skip reason ('' when passed). */
  message: string;
  /** log holds the case's step lines (`f.log`), kept for the JUnit system-out. */
  log: string[];
}

/** defineCases checks a table of cases at compile time and returns it unchanged. */
export function defineCases(cases: CriCase[]): CriCase[] {
  return cases;
}
