import test from 'ava';
import { escapeValue, objectMetaFieldsSet, parse, unescapeValue, oneTermEqualSelector } from './selector.ts';

const cases: { name: string; input: string; canonical: string; match: Record<string, string>[]; noMatch: Record<string, string>[] }[] = [
  { name: 'empty', input: '', canonical: '', match: [{}, { 'metadata.name': 'x' }], noMatch: [] },
  { name: 'equals', input: 'metadata.name=x', canonical: 'metadata.name=x', match: [{ 'metadata.name': 'x' }], noMatch: [{ 'metadata.name': 'y' }, {}] },
  { name: 'double equals', input: 'status.phase==Running', canonical: 'status.phase=Running', match: [{ 'status.phase': 'Running' }], noMatch: [{}] },
  { name: 'not equals', input: 'spec.nodeName!=', canonical: 'spec.nodeName!=', match: [{ 'spec.nodeName': 'n1' }], noMatch: [{}, { 'spec.nodeName': '' }] },
  { name: 'and, sorted', input: 'b=2,a=1', canonical: 'a=1,b=2', match: [{ a: '1', b: '2' }], noMatch: [{ a: '1' }] },
  { name: 'escaped comma and equals', input: 'a=x\\,y\\=z', canonical: 'a=x\\,y\\=z', match: [{ a: 'x,y=z' }], noMatch: [{ a: 'x' }] },
  { name: 'empty terms skipped', input: 'a=1,,', canonical: 'a=1', match: [{ a: '1' }], noMatch: [] },
];
for (const tc of cases) {
  test(`parse: ${tc.name}`, (t) => {
    const s = parse(tc.input);
    t.is(s.toString(), tc.canonical);
    for (const f of tc.match) t.true(s.matches(f));
    for (const f of tc.noMatch) t.false(s.matches(f));
  });
}

const errorCases = [
  { name: 'no operator', input: 'abc', want: "invalid selector: 'abc'; can't understand 'abc'" },
  { name: 'bad escape', input: 'a=\\x', want: 'invalid field selector: invalid escape sequence: \\x' },
  { name: 'unescaped equals', input: 'a=b=c', want: 'invalid field selector: unescaped character in value: =' },
  { name: 'trailing backslash', input: 'a=b\\', want: 'invalid field selector: invalid escape sequence: \\' },
];
for (const tc of errorCases) {
  test(`parse error: ${tc.name}`, (t) => {
    t.throws(() => parse(tc.input), { message: tc.want });
  });
}

test('escape round trip', (t) => {
  const v = 'a\\b,c=d';
  t.is(unescapeValue(escapeValue(v)), v);
});

test('requiresExactMatch and transform', (t) => {
  const s = parse('metadata.name=x,status.phase!=Failed');
  t.is(s.requiresExactMatch('metadata.name'), 'x');
  t.is(s.requiresExactMatch('status.phase'), undefined);
  t.is(s.transform((f, v) => ({ field: f === 'metadata.name' ? 'name' : f, value: v })).toString(), 'name=x,status.phase!=Failed');
  t.is(oneTermEqualSelector('a', 'b').toString(), 'a=b');
});

test('objectMetaFieldsSet', (t) => {
  t.deepEqual(objectMetaFieldsSet({ name: 'a', namespace: 'n' }, true), { 'metadata.name': 'a', 'metadata.namespace': 'n' });
  t.deepEqual(objectMetaFieldsSet({ name: 'a' }, false), { 'metadata.name': 'a' });
});
