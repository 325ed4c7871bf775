import test from 'ava';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pauseBinary } from './pause-elf.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-pause-'));
const bin = path.join(dir, 'pause');
writeFileSync(bin, pauseBinary(), { mode: 0o755 });
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('pause is a small static ELF and deterministic', (t) => {
  const b = pauseBinary();
  t.deepEqual([...b.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
  t.true(b.length < 512);
  t.deepEqual(b, pauseBinary());
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`pause exits 0 on ${signal}`, async (t) => {
    const child = spawn(bin, [], { stdio: 'ignore' });
    await sleep(150);
    t.is(child.exitCode, null, 'still running before the signal');
    const done = new Promise<[number | null, string | null]>((r) => child.on('exit', (code, sig) => r([code, sig])));
    child.kill(signal);
    t.deepEqual(await done, [0, null]);
  });
}

test('pause ignores SIGCHLD without exiting', async (t) => {
  const child = spawn(bin, [], { stdio: 'ignore' });
  await sleep(100);
  child.kill('SIGCHLD');
  await sleep(100);
  t.is(child.exitCode, null);
  child.kill('SIGKILL');
});

const canUnshare = process.getuid?.() === 0 && spawnSync('unshare', ['--version']).status === 0;
(canUnshare ? test : test.skip)('as PID 1 of a PID namespace, pause reaps orphaned zombies', async (t) => {
  // unshare -fp forks pause as PID 1 of a new PID namespace; a grandchild orphaned inside it is
  // reparented to pause, and must not stay a zombie after it exits.
  const u = spawn('unshare', ['-fp', '--mount-proc', bin], { stdio: 'ignore' });
  try {
    await sleep(300);
    const pausePid = Number(execFileSync('pgrep', ['-P', String(u.pid)], { encoding: 'utf8' }).trim());
    t.true(pausePid > 0);
    execFileSync('nsenter', ['-t', String(pausePid), '-p', '-m', 'sh', '-c', 'sh -c "sleep 0.1 &"; true']);
    await sleep(600);
    const children = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          return Number(fields[1]) === pausePid;
        } catch {
          return false;
        }
      });
    t.deepEqual(children, [], 'no children (and so no zombies) left under pause');
    process.kill(pausePid, 'SIGTERM');
    const code = await new Promise<number | null>((r) => u.on('exit', (c) => r(c)));
    t.is(code, 0);
  } finally {
    u.kill('SIGKILL');
  }
});
