import test from 'ava';
import type { Secret } from '#generated/k8s/index.ts';
import { makeDockerKeyring, parseImageRegistry } from './keyring.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const dcj = (auths: object): Secret => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });

const imageCases: { name: string; image: string; host: string; path: string }[] = [
  { name: 'a bare name is docker.io/library', image: 'busybox', host: 'docker.io', path: 'library/busybox' },
  { name: 'a user image on docker.io', image: 'me/app:1', host: 'docker.io', path: 'me/app' },
  { name: 'a registry with a port', image: '127.0.0.1:5000/team/app:v1', host: '127.0.0.1:5000', path: 'team/app' },
  { name: 'a digest reference', image: 'quay.io/a/b@sha256:abc', host: 'quay.io', path: 'a/b' },
];
for (const tc of imageCases) test(`parseImageRegistry: ${tc.name}`, (t) => t.deepEqual(parseImageRegistry(tc.image), { host: tc.host, path: tc.path }));

const lookupCases: { name: string; secrets: Secret[]; image: string; users: string[] }[] = [
  { name: 'matches by registry host and port', secrets: [dcj({ '127.0.0.1:5000': { username: 'u', password: 'p' } })], image: '127.0.0.1:5000/x:1', users: ['u'] },
  { name: 'another port does not match', secrets: [dcj({ '127.0.0.1:5000': { username: 'u', password: 'p' } })], image: '127.0.0.1:5001/x:1', users: [] },
  { name: 'a scheme and trailing path are ignored', secrets: [dcj({ 'https://reg.example.com/': { auth: b64('a:b') } })], image: 'reg.example.com/x', users: ['a'] },
  { name: 'index.docker.io/v1 matches docker hub images', secrets: [dcj({ 'https://index.docker.io/v1/': { username: 'hub', password: 'p' } })], image: 'busybox', users: ['hub'] },
  { name: 'a glob host matches one label', secrets: [dcj({ '*.example.com': { username: 'g', password: 'p' } })], image: 'a.example.com/x', users: ['g'] },
  { name: 'a path-scoped entry wins over the host entry', secrets: [dcj({ 'reg.io': { username: 'host', password: 'p' }, 'reg.io/team': { username: 'team', password: 'p' } })], image: 'reg.io/team/app', users: ['team', 'host'] },
  { name: 'a path-scoped entry does not match other paths', secrets: [dcj({ 'reg.io/team': { username: 'team', password: 'p' } })], image: 'reg.io/other/app', users: [] },
  { name: 'legacy .dockercfg secrets', secrets: [{ type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'reg.io': { username: 'old', password: 'p' } })) } }], image: 'reg.io/x', users: ['old'] },
  { name: 'a malformed secret is skipped', secrets: [{ data: { '.dockerconfigjson': b64('{nope') } }, dcj({ 'reg.io': { username: 'ok', password: 'p' } })], image: 'reg.io/x', users: ['ok'] },
];
for (const tc of lookupCases) test(`DockerKeyring.lookup: ${tc.name}`, (t) => t.deepEqual(makeDockerKeyring(tc.secrets).lookup(tc.image).map((a) => a.username), tc.users));
