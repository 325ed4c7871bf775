import test from 'ava';
import { lstat, mkdtemp, readFile, readlink, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DATA_DIR_NAME, timestampDirName, validatePayloadPath, writeAtomically, type FileProjection } from './atomic-writer.ts';

const f = (data: string, mode = 0o644): FileProjection => ({ data: Buffer.from(data), mode });

const pathCases: { name: string; path: string; ok: boolean }[] = [
  { name: 'a plain name is valid', path: 'data-1', ok: true },
  { name: 'a nested path is valid', path: 'path/to/data-2', ok: true },
  { name: 'an absolute path is rejected', path: '/etc/passwd', ok: false },
  { name: 'a .. element is rejected', path: 'a/../b', ok: false },
  { name: 'a leading .. name is rejected', path: '..data', ok: false },
  { name: 'an empty path is rejected', path: '', ok: false },
];
for (const tc of pathCases) test(`validatePayloadPath: ${tc.name}`, (t) => t.is(validatePayloadPath(tc.path) === undefined, tc.ok));

test('timestampDirName renders the upstream layout', (t) => {
  t.is(timestampDirName(new Date(Date.UTC(2026, 10, 27, 5, 10, 0, 123)), '456789'), '..2026_11_27_05_10_00.123456789');
});

test('writeAtomically: ..data symlink, user-visible symlinks, modes; an update swaps the payload and drops removed keys', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aw-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.true(await writeAtomically(dir, new Map([['a', f('1')], ['sub/b', f('2', 0o400)]])));
  const ts1 = await readlink(path.join(dir, DATA_DIR_NAME));
  t.regex(ts1, /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/);
  t.is(await readlink(path.join(dir, 'a')), path.join(DATA_DIR_NAME, 'a'));
  t.is(await readFile(path.join(dir, 'sub', 'b'), 'utf8'), '2');
  t.is((await stat(path.join(dir, 'sub', 'b'))).mode & 0o777, 0o400);
  t.is((await stat(path.join(dir, 'a'))).mode & 0o777, 0o644);
  // unchanged payload: nothing written
  t.false(await writeAtomically(dir, new Map([['a', f('1')], ['sub/b', f('2', 0o400)]])));
  t.is(await readlink(path.join(dir, DATA_DIR_NAME)), ts1);
  // update: new content, 'sub' removed
  t.true(await writeAtomically(dir, new Map([['a', f('changed')]])));
  const ts2 = await readlink(path.join(dir, DATA_DIR_NAME));
  t.not(ts2, ts1);
  t.is(await readFile(path.join(dir, 'a'), 'utf8'), 'changed');
  await t.throwsAsync(lstat(path.join(dir, 'sub')));
  const names = (await readdir(dir)).sort();
  t.deepEqual(names, [DATA_DIR_NAME, ts2, 'a'].sort());
});

test('writeAtomically: fsGroup adds group read and owns files', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aw-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeAtomically(dir, new Map([['a', f('1', 0o400)]]), { fsGroup: 1234 });
  const st = await stat(path.join(dir, 'a'));
  t.is(st.mode & 0o777, 0o440);
  t.is(st.gid, 1234);
});

test('writeAtomically: an invalid path fails before writing', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'aw-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.throwsAsync(writeAtomically(dir, new Map([['../x', f('1')]])), { message: /must not contain '\.\.'/ });
});
