import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setDefaults } from './defaults.ts';
import { loadConfigFile } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubets-schedcfg-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('a v1 file with two profiles, weights and plugin args is loaded and defaulted', (t) => {
  const p = write(
    'ok.yaml',
    `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
percentageOfNodesToScore: 50
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packing
  plugins:
    multiPoint:
      enabled:
      - name: NodeResourcesFit
        weight: 5
      disabled:
      - name: ImageLocality
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`,
  );
  const cfg = setDefaults(loadConfigFile(p));
  t.is(cfg.percentageOfNodesToScore, 50);
  t.is(cfg.podInitialBackoffSeconds, 1);
  t.is(cfg.podMaxBackoffSeconds, 10);
  t.deepEqual(cfg.profiles.map((x) => x.schedulerName), ['default-scheduler', 'bin-packing']);
  const bp = cfg.profiles[1]!;
  const enabled = bp.plugins!.multiPoint!.enabled!;
  t.is(enabled.find((x) => x.name === 'NodeResourcesFit')?.weight, 5);
  t.false(enabled.some((x) => x.name === 'ImageLocality'));
  t.deepEqual(bp.pluginConfig, [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }]);
});

const bad = [
  { name: 'wrong apiVersion is rejected', text: 'apiVersion: kubescheduler.config.k8s.io/v1beta3\nkind: KubeSchedulerConfiguration\n', msg: /no kind "KubeSchedulerConfiguration" is registered for version "kubescheduler.config.k8s.io\/v1beta3"/ },
  { name: 'wrong kind is rejected', text: 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: Other\n', msg: /kind must be KubeSchedulerConfiguration/ },
  { name: 'percentageOfNodesToScore above 100 is invalid', text: 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: 120\n', msg: /not in valid range \[0-100\]/ },
  {
    name: 'duplicate scheduler names are invalid',
    text: 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: a\n- schedulerName: a\n',
    msg: /Duplicate value: "a"/,
  },
];

for (const tc of bad) {
  test(tc.name, (t) => {
    t.throws(() => loadConfigFile(write(`${tc.name.replace(/\W+/g, '-')}.yaml`, tc.text)), { message: tc.msg });
  });
}
