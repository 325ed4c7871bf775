/** parseDuration reads Go-style durations (`90s`, `5m`, `1h30m`, `250ms`) or plain milliseconds. */
export function parseDuration(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    consumed += m[0].length;
  }
  if (consumed !== s.length || s === '') throw new Error(`invalid duration "${s}" (use e.g. 90s, 5m, 1h)`);
  return total;
}
