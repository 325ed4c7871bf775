import test from 'ava';
import { newMilliQuantity, newQuantity, parseQuantity, QUANTITY_ERRORS } from './quantity.ts';

const canonical = [
  { input: '0', want: '0' },
  { input: '-0', want: '0' },
  { input: '1', want: '1' },
  { input: '100m', want: '100m' },
  { input: '0.1', want: '100m' },
  { input: '1.5', want: '1500m' },
  { input: '1000m', want: '1' },
  { input: '1500', want: '1500' },
  { input: '2000', want: '2k' },
  { input: '1k', want: '1k' },
  { input: '1000k', want: '1M' },
  { input: '128974848', want: '128974848' },
  { input: '129e6', want: '129e6' },
  { input: '123Mi', want: '123Mi' },
  { input: '1024Mi', want: '1Gi' },
  { input: '1536Mi', want: '1536Mi' },
  { input: '1.5Gi', want: '1536Mi' },
  { input: '512Ki', want: '512Ki' },
  { input: '1Ki', want: '1Ki' },
  { input: '0.5Ki', want: '512' },
  { input: '1024', want: '1024' },
  { input: '1e3', want: '1e3' },
  { input: '1E3', want: '1E3' },
  { input: '1.5e3', want: '1500' },
  { input: '1e-3', want: '1e-3' },
  { input: '1n', want: '1n' },
  { input: '0.1n', want: '1n' },
  { input: '1u', want: '1u' },
  { input: '10u', want: '10u' },
  { input: '-5m', want: '-5m' },
  { input: '-1.5Gi', want: '-1536Mi' },
  { input: '1.', want: '1.' }, // upstream keeps the input string on its fast path
  { input: '.5', want: '500m' },
  { input: '8Ei', want: '9223372036854775807' },
  { input: '7Ei', want: '7Ei' },
  { input: '12Ei', want: '9223372036854775807' },
  { input: '1G', want: '1G' },
  { input: '1T', want: '1T' },
  { input: '1P', want: '1P' },
  { input: '1E', want: '1E' },
];
for (const tc of canonical) {
  test(`canonical: ${tc.input} -> ${tc.want}`, (t) => {
    t.is(parseQuantity(tc.input).toString(), tc.want);
    t.is(JSON.stringify(parseQuantity(tc.input)), JSON.stringify(tc.want));
  });
}

const invalid = [
  { input: '', want: QUANTITY_ERRORS.formatWrong },
  { input: 'abc', want: QUANTITY_ERRORS.formatWrong },
  { input: '1x', want: QUANTITY_ERRORS.formatWrong },
  { input: '1.5.5', want: QUANTITY_ERRORS.formatWrong },
  { input: '1Kii', want: QUANTITY_ERRORS.suffix },
  { input: '1KiB', want: QUANTITY_ERRORS.formatWrong },
  { input: '1 Gi', want: QUANTITY_ERRORS.formatWrong },
  { input: '1mm', want: QUANTITY_ERRORS.suffix },
];
for (const tc of invalid) {
  test(`invalid: ${JSON.stringify(tc.input)}`, (t) => {
    t.throws(() => parseQuantity(tc.input), { message: tc.want });
  });
}

test('error text is upstream', (t) => {
  t.is(QUANTITY_ERRORS.formatWrong, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});

const values = [
  { input: '1500m', value: 2, milli: 1500 },
  { input: '100m', value: 1, milli: 100 },
  { input: '2', value: 2, milli: 2000 },
  { input: '1Gi', value: 1073741824, milli: 1073741824000 },
  { input: '0.5m', value: 1, milli: 1 },
  { input: '-1500m', value: -2, milli: -1500 },
];
for (const tc of values) {
  test(`value/milliValue: ${tc.input}`, (t) => {
    const q = parseQuantity(tc.input);
    t.is(q.value(), tc.value);
    t.is(q.milliValue(), tc.milli);
  });
}

test('cmp and add', (t) => {
  t.is(parseQuantity('1Gi').cmp(parseQuantity('1024Mi')), 0);
  t.is(parseQuantity('1G').cmp(parseQuantity('1Gi')), -1);
  t.is(parseQuantity('2').cmp(parseQuantity('1500m')), 1);
  t.is(parseQuantity('100m').add(parseQuantity('900m')).toString(), '1');
  t.is(parseQuantity('1Gi').add(parseQuantity('1Gi')).toString(), '2Gi');
  t.is(parseQuantity('1').sub(parseQuantity('250m')).toString(), '750m');
  t.is(newQuantity(0).add(parseQuantity('1Ki')).toString(), '1Ki');
  t.is(newMilliQuantity(250).toString(), '250m');
  t.is(newQuantity(2048, 'BinarySI').toString(), '2Ki');
});
