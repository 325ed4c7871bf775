/**
 * Container logs in the CRI log format (upstream: pkg/kubelet/kuberuntime/logs/logs.go): each
 * line is `<RFC3339Nano time> <stdout|stderr> <P|F> <content>`, P marking a partial line that
 * continues on the next one. `readLogs` renders them as `kubectl logs` expects: content only
 * (or prefixed by the time with `timestamps`), honouring tailLines, sinceTime, limitBytes and
 * follow (poll for appended data until the container stops or the signal aborts).
 */
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** LogOptions mirror the kubelet's `PodLogOptions` handling. */
export interface LogOptions {
  tailLines?: number;
  /** sinceTime in epoch ms: only lines at or after it. */
  sinceTime?: number;
  timestamps?: boolean;
  limitBytes?: number;
  follow?: boolean;
  /** pollIntervalMs for follow (default 100 ms). */
  pollIntervalMs?: number;
}

/** CriLogLine is one parsed line. */
export interface CriLogLine {
  time: string;
  stream: 'stdout' | 'stderr';
  partial: boolean;
  content: string;
}

/** parseCriLogLine parses one CRI log line; undefined when malformed. */
export function parseCriLogLine(line: string): CriLogLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([PF])(?: (.*))?$/.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as 'stdout' | 'stderr', partial: m[3] === 'P', content: m[4] ?? '' };
}

/** renderLines turns CRI lines into output lines (partials joined, a trailing partial kept), applying since/timestamps. */
export function renderLines(text: string, opts: LogOptions): string[] {
  const out: string[] = [];
  let partial = '';
  let partialTime = '';
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    const l = parseCriLogLine(raw);
    if (!l) continue;
    if (!partial) partialTime = l.time;
    partial += l.content;
    if (l.partial) continue;
    const line = `${partial}\n`;
    partial = '';
    if (opts.sinceTime !== undefined && Date.parse(partialTime) < opts.sinceTime) continue;
    out.push(opts.timestamps ? `${partialTime} ${line}` : line);
  }
  // A trailing partial line (e.g. `printf` without a newline, then exit) is written as is, like
  // upstream's reader does with every P message; a later F continues it on the same output line.
  if (partial && !(opts.sinceTime !== undefined && Date.parse(partialTime) < opts.sinceTime)) {
    out.push(opts.timestamps ? `${partialTime} ${partial}` : partial);
  }
  return out;
}

/**
 * readLogs writes the log at `logPath` to `write` per `opts`. With `follow`, it keeps reading
 * appended data until `isRunning()` turns false (after a final read) or the signal aborts.
 */
export async function readLogs(
  logPath: string,
  opts: LogOptions,
  write: (chunk: string) => void,
  isRunning: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  const emit = (lines: string[]): boolean => {
    for (const l of lines) {
      if (budget <= 0) return false;
      const b = Buffer.from(l);
      const piece = b.length > budget ? b.subarray(0, budget).toString('utf8') : l;
      budget -= b.length;
      write(piece);
    }
    return budget > 0;
  };
  const fh = await open(logPath, 'r');
  try {
    const size = (await fh.stat()).size;
    const all = Buffer.alloc(size);
    await fh.read(all, 0, size, 0);
    let text = all.toString('utf8');
    let pos = size;
    // Keep an unfinished last line for the next read.
    let carry = '';
    const cut = text.lastIndexOf('\n');
    if (cut < text.length - 1) {
      carry = text.slice(cut + 1);
      text = text.slice(0, cut + 1);
    }
    let lines = renderLines(text, opts);
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    if (!emit(lines) || !opts.follow) return;
    const interval = opts.pollIntervalMs ?? 100;
    let stoppedChecks = 0;
    while (!signal?.aborted) {
      const st = await stat(logPath).catch(() => undefined);
      if (st && st.size > pos) {
        const buf = Buffer.alloc(st.size - pos);
        await fh.read(buf, 0, buf.length, pos);
        pos = st.size;
        let chunk = carry + buf.toString('utf8');
        const c = chunk.lastIndexOf('\n');
        carry = chunk.slice(c + 1);
        chunk = chunk.slice(0, c + 1);
        if (!emit(renderLines(chunk, { ...opts, tailLines: undefined }))) return;
        continue;
      }
      if (!(await isRunning())) {
        // One more pass after the container stopped, so nothing written at the end is lost.
        if (++stoppedChecks > 1) return;
        continue;
      }
      await sleep(interval, undefined, { signal }).catch(() => {});
    }
  } finally {
    await fh.close();
  }
}
