/**
 * The audit log backend: one JSON line per event (`--audit-log-path`, `-` for stdout), with
 * size-based rotation (`--audit-log-maxsize` MB, `--audit-log-maxbackup` files).
 *
 * upstream: staging/src/k8s.io/apiserver/plugin/pkg/audit/log/backend.go (format "json")
 */
import { closeSync, existsSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { AuditBackend, AuditEvent } from './auditor.ts';

/** LogBackendOptions configures {@link newLogBackend}. */
export interface LogBackendOptions {
  path: string;
  /** Rotate when the file would exceed this many megabytes (0 = never). */
  maxSizeMB?: number;
  /** Rotated files to keep (`PATH.1` newest); 0 = keep none. */
  maxBackup?: number;
  /** Called when a write fails (upstream logs and drops the event). */
  onError?: (err: unknown) => void;
}

/**
 * newLogBackend appends events as JSON lines. Writes are synchronous and small, so events of one
 * request stay ordered and a crash loses at most the event being written.
 */
export function newLogBackend(opts: LogBackendOptions): AuditBackend & { shutdown(): Promise<void> } {
  const toStdout = opts.path === '-';
  let fd = toStdout ? 1 : openSync(opts.path, 'a', 0o600);
  let size = toStdout ? 0 : statSync(opts.path).size;
  const max = (opts.maxSizeMB ?? 0) * 1024 * 1024;
  const rotate = () => {
    closeSync(fd);
    const keep = opts.maxBackup ?? 0;
    for (let i = keep; i >= 1; i--) {
      const from = i === 1 ? opts.path : `${opts.path}.${i - 1}`;
      if (existsSync(from)) renameSync(from, `${opts.path}.${i}`);
    }
    if (keep === 0 && existsSync(opts.path)) unlinkSync(opts.path);
    fd = openSync(opts.path, 'a', 0o600);
    size = 0;
  };
  return {
    processEvents(...events: AuditEvent[]): void {
      for (const e of events) {
        try {
          const line = Buffer.from(`${JSON.stringify(e)}\n`);
          if (!toStdout && max > 0 && size > 0 && size + line.length > max) rotate();
          writeSync(fd, line);
          size += line.length;
        } catch (err) {
          opts.onError?.(err);
        }
      }
    },
    async shutdown(): Promise<void> {
      if (!toStdout) closeSync(fd);
    },
  };
}

/** newMemoryBackend keeps events in an array (tests, and `kubets` debugging). */
export function newMemoryBackend(): AuditBackend & { events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { events, processEvents: (...e) => void events.push(...e) };
}
