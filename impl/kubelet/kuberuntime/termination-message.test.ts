import test from 'ava';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTerminationMessageFile, readLogTail } from './termination-message.ts';

const cases: { name: string; log: string; want: string; lines?: number; bytes?: number }[] = [
  { name: 'full lines keep their newline', log: '2026-01-01T00:00:00Z stdout F a\n2026-01-01T00:00:00Z stdout F b\n', want: 'a\nb\n' },
  { name: 'partial lines are joined', log: '2026-01-01T00:00:00Z stdout P a\n2026-01-01T00:00:00Z stdout F b\n', want: 'ab\n' },
  { name: 'a last line without newline is kept (echo -n DONE)', log: '2026-01-01T00:00:00Z stdout P DONE\n', want: 'DONE' },
  { name: 'only the last lines are kept', log: '2026-01-01T00:00:00Z stdout F 1\n2026-01-01T00:00:00Z stderr F 2\n2026-01-01T00:00:00Z stdout F 3\n', want: '2\n3\n', lines: 2 },
  { name: 'bytes are bounded from the end', log: '2026-01-01T00:00:00Z stdout F abcdef\n', want: 'ef\n', bytes: 3 },
];
for (const tc of cases) {
  test(`readLogTail: ${tc.name}`, async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tm-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const f = path.join(dir, '0.log');
    await writeFile(f, tc.log);
    t.is(await readLogTail(f, tc.lines, tc.bytes), tc.want);
  });
}

test('createTerminationMessageFile: the file is 0666 whatever the umask (non-root containers write it)', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tm-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = await createTerminationMessageFile(dir, 'c');
  t.is((await stat(f)).mode & 0o777, 0o666);
});
