import test from 'ava';
import { fieldPath } from './field-path.ts';
import { formatIP, isValidCIDR, isValidIP, parseIP } from './ip.ts';

const p = fieldPath('spec', 'clusterIP');
const ipCases = [
  { v: '10.0.0.1', want: [] },
  { v: '2001:db8::1', want: [] },
  { v: '1.2.3', want: ['spec.clusterIP: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'] },
  { v: '010.0.0.1', want: ['spec.clusterIP: Invalid value: "010.0.0.1": must not have leading 0s'] },
  { v: '::ffff:1.2.3.4', want: ['spec.clusterIP: Invalid value: "::ffff:1.2.3.4": must not be an IPv4-mapped IPv6 address'] },
];
for (const tc of ipCases) {
  test(`isValidIP: ${tc.v}`, (t) => {
    t.deepEqual(isValidIP(p, tc.v).map(String), tc.want);
  });
}

const cidrCases = [
  { v: '198.19.0.0/16', want: [] },
  { v: 'fd00::/64', want: [] },
  { v: '198.19.0.1/16', want: ['x: Invalid value: "198.19.0.1/16": must not have bits set beyond the prefix length'] },
  { v: '198.19.0.0', want: ['x: Invalid value: "198.19.0.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'] },
  { v: '10.0.0.0/33', want: ['x: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'] },
];
for (const tc of cidrCases) {
  test(`isValidCIDR: ${tc.v}`, (t) => {
    t.deepEqual(isValidCIDR(fieldPath('x'), tc.v).map(String), tc.want);
  });
}

test('parseIP/formatIP round trip', (t) => {
  for (const v of ['198.19.0.10', '2001:db8::1', '::', '::1', 'fe80::1:0:0:1', '1:2:3:4:5:6:7:8']) t.is(formatIP(parseIP(v)!), v);
  t.is(formatIP(parseIP('2001:0db8:0:0:0:0:0:1')!), '2001:db8::1');
});
