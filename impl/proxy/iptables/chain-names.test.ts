import test from 'ava';
import { base32, chainNames, clusterTag, isValidTag, ownsChain, servicePortChainName, servicePortEndpointChainName } from './chain-names.ts';

test('base32 matches RFC 4648 vectors (unpadded)', (t) => {
  const enc = (s: string) => base32(new TextEncoder().encode(s));
  t.is(enc('f'), 'MY');
  t.is(enc('foobar'), 'MZXW6YTBOI');
});

test('clusterTag is 5 characters of [a-z2-7], stable per seed, different per seed', (t) => {
  const a = clusterTag('data-dir:/tmp/a');
  t.regex(a, /^[a-z2-7]{5}$/);
  t.is(clusterTag('data-dir:/tmp/a'), a);
  t.not(clusterTag('data-dir:/tmp/b'), a);
  t.true(isValidTag(a));
  t.false(isValidTag('Bad-1'));
});

const cases: Array<{ name: string; chain: string; owned: boolean }> = [
  { name: 'fixed chain', chain: 'KUBE-SERVICES-abcde', owned: true },
  { name: 'longest fixed chain', chain: 'KUBE-EXTERNAL-SERVICES-abcde', owned: true },
  { name: 'service chain', chain: servicePortChainName('SVC', 'abcde', 'ns/x:http', 'TCP'), owned: true },
  { name: 'endpoint chain', chain: servicePortEndpointChainName('abcde', 'ns/x:http', 'TCP', '198.18.0.5:80'), owned: true },
  { name: 'another instance', chain: 'KUBE-SERVICES-zzzzz', owned: false },
  { name: "another instance's service chain", chain: servicePortChainName('SVC', 'zzzzz', 'ns/x:http', 'TCP'), owned: false },
  { name: 'upstream kube-proxy chain', chain: 'KUBE-SERVICES', owned: false },
  { name: 'portmap chain', chain: 'CNI-HOSTPORT-DNAT', owned: false },
];
for (const tc of cases) {
  test(`ownsChain: ${tc.name}`, (t) => {
    t.is(ownsChain('abcde', tc.chain), tc.owned);
    t.true(tc.chain.length <= 28, `${tc.chain} is ${tc.chain.length} characters`);
  });
}

test('every fixed chain name fits 28 characters', (t) => {
  for (const c of Object.values(chainNames('abcde'))) t.true(c.length <= 28, c);
});
