import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTar, writeTar, type TarEntry } from './tar-writer.ts';

const file = (p: string, s: string, mode?: number): TarEntry => ({ type: 'file', path: p, content: Buffer.from(s), mode });

const cases: Array<{ name: string; entries: TarEntry[]; check: (t: import('ava').ExecutionContext, out: ReturnType<typeof readTar>) => void }> = [
  {
    name: 'entries come out sorted by path with mtime 0 and uid/gid 0',
    entries: [file('b', 'B'), { type: 'dir', path: 'a' }, file('a/x', 'X', 0o755)],
    check: (t, out) => {
      t.deepEqual(out.map((e) => e.path), ['a', 'a/x', 'b']);
      t.true(out.every((e) => e.mtime === 0 && e.uid === 0 && e.gid === 0));
      t.is(out[1]?.mode, 0o755);
      t.is(out[1]?.content.toString(), 'X');
    },
  },
  {
    name: 'symlinks keep their target',
    entries: [{ type: 'symlink', path: 'bin/sh', target: 'busybox' }],
    check: (t, out) => t.like(out[0], { type: 'symlink', target: 'busybox' }),
  },
  {
    name: 'long paths are split into ustar prefix and name',
    entries: [file(`${'d'.repeat(120)}/${'f'.repeat(90)}`, 'long')],
    check: (t, out) => t.is(out[0]?.path, `${'d'.repeat(120)}/${'f'.repeat(90)}`),
  },
  {
    name: 'directory modes such as sticky /tmp survive',
    entries: [{ type: 'dir', path: 'tmp', mode: 0o1777 }],
    check: (t, out) => t.is(out[0]?.mode, 0o1777),
  },
];

for (const tc of cases) {
  test(tc.name, (t) => tc.check(t, readTar(writeTar(tc.entries))));
}

test('the same entries in any order give identical bytes', (t) => {
  const a = [file('x', '1'), file('y', '2'), { type: 'dir', path: 'z' } as TarEntry];
  t.deepEqual(writeTar(a), writeTar([...a].reverse()));
});

test('duplicate and absolute paths are rejected', (t) => {
  t.throws(() => writeTar([file('x', '1'), file('x', '2')]), { message: /duplicate entry x/ });
  t.throws(() => writeTar([file('/x', '1')]), { message: /relative/ });
});

test('GNU tar reads the archive', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-tar-'));
  try {
    const f = path.join(dir, 'a.tar');
    writeFileSync(f, writeTar([{ type: 'dir', path: 'etc' }, file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'), { type: 'symlink', path: 'sh', target: 'busybox' }]));
    const listing = execFileSync('tar', ['-tvf', f], { encoding: 'utf8' });
    t.regex(listing, /etc\/passwd/);
    t.regex(listing, /sh -> busybox/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
