import test from 'ava';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCriLogLine, readLogs, renderLines } from './logs.ts';

const LOG = [
  '2026-11-27T03:00:00.000000001Z stdout F one',
  '2026-11-27T03:00:01.000000000Z stderr P tw',
  '2026-11-27T03:00:01.100000000Z stderr F o',
  '2026-11-27T03:00:02.000000000Z stdout F three',
  '',
].join('\n');

test('parseCriLogLine reads time, stream, tag and content', (t) => {
  t.deepEqual(parseCriLogLine('2026-11-27T03:00:00Z stdout P a b'), { time: '2026-11-27T03:00:00Z', stream: 'stdout', partial: true, content: 'a b' });
  t.deepEqual(parseCriLogLine('2026-11-27T03:00:00Z stdout F'), { time: '2026-11-27T03:00:00Z', stream: 'stdout', partial: false, content: '' });
  t.is(parseCriLogLine('garbage'), undefined);
});

const cases: { name: string; opts: Parameters<typeof renderLines>[1]; want: string[] }[] = [
  { name: 'content only, partial lines joined', opts: {}, want: ['one\n', 'two\n', 'three\n'] },
  { name: 'timestamps prefix the first part time', opts: { timestamps: true }, want: ['2026-11-27T03:00:00.000000001Z one\n', '2026-11-27T03:00:01.000000000Z two\n', '2026-11-27T03:00:02.000000000Z three\n'] },
  { name: 'sinceTime drops older lines', opts: { sinceTime: Date.parse('2026-11-27T03:00:01Z') }, want: ['two\n', 'three\n'] },
];
for (const tc of cases) test(`renderLines: ${tc.name}`, (t) => t.deepEqual(renderLines(LOG, tc.opts), tc.want));

test('readLogs: tailLines and limitBytes', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-logs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, '0.log');
  writeFileSync(file, LOG);
  let out = '';
  await readLogs(file, { tailLines: 2 }, (c) => (out += c), async () => false);
  t.is(out, 'two\nthree\n');
  out = '';
  await readLogs(file, { limitBytes: 6 }, (c) => (out += c), async () => false);
  t.is(out, 'one\ntw');
});

test('readLogs: follow streams appended lines until the container stops', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kubets-logs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, '0.log');
  writeFileSync(file, LOG);
  let running = true;
  let out = '';
  const done = readLogs(file, { follow: true, tailLines: 1, pollIntervalMs: 10 }, (c) => (out += c), async () => running);
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(file, '2026-11-27T03:00:03Z stdout F four\n');
  await new Promise((r) => setTimeout(r, 50));
  running = false;
  await done;
  t.is(out, 'three\nfour\n');
});

test('renderLines: a trailing partial line is kept without a newline', (t) => {
  t.deepEqual(renderLines('2026-11-27T03:00:00Z stdout F one\n2026-11-27T03:00:01Z stdout P last\n', {}), ['one\n', 'last']);
});
