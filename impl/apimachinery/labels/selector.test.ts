import test from 'ava';
import { fieldPath } from '../field-path.ts';
import { labelSelectorAsSelector, parse, selectorFromSet, formatLabels, validateLabelSelector, newRequirement } from './selector.ts';

const parseCases: { name: string; input: string; canonical: string; match: Record<string, string>[]; noMatch: Record<string, string>[] }[] = [
  { name: 'empty matches everything', input: '', canonical: '', match: [{}, { a: 'b' }], noMatch: [] },
  { name: 'equals', input: 'app=web', canonical: 'app=web', match: [{ app: 'web' }], noMatch: [{}, { app: 'db' }] },
  { name: 'double equals', input: 'app==web', canonical: 'app==web', match: [{ app: 'web' }], noMatch: [{ app: 'x' }] },
  { name: 'not equals matches missing', input: 'app!=web', canonical: 'app!=web', match: [{}, { app: 'db' }], noMatch: [{ app: 'web' }] },
  { name: 'in', input: 'env in (prod, qa)', canonical: 'env in (prod,qa)', match: [{ env: 'qa' }], noMatch: [{ env: 'dev' }, {}] },
  { name: 'notin', input: 'env notin (prod,qa)', canonical: 'env notin (prod,qa)', match: [{ env: 'dev' }, {}], noMatch: [{ env: 'prod' }] },
  { name: 'exists', input: 'app', canonical: 'app', match: [{ app: '' }], noMatch: [{}] },
  { name: 'does not exist', input: '!app', canonical: '!app', match: [{}], noMatch: [{ app: 'x' }] },
  { name: 'gt', input: 'n>5', canonical: 'n>5', match: [{ n: '6' }], noMatch: [{ n: '5' }, { n: 'x' }, {}] },
  { name: 'lt', input: 'n<5', canonical: 'n<5', match: [{ n: '-1' }], noMatch: [{ n: '5' }] },
  { name: 'several sorted by key', input: 'z=1, a in (x), !m', canonical: 'a in (x),!m,z=1', match: [{ z: '1', a: 'x' }], noMatch: [{ z: '1', a: 'x', m: '' }] },
  { name: 'empty value', input: 'a=', canonical: 'a=', match: [{ a: '' }], noMatch: [{}] },
  { name: 'empty parentheses', input: 'a in ()', canonical: 'a in ()', match: [{ a: '' }], noMatch: [{ a: 'x' }] },
  { name: 'keyword as key and value', input: 'in in (notin)', canonical: 'in in (notin)', match: [{ in: 'notin' }], noMatch: [] },
  { name: 'prefixed key', input: 'app.kubernetes.io/name=x', canonical: 'app.kubernetes.io/name=x', match: [{ 'app.kubernetes.io/name': 'x' }], noMatch: [] },
  { name: 'values deduplicated and sorted', input: 'a in (c,b,c)', canonical: 'a in (b,c)', match: [{ a: 'b' }], noMatch: [] },
];
for (const tc of parseCases) {
  test(`parse: ${tc.name}`, (t) => {
    const s = parse(tc.input);
    t.is(s.toString(), tc.canonical);
    for (const l of tc.match) t.true(s.matches(l), JSON.stringify(l));
    for (const l of tc.noMatch) t.false(s.matches(l), JSON.stringify(l));
    t.is(parse(s.toString()).toString(), tc.canonical, 'round trip');
  });
}

const KEY_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const errorCases = [
  { name: 'trailing comma', input: 'a=b,', want: "found '', expected: identifier after ','" },
  { name: 'two values', input: 'a=b c', want: "found 'c', expected: ',' or 'end of string'" },
  { name: 'missing operator', input: 'a b', want: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" },
  { name: 'in without parenthesis', input: 'a in b', want: "unable to parse requirement: found 'b' expected: '('" },
  { name: 'unclosed in', input: 'a in (b', want: "unable to parse requirement: found '', expected: ',' or ')'" },
  { name: 'leading operator', input: '=a', want: "found '=', expected: !, identifier, or 'end of string'" },
  { name: 'bad key', input: 'a_=b', want: `unable to parse requirement: <nil>: Invalid value: "a_": ${KEY_MSG}` },
  { name: 'bad value', input: 'a=b_', want: `unable to parse requirement: values[0][a]: Invalid value: "b_": ${VALUE_MSG}` },
  { name: 'gt non integer', input: 'a>b', want: `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer` },
  { name: 'double bang', input: '!!a', want: "unable to parse requirement: found '!', expected: identifier" },
];
for (const tc of errorCases) {
  test(`parse error: ${tc.name}`, (t) => {
    const err = t.throws(() => parse(tc.input));
    t.is(err?.message, tc.want);
    t.is(err?.name, 'SelectorParseError');
  });
}

test('newRequirement: in with no values', (t) => {
  const err = t.throws(() => newRequirement('a', 'in', []));
  t.is(err?.message, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty");
});

test('labelSelectorAsSelector: nil matches nothing, empty matches everything', (t) => {
  t.false(labelSelectorAsSelector(undefined).matches({}));
  t.true(labelSelectorAsSelector({}).matches({ a: 'b' }));
});

test('labelSelectorAsSelector: matchLabels and matchExpressions', (t) => {
  const s = labelSelectorAsSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['fe', 'be'] },
      { key: 'canary', operator: 'DoesNotExist' },
    ],
  });
  t.is(s.toString(), 'app=web,!canary,tier in (be,fe)');
  t.true(s.matches({ app: 'web', tier: 'fe' }));
  t.false(s.matches({ app: 'web', tier: 'fe', canary: 'y' }));
  t.is(s.requiresExactMatch('app'), 'web');
});

test('labelSelectorAsSelector: bad operator', (t) => {
  t.throws(() => labelSelectorAsSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }), {
    message: '"Gt" is not a valid label selector operator',
  });
});

test('validateLabelSelector: upstream field errors', (t) => {
  const errs = validateLabelSelector(
    { matchLabels: { ok: 'fine' }, matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }, { key: 'c', operator: 'Bad' }] },
    {},
    fieldPath('spec', 'selector'),
  );
  t.deepEqual(errs.map(String), [
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Bad": not a valid selector operator',
  ]);
});

test('selectorFromSet and formatLabels', (t) => {
  t.is(selectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
  t.is(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  t.is(formatLabels({}), '<none>');
});
