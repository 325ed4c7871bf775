import test from 'ava';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isSyncError } from '../../container/sync-result.ts';
import { expandSubPathExpr, prepareSubPath, subPathOf, validateSubPath } from './subpath.ts';

const env = [
  { key: 'POD_NAME', value: 'foo' },
  { key: 'ANNOTATION', value: 'mypath' },
  { key: 'EMPTY', value: '' },
];

const expandCases: { name: string; expr: string; want?: string; error?: string }[] = [
  { name: 'one variable', expr: '$(POD_NAME)', want: 'foo' },
  { name: 'two variables and text', expr: '$(ANNOTATION)/$(POD_NAME)/x', want: 'mypath/foo/x' },
  { name: '$$ escapes', expr: '$$(POD_NAME)', want: '$(POD_NAME)' },
  { name: 'a missing variable', expr: '$(NOPE)/$(POD_NAME)', error: 'missing value for NOPE' },
  { name: 'an empty variable counts as missing', expr: '$(EMPTY)', error: 'missing value for EMPTY' },
  { name: 'missing names are listed sorted', expr: '$(B)$(A)', error: 'missing value for A, B' },
];
for (const tc of expandCases) {
  test(`expandSubPathExpr: ${tc.name}`, (t) => {
    if (tc.error) {
      const err = t.throws(() => expandSubPathExpr(tc.expr, env));
      t.is(err?.message, tc.error!);
      t.true(isSyncError(err) && err.reason === 'CreateContainerConfigError');
    } else t.is(expandSubPathExpr(tc.expr, env), tc.want!);
  });
}

const validateCases: { name: string; subPath: string; error?: string }[] = [
  { name: 'relative', subPath: 'a/b' },
  { name: 'dots inside names are fine', subPath: 'a..b/..c' },
  { name: 'absolute', subPath: '/tmp', error: 'error SubPath `/tmp` must not be an absolute path' },
  { name: 'backsteps', subPath: '..', error: "unable to provision SubPath `..`: must not contain '..'" },
  { name: 'backsteps inside', subPath: 'a/../../b', error: "unable to provision SubPath `a/../../b`: must not contain '..'" },
];
for (const tc of validateCases) {
  test(`validateSubPath: ${tc.name}`, (t) => {
    if (tc.error) t.is(t.throws(() => validateSubPath(tc.subPath))?.message, tc.error!);
    else t.notThrows(() => validateSubPath(tc.subPath));
  });
}

test('subPathOf: subPathExpr is expanded and validated; subPath is taken as is', (t) => {
  t.is(subPathOf({ name: 'v', mountPath: '/m', subPathExpr: '$(POD_NAME)' }, env), 'foo');
  t.is(subPathOf({ name: 'v', mountPath: '/m', subPath: 'x/y' }, env), 'x/y');
  t.is(subPathOf({ name: 'v', mountPath: '/m' }, env), '');
  t.throws(() => subPathOf({ name: 'v', mountPath: '/m', subPathExpr: '$(ABS)' }, [{ key: 'ABS', value: '/tmp' }]), { message: /must not be an absolute path/ });
});

async function volume(t: { teardown(fn: () => Promise<void>): void }, mode = 0o777): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'subpath-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const vol = path.join(dir, 'vol');
  await mkdir(vol);
  const { chmod } = await import('node:fs/promises');
  await chmod(vol, mode);
  return vol;
}

test('prepareSubPath: a missing sub path is created with the volume mode', async (t) => {
  const vol = await volume(t, 0o2775);
  const host = await prepareSubPath(vol, 'a/b', 'v', 'c');
  t.is(host, path.join(await realpath(vol), 'a', 'b'));
  t.is((await stat(host)).mode & 0o7777, 0o2775);
  t.is((await stat(path.dirname(host))).mode & 0o7777, 0o2775);
});

test('prepareSubPath: an existing file is resolved through the atomic writer symlink', async (t) => {
  const vol = await volume(t);
  await mkdir(path.join(vol, '..2026_01_01'));
  await writeFile(path.join(vol, '..2026_01_01', 'key'), 'value');
  await symlink('..2026_01_01', path.join(vol, '..data'));
  await symlink('..data/key', path.join(vol, 'key'));
  t.is(await prepareSubPath(vol, 'key', 'v', 'c'), path.join(await realpath(vol), '..2026_01_01', 'key'));
});

test('prepareSubPath: a symlink leaving the volume is refused', async (t) => {
  const vol = await volume(t);
  await symlink('/etc', path.join(vol, 'out'));
  const err = await t.throwsAsync(prepareSubPath(vol, 'out', 'v', 'c'));
  t.is(err?.message, 'failed to prepare subPath for volumeMount "v" of container "c"');
  const err2 = await t.throwsAsync(prepareSubPath(vol, 'out/new-dir', 'v', 'c'));
  t.is(err2?.message, 'failed to create subPath directory for volumeMount "v" of container "c"');
});
