import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { canConnect, freePort, isAlive, portIsFree, readPidFile, startDaemon, stopPidFile, stopProcess, waitFor } from './process.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-proc-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('startDaemon writes a pid file; stopPidFile stops the process and removes the file', async (t) => {
  const pidFile = path.join(dir, 'sleep.pid');
  const pid = await startDaemon({ command: 'sleep', args: ['30'], logFile: path.join(dir, 'sleep.log'), pidFile });
  t.is(await readPidFile(pidFile), pid);
  t.true(isAlive(pid, 'sleep'));
  t.false(isAlive(pid, 'containerd'), 'a pid whose command line does not match is not ours');
  t.true(await stopPidFile(pidFile, { expect: 'sleep' }));
  t.false(isAlive(pid));
  t.is(await readPidFile(pidFile), undefined);
});

test('startDaemon reports a missing binary', async (t) => {
  await t.throwsAsync(startDaemon({ command: '/nonexistent/bin', args: [], logFile: path.join(dir, 'x.log'), pidFile: path.join(dir, 'x.pid') }), { message: /start \/nonexistent\/bin/ });
});

test('stopProcess escalates to SIGKILL after the grace period', async (t) => {
  const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 0.05; done'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 100));
  const start = Date.now();
  t.true(await stopProcess(child.pid!, { graceMs: 200 }));
  t.true(Date.now() - start >= 200);
  t.false(isAlive(child.pid!));
});

const waitCases = [
  { name: 'waitFor resolves once the check passes', checks: [false, false, true], ok: true },
  { name: 'waitFor times out naming the condition', checks: [false], ok: false },
];
for (const tc of waitCases) {
  test(tc.name, async (t) => {
    let i = 0;
    const p = waitFor(() => tc.checks[Math.min(i++, tc.checks.length - 1)] ?? false, { timeoutMs: 150, intervalMs: 10, what: 'the thing' });
    if (tc.ok) await t.notThrowsAsync(p);
    else await t.throwsAsync(p, { message: /timed out after 150ms waiting for the thing/ });
  });
}

test('freePort, portIsFree and canConnect agree', async (t) => {
  const port = await freePort();
  t.true(await portIsFree(port));
  t.false(await canConnect({ host: '127.0.0.1', port }));
  const srv = net.createServer().listen(port, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  try {
    t.false(await portIsFree(port));
    t.true(await canConnect({ host: '127.0.0.1', port }));
  } finally {
    srv.close();
  }
});
