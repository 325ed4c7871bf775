/** Result types shared by the runner, the reports and the summary. */

/** CaseStatus is the outcome of one case. */
export type CaseStatus = 'passed' | 'failed' | 'skipped';

/** CaseResult is one case's outcome. */
export interface CaseResult {
  id: string;
  codename: string;
  area: string;
  status: CaseStatus;
  durationMs: number;
  /** Failure or skip reason (first line is the summary). */
  message?: string;
  /** Stack or cause chain, for the JUnit failure body. */
  details?: string;
  /** STEP lines. */
  steps: string[];
  /** Namespaces the case created. */
  namespaces: string[];
  file: string;
}

/** SuiteResult is a whole run. */
export interface SuiteResult {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  server: string;
  serverVersion?: string;
  focus?: string;
  skip?: string;
  images: Record<string, string>;
  results: CaseResult[];
  /** Test namespaces still present at the end (each "name (phase)"). */
  leftoverNamespaces: string[];
  /** Harness problems outside any case (e.g. namespace deletes that failed). */
  problems: string[];
}
