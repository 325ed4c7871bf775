import test from 'ava';
import { fieldPath } from '#impl/apimachinery/index.ts';
import { validateSysctls } from './strategy.ts';

const cases: { name: string; sysctls: unknown; want: string[] }[] = [
  { name: 'valid names with dots, slashes, dashes', sysctls: [{ name: 'kernel.shmmax', value: '1' }, { name: 'safe-and-unsafe', value: '1' }, { name: 'net/ipv4/ip_forward', value: '1' }], want: [] },
  { name: 'upstream conformance names', sysctls: [{ name: 'foo-' }, { name: 'kernel.shmmax' }, { name: 'safe-and-unsafe' }, { name: 'bar..' }], want: ['s[0].name=foo-', 's[3].name=bar..'] },
  { name: 'a duplicate', sysctls: [{ name: 'kernel.msgmax' }, { name: 'kernel.msgmax' }], want: ['s[1].name=kernel.msgmax'] },
  { name: 'a missing name', sysctls: [{ value: '1' }], want: ['s[0].name='] },
  { name: 'not a list', sysctls: undefined, want: [] },
];
for (const tc of cases) {
  test(`validateSysctls: ${tc.name}`, (t) => {
    const errs = validateSysctls(tc.sysctls, fieldPath('s'));
    t.deepEqual(errs.map((e) => `${e.field}=${e.badValue ?? ''}`), tc.want);
  });
}
