/**
 * cronJobStrategy: the schedule must parse (cron-parser, with upstream's `@every`/macros
 * accepted), defaults, job template validation.
 *
 * upstream: pkg/registry/batch/cronjob/strategy.go, pkg/apis/batch/validation validateScheduleFormat.
 */
import { createRequire } from 'node:module';
import type * as CronParser from 'cron-parser';
import { fieldPath, invalidValue, required, type FieldError } from '#impl/apimachinery/index.ts';
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';
import { setDefaultsPodSpec, validatePodSpec } from '../../core/pod/strategy.ts';

let cronParser: typeof CronParser | undefined;
/** parser loads cron-parser (and its date library) on the first CronJob write, not at apiserver start. */
function parser(): typeof CronParser.CronExpressionParser {
  return (cronParser ??= createRequire(import.meta.url)('cron-parser') as typeof CronParser).CronExpressionParser;
}

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** validateSchedule checks a cron schedule like upstream (5 fields, macros, `@every <duration>`). */
export function validateSchedule(schedule: unknown): string | undefined {
  if (typeof schedule !== 'string' || schedule.trim() === '') return 'Required value';
  const s = schedule.trim();
  if (/TZ=|CRON_TZ=/.test(s)) return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  if (MACROS.has(s)) return undefined;
  if (s.startsWith('@every ')) return /^@every (\d+(\.\d+)?(ns|us|ms|s|m|h))+$/.test(s) ? undefined : `unrecognized descriptor: ${s}`;
  if (s.split(/\s+/).length !== 5) return `expected exactly 5 fields, found ${s.split(/\s+/).length}: ${s}`;
  try {
    parser().parse(s);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function validateCronJob(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const sp = fieldPath('spec');
  const msg = validateSchedule(obj.spec?.schedule);
  if (msg === 'Required value') errs.push(required(sp.child('schedule'), ''));
  else if (msg) errs.push(invalidValue(sp.child('schedule'), obj.spec?.schedule, msg));
  const cp = obj.spec?.concurrencyPolicy;
  if (cp && !['Allow', 'Forbid', 'Replace'].includes(cp)) errs.push(invalidValue(sp.child('concurrencyPolicy'), cp, 'supported values: "Allow", "Forbid", "Replace"'));
  const tpl = obj.spec?.jobTemplate?.spec?.template?.spec;
  errs.push(...validatePodSpec(tpl, sp.child('jobTemplate', 'spec', 'template', 'spec')));
  const rp = tpl?.restartPolicy;
  if (tpl && rp !== 'OnFailure' && rp !== 'Never') errs.push(invalidValue(sp.child('jobTemplate', 'spec', 'template', 'spec', 'restartPolicy'), rp ?? '', 'supported values: "OnFailure", "Never"'));
  return errs;
}

function setDefaults(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  spec.concurrencyPolicy ??= 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  setDefaultsPodSpec(spec.jobTemplate?.spec?.template?.spec);
}

/** cronJobStrategy is the CronJob strategy. */
export const cronJobStrategy: Strategy = {
  ...newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true }),
  prepareForCreate(_ctx, obj) {
    obj.metadata.generation = 1;
    obj.status = {};
    setDefaults(obj);
  },
  prepareForUpdate(ctx, obj, old) {
    setDefaults(obj);
    newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: true }).prepareForUpdate(ctx, obj, old);
  },
  validate: (_ctx, obj) => validateCronJob(obj),
  validateUpdate: (_ctx, obj) => validateCronJob(obj),
};

/** cronJobStatusStrategy updates only status. */
export const cronJobStatusStrategy: Strategy = newStatusStrategy(cronJobStrategy);
