import test from 'ava';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Volume } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import { TokenManager } from '../token/token-manager.ts';
import { keyToPathPayload, VolumeManager } from './volume-manager.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function setup(volumes: Volume[], extra: { fsGroup?: number } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'vm-'));
  const cms = new Map<string, ConfigMap>([['ns/cm', { data: { 'data-1': 'value-1', 'data-2': 'value-2' } }], ['ns/kube-root-ca.crt', { data: { 'ca.crt': 'CA' } }]]);
  const secrets = new Map<string, Secret>([['ns/s', { data: { 'data-1': b64('secret-1') } }]]);
  const pvcs = new Map<string, PersistentVolumeClaim>([
    ['ns/bound', { spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } }],
    ['ns/pending', { spec: {}, status: { phase: 'Pending' } }],
  ]);
  const pvs = new Map<string, PersistentVolume>([['pv1', { metadata: { name: 'pv1' }, spec: { hostPath: { path: path.join(dir, 'pv1'), type: 'DirectoryOrCreate' } } }]]);
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const tokens: string[] = [];
  const tm = new TokenManager({
    clock,
    requestToken: async (ns, sa, req) => {
      tokens.push(`${ns}/${sa} ${req.spec?.audiences?.join(',')} ${req.spec?.boundObjectRef?.name}`);
      return { ...req, status: { token: `tok-${tokens.length}`, expirationTimestamp: new Date(clock.now() + (req.spec?.expirationSeconds ?? 3600) * 1000).toISOString() } };
    },
  });
  const vm = new VolumeManager({
    rootDir: dir,
    configSource: { getConfigMap: async (ns, n) => cms.get(`${ns}/${n}`), getSecret: async (ns, n) => secrets.get(`${ns}/${n}`) },
    tokenManager: tm,
    pvSource: { getPVC: async (ns, n) => pvcs.get(`${ns}/${n}`), getPV: async (n) => pvs.get(n) },
    now: () => clock.now(),
    refreshPeriodMs: 0,
  });
  const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { nodeName: 'n', containers: [{ name: 'c', resources: { limits: { memory: '64Mi' } } }], volumes, securityContext: extra.fsGroup !== undefined ? { fsGroup: extra.fsGroup } : {} } };
  return { dir, vm, pod, cms, secrets, clock, tokens, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const fileCases: { name: string; volume: Volume; file: string; content: string; mode: number; fsGroup?: number }[] = [
  { name: 'configMap: every key with mode 0644', volume: { name: 'v', configMap: { name: 'cm' } }, file: 'data-1', content: 'value-1', mode: 0o644 },
  { name: 'configMap: defaultMode 0400', volume: { name: 'v', configMap: { name: 'cm', defaultMode: 0o400 } }, file: 'data-1', content: 'value-1', mode: 0o400 },
  { name: 'configMap: item path and mode', volume: { name: 'v', configMap: { name: 'cm', items: [{ key: 'data-2', path: 'path/to/data-2', mode: 0o600 }] } }, file: 'path/to/data-2', content: 'value-2', mode: 0o600 },
  { name: 'configMap: fsGroup adds group read', volume: { name: 'v', configMap: { name: 'cm', defaultMode: 0o400 } }, file: 'data-1', content: 'value-1', mode: 0o440, fsGroup: 1001 },
  { name: 'secret: decoded with defaultMode', volume: { name: 'v', secret: { secretName: 's', defaultMode: 0o400 } }, file: 'data-1', content: 'secret-1', mode: 0o400 },
  { name: 'downwardAPI: podname with item mode', volume: { name: 'v', downwardAPI: { items: [{ path: 'podname', fieldRef: { fieldPath: 'metadata.name' }, mode: 0o400 }] } }, file: 'podname', content: 'p', mode: 0o400 },
  { name: 'downwardAPI: memory limit in Mi', volume: { name: 'v', downwardAPI: { items: [{ path: 'mem', resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' } }] } }, file: 'mem', content: '64', mode: 0o644 },
  {
    name: 'projected: kube-api-access token, ca.crt and namespace',
    volume: { name: 'v', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
    file: 'namespace', content: 'ns', mode: 0o644,
  },
];
for (const tc of fileCases) {
  test(`waitForAttachAndMount: ${tc.name}`, async (t) => {
    const s = await setup([tc.volume], { fsGroup: tc.fsGroup });
    t.teardown(s.cleanup);
    const vols = await s.vm.waitForAttachAndMount(s.pod);
    const file = path.join(vols.get('v') ?? '', tc.file);
    t.is(await readFile(file, 'utf8'), tc.content);
    t.is((await stat(file)).mode & 0o777, tc.mode);
    if (tc.fsGroup !== undefined) t.is((await stat(file)).gid, tc.fsGroup);
  });
}

const errorCases: { name: string; volume: Volume; message: RegExp }[] = [
  { name: 'a missing configMap', volume: { name: 'v', configMap: { name: 'nope' } }, message: /MountVolume.SetUp failed for volume "v" : configmap "nope" not found/ },
  { name: 'a missing configMap key', volume: { name: 'v', configMap: { name: 'cm', items: [{ key: 'x', path: 'x' }] } }, message: /configmap references non-existent config key: x/ },
  { name: 'a missing secret', volume: { name: 'v', secret: { secretName: 'nope' } }, message: /secret "nope" not found/ },
  { name: 'an unbound claim', volume: { name: 'v', persistentVolumeClaim: { claimName: 'pending' } }, message: /PVC is not bound/ },
  { name: 'a missing claim', volume: { name: 'v', persistentVolumeClaim: { claimName: 'nope' } }, message: /PVC nope not found/ },
];
for (const tc of errorCases) {
  test(`waitForAttachAndMount fails on ${tc.name}`, async (t) => {
    const s = await setup([tc.volume]);
    t.teardown(s.cleanup);
    await t.throwsAsync(s.vm.waitForAttachAndMount(s.pod), { message: tc.message });
  });
}

test('waitForAttachAndMount: optional missing sources give an empty volume', async (t) => {
  const s = await setup([{ name: 'v', configMap: { name: 'nope', optional: true } }, { name: 'w', secret: { secretName: 'nope', optional: true } }]);
  t.teardown(s.cleanup);
  const vols = await s.vm.waitForAttachAndMount(s.pod);
  t.truthy(await readlink(path.join(vols.get('v') ?? '', '..data')));
});

test('waitForAttachAndMount: emptyDir is 0777 (setgid and group with fsGroup)', async (t) => {
  const s = await setup([{ name: 'v', emptyDir: {} }], { fsGroup: 2000 });
  t.teardown(s.cleanup);
  const vols = await s.vm.waitForAttachAndMount(s.pod);
  const st = await stat(vols.get('v') ?? '');
  t.is(st.mode & 0o7777, 0o2777);
  t.is(st.gid, 2000);
});

test('waitForAttachAndMount: a bound claim mounts the PV path', async (t) => {
  const s = await setup([{ name: 'v', persistentVolumeClaim: { claimName: 'bound' } }]);
  t.teardown(s.cleanup);
  const vols = await s.vm.waitForAttachAndMount(s.pod);
  t.is(vols.get('v'), path.join(s.dir, 'pv1'));
  await writeFile(path.join(s.dir, 'pv1', 'x'), 'y');
});

test('waitForAttachAndMount: configMap updates reach the volume; the token rotates after 80% of its TTL', async (t) => {
  const s = await setup([
    { name: 'v', configMap: { name: 'cm' } },
    { name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'api', expirationSeconds: 3600 } }] } },
  ]);
  t.teardown(s.cleanup);
  const vols = await s.vm.waitForAttachAndMount(s.pod);
  const tokenFile = path.join(vols.get('t') ?? '', 'token');
  t.is(await readFile(tokenFile, 'utf8'), 'tok-1');
  t.deepEqual(s.tokens, ['ns/default api p']);
  s.cms.set('ns/cm', { data: { 'data-1': 'value-2' } });
  s.clock.step(60_000);
  await s.vm.waitForAttachAndMount(s.pod);
  t.is(await readFile(path.join(vols.get('v') ?? '', 'data-1'), 'utf8'), 'value-2');
  t.is(await readFile(tokenFile, 'utf8'), 'tok-1', 'the token is reused before 80% of its TTL');
  s.clock.step(2880_000);
  await s.vm.waitForAttachAndMount(s.pod);
  t.is(await readFile(tokenFile, 'utf8'), 'tok-2');
});

test('keyToPathPayload: optional items skip missing keys', (t) => {
  const p = keyToPathPayload({ a: Buffer.from('1') }, [{ key: 'a', path: 'x' }, { key: 'b', path: 'y' }], 0o644, true, 'configmap');
  t.deepEqual([...p.keys()], ['x']);
});

const etcHostsCases: { name: string; hostDomainName?: string; want: string }[] = [
  { name: 'hostname only', want: '198.18.0.9\tweb' },
  { name: 'a subdomain puts the FQDN first', hostDomainName: 'web.sub.ns.svc.cluster.local', want: '198.18.0.9\tweb.sub.ns.svc.cluster.local\tweb' },
];
for (const tc of etcHostsCases) {
  test(`ensureEtcHosts: ${tc.name}`, async (t) => {
    const s = await setup([]);
    t.teardown(s.cleanup);
    const file = await s.vm.ensureEtcHosts(s.pod, ['198.18.0.9'], 'web', tc.hostDomainName);
    const lines = (await readFile(file, 'utf8')).split('\n');
    t.is(lines[0], '# Kubernetes-managed hosts file.');
    t.true(lines.includes(tc.want), lines.join('\n'));
  });
}
