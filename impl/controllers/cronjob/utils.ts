/**
 * CronJob schedule helpers (upstream `pkg/controller/cronjob/utils.go`): parsing with the
 * time zone (spec.timeZone or a `CRON_TZ=`/`TZ=` prefix), the most recent schedule time not yet
 * run, the next one, and job names `<cronjob>-<minutes since epoch>`.
 */
import { CronExpressionParser } from 'cron-parser';

/** Schedule is a parsed cron schedule. */
export interface Schedule {
  /** next returns the first activation strictly after `afterMs`. */
  next(afterMs: number): number;
}

/** parseSchedule parses a schedule; it throws on an invalid one. */
export function parseSchedule(schedule: string, timeZone?: string): Schedule {
  let expr = schedule.trim();
  let tz = timeZone;
  const m = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (m) {
    tz ??= m[1];
    expr = m[2]!;
  }
  // Validate once.
  CronExpressionParser.parse(expr, { currentDate: new Date(0), tz });
  return {
    next(afterMs) {
      const it = CronExpressionParser.parse(expr, { currentDate: new Date(afterMs), tz });
      return it.next().getTime();
    },
  };
}

/** MAX_MISSED is how many missed start times are counted before upstream's TooManyMissedTimes warning. */
export const MAX_MISSED = 100;

/**
 * mostRecentScheduleTime returns the latest activation in (earliest, now] and how many there
 * were (capped at MAX_MISSED + 1), where earliest is lastScheduleTime (or creation) moved up to
 * `now - startingDeadlineSeconds` when set (upstream `mostRecentScheduleTime`).
 */
export function mostRecentScheduleTime(sched: Schedule, earliestMs: number, nowMs: number, startingDeadlineSeconds?: number): { time?: number; missed: number } {
  let earliest = earliestMs;
  if (startingDeadlineSeconds !== undefined && startingDeadlineSeconds !== null) earliest = Math.max(earliest, nowMs - startingDeadlineSeconds * 1000);
  let t = sched.next(earliest);
  if (t > nowMs) return { missed: 0 };
  let last = t;
  let missed = 1;
  for (;;) {
    t = sched.next(t);
    if (t > nowMs) break;
    last = t;
    missed++;
    if (missed > MAX_MISSED) {
      // Too many: jump to the most recent by walking back from now.
      let probe = nowMs - 60_000;
      let found = last;
      for (let i = 0; i < 10_000 && probe > last; i++, probe -= 60_000) {
        const n = sched.next(probe);
        if (n <= nowMs) {
          found = n;
          break;
        }
      }
      return { time: found, missed };
    }
  }
  return { time: last, missed };
}

/** jobNameFor is `<cronjob>-<scheduled time in minutes since the epoch>` (upstream `getJobName`). */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}
