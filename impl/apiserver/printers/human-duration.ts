/**
 * Ages and durations the way kubectl shows them (`5s`, `3m2s`, `4h`, `2d3h`, `3y12d`).
 *
 * upstream: staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go (HumanDuration) and
 * pkg/printers/internalversion/printers.go (translateTimestampSince).
 */

/**
 * humanDuration renders a duration in seconds coarsely, as upstream `duration.HumanDuration`:
 * up to 2 minutes in seconds, then minutes (with seconds below 10m), hours (with minutes below
 * 8h), days (with hours below 8d), years. A deviation of up to one second into the future reads
 * `0s`; more is `<invalid>`.
 */
export function humanDuration(secs: number): string {
  const seconds = Math.trunc(secs);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince is the age of an RFC 3339 timestamp at `now`, or `<unknown>` when unset. */
export function translateTimestampSince(ts: string | undefined | null, now: Date): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration((now.getTime() - t) / 1000);
}
