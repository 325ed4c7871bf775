import test from 'ava';
import { getScaledValueFromIntOrPercent, intValue, parseIntOrString } from './intstr.ts';

const scaled = [
  { name: 'int as is', v: 3, total: 10, up: true, want: 3 },
  { name: 'percent round up', v: '25%', total: 10, up: true, want: 3 },
  { name: 'percent round down', v: '25%', total: 10, up: false, want: 2 },
  { name: 'hundred percent', v: '100%', total: 7, up: false, want: 7 },
  { name: 'zero percent', v: '0%', total: 7, up: true, want: 0 },
];
for (const tc of scaled) {
  test(`getScaledValueFromIntOrPercent: ${tc.name}`, (t) => {
    t.is(getScaledValueFromIntOrPercent(tc.v, tc.total, tc.up), tc.want);
  });
}

const bad = [
  { name: 'not a percentage', v: '5', want: 'invalid value for IntOrString: invalid type: string is not a percentage' },
  { name: 'bad number', v: 'x%', want: 'invalid value for IntOrString: invalid value "x%": strconv.Atoi: parsing "x": invalid syntax' },
  { name: 'nil', v: undefined, want: 'nil value for IntOrString' },
];
for (const tc of bad) {
  test(`getScaledValueFromIntOrPercent error: ${tc.name}`, (t) => {
    t.throws(() => getScaledValueFromIntOrPercent(tc.v, 10, true), { message: tc.want });
  });
}

test('parseIntOrString and intValue', (t) => {
  t.is(parseIntOrString('8080'), 8080);
  t.is(parseIntOrString('http'), 'http');
  t.is(intValue('42'), 42);
  t.is(intValue('http'), 0);
});
