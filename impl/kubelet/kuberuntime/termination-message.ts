/**
 * Termination messages (upstream: pkg/kubelet/kuberuntime/kuberuntime_container.go
 * makeMounts/getTerminationMessage, pkg/kubelet/kuberuntime/logs): the kubelet bind-mounts an
 * empty file of its own at the container's `terminationMessagePath`; after the container exits
 * it reads at most 4096 bytes from it. With `FallbackToLogsOnError` and a failed container whose
 * file is empty, the message is the tail of its log (80 lines, 2048 bytes at most).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** MAX_CONTAINER_TERMINATION_MESSAGE_LENGTH is upstream's limit for the file (4096 bytes). */
export const MAX_CONTAINER_TERMINATION_MESSAGE_LENGTH = 4096;
/** MAX_CONTAINER_TERMINATION_MESSAGE_LOG_LENGTH / LINES bound the log fallback (upstream). */
export const MAX_CONTAINER_TERMINATION_MESSAGE_LOG_LENGTH = 2048;
export const MAX_CONTAINER_TERMINATION_MESSAGE_LOG_LINES = 80;

/** createTerminationMessageFile makes `<podDir>/containers/<name>/<random>` (mode 0666) and returns its path. */
export async function createTerminationMessageFile(podDir: string, containerName: string): Promise<string> {
  const dir = path.join(podDir, 'containers', containerName);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, randomBytes(4).toString('hex'));
  await writeFile(file, '', { mode: 0o666 });
  // The process umask would leave 0644: a non-root container must be able to write it.
  await chmod(file, 0o666);
  return file;
}

/** readTerminationMessageFile reads the first 4096 bytes of the file ('' when absent). */
export async function readTerminationMessageFile(file: string): Promise<string> {
  let fh;
  try {
    fh = await open(file, 'r');
    const buf = Buffer.alloc(MAX_CONTAINER_TERMINATION_MESSAGE_LENGTH);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return '';
  } finally {
    await fh?.close();
  }
}

/**
 * readLogTail returns the last lines of a CRI-format log (`<time> <stream> <P|F> <text>`),
 * joining partial lines, bounded by lines and bytes (upstream ReadLogs with tail).
 */
export async function readLogTail(logPath: string, maxLines = MAX_CONTAINER_TERMINATION_MESSAGE_LOG_LINES, maxBytes = MAX_CONTAINER_TERMINATION_MESSAGE_LOG_LENGTH): Promise<string> {
  let text: string;
  try {
    text = await readFile(logPath, 'utf8');
  } catch {
    return '';
  }
  const out: string[] = [];
  let partial = '';
  for (const line of text.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(line);
    if (!m) continue;
    partial += m[2];
    if (m[1] === 'F') {
      out.push(`${partial}\n`);
      partial = '';
    }
  }
  // A last line without a newline stays partial (`P`) at the end of the stream: keep it (`echo -n DONE`).
  if (partial) out.push(partial);
  let msg = out.slice(-maxLines).join('');
  if (Buffer.byteLength(msg) > maxBytes) msg = Buffer.from(msg).subarray(-maxBytes).toString('utf8');
  return msg;
}
