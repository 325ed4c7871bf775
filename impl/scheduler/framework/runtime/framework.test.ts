import test from 'ava';
import type { Pod } from '#generated/k8s/index.ts';
import { getDefaultPlugins, mergePlugins } from '../../apis/config/defaults.ts';
import { Snapshot } from '../../backend/cache/snapshot.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing/wrappers.ts';
import { CycleState } from '../cycle-state.ts';
import { Code, unschedulable, type FilterPlugin, type PluginFactory, type ScorePlugin } from '../interface.ts';
import { newInTreeRegistry } from '../plugins/registry.ts';
import { newFramework } from './framework.ts';

function fw(custom?: Parameters<typeof mergePlugins>[1], extra: Record<string, PluginFactory> = {}) {
  const registry = new Map(newInTreeRegistry());
  for (const [k, v] of Object.entries(extra)) registry.set(k, v);
  return newFramework({ profileName: 'default-scheduler', registry, plugins: mergePlugins(getDefaultPlugins(), custom), snapshotSharedLister: () => new Snapshot() });
}

test('the default profile expands MultiPoint into every extension point in upstream order', (t) => {
  const f = fw();
  t.deepEqual(f.preEnqueuePlugins.map((p) => p.name), ['SchedulingGates']);
  t.deepEqual(f.queueSortPlugins.map((p) => p.name), ['PrioritySort']);
  t.deepEqual(f.preFilterPlugins.map((p) => p.name), ['NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'NodeVolumeLimits', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity']);
  t.deepEqual(f.filterPlugins.map((p) => p.name), [
    'NodeUnschedulable',
    'NodeName',
    'TaintToleration',
    'NodeAffinity',
    'NodePorts',
    'NodeResourcesFit',
    'VolumeRestrictions',
    'NodeVolumeLimits',
    'VolumeBinding',
    'VolumeZone',
    'PodTopologySpread',
    'InterPodAffinity',
  ]);
  t.deepEqual(f.reservePlugins.map((p) => p.name), ['VolumeBinding']);
  t.deepEqual(f.preBindPlugins.map((p) => p.name), ['VolumeBinding']);
  t.deepEqual(f.postFilterPlugins.map((p) => p.name), ['DefaultPreemption']);
  t.deepEqual(
    f.scorePlugins.map((p) => `${p.plugin.name}:${p.weight}`),
    ['TaintToleration:3', 'NodeAffinity:2', 'NodeResourcesFit:1', 'PodTopologySpread:2', 'InterPodAffinity:2', 'NodeResourcesBalancedAllocation:1', 'ImageLocality:1'],
  );
  t.deepEqual(f.bindPlugins.map((p) => p.name), ['DefaultBinder']);
});

test('a profile can disable a default plugin and re-weight another', (t) => {
  const f = fw({ multiPoint: { enabled: [{ name: 'ImageLocality', weight: 5 }], disabled: [{ name: 'TaintToleration' }] } });
  t.false(f.filterPlugins.some((p) => p.name === 'TaintToleration'));
  t.is(f.scorePlugins.find((p) => p.plugin.name === 'ImageLocality')?.weight, 5);
});

test('disabling score plugins with * at the score point keeps their filters', (t) => {
  const f = fw({ score: { disabled: [{ name: '*' }] } });
  t.is(f.scorePlugins.length, 0);
  t.true(f.filterPlugins.some((p) => p.name === 'TaintToleration'));
});

test('an unknown plugin name is an error', (t) => {
  t.throws(() => fw({ multiPoint: { enabled: [{ name: 'Nope' }] } }), { message: 'plugin "Nope" does not exist' });
});

test('runFilterPlugins stops at the first rejection and names the plugin', (t) => {
  const calls: string[] = [];
  const reject: PluginFactory = () => ({ name: 'Reject', filter: () => (calls.push('Reject'), unschedulable('nope')) }) satisfies FilterPlugin;
  const after: PluginFactory = () => ({ name: 'After', filter: () => (calls.push('After'), undefined) }) satisfies FilterPlugin;
  const f = fw({ filter: { enabled: [{ name: 'Reject' }, { name: 'After' }], disabled: [{ name: '*' }] } }, { Reject: reject, After: after });
  const s = f.runFilterPlugins(new CycleState(), makePod().obj(), nodeInfoOf(makeNode().name('n').obj()));
  t.is(s?.code, Code.Unschedulable);
  t.is(s?.plugin, 'Reject');
  t.deepEqual(calls, ['Reject']);
});

test('runScorePlugins applies normalization and weights', (t) => {
  const byName: PluginFactory = () =>
    ({
      name: 'ByName',
      score: (_s: CycleState, _p: Pod, ni) => (ni.nodeName() === 'a' ? 10 : 20),
      scoreExtensions: () => ({
        normalizeScore: (_s: CycleState, _p: Pod, scores) => {
          for (const sc of scores) sc.score = sc.score * 5;
          return undefined;
        },
      }),
    }) satisfies ScorePlugin;
  const f = fw({ score: { enabled: [{ name: 'ByName', weight: 2 }], disabled: [{ name: '*' }] } }, { ByName: byName });
  const r = f.runScorePlugins(new CycleState(), makePod().obj(), [nodeInfoOf(makeNode().name('a').obj()), nodeInfoOf(makeNode().name('b').obj())]);
  t.deepEqual(r.scores, [
    { name: 'a', totalScore: 100 },
    { name: 'b', totalScore: 200 },
  ]);
});

test('a score out of range after normalization is an error', (t) => {
  const bad: PluginFactory = () => ({ name: 'Bad', score: () => 101 }) satisfies ScorePlugin;
  const f = fw({ score: { enabled: [{ name: 'Bad' }], disabled: [{ name: '*' }] } }, { Bad: bad });
  const r = f.runScorePlugins(new CycleState(), makePod().obj(), [nodeInfoOf(makeNode().name('a').obj())]);
  t.is(r.status?.code, Code.Error);
  t.regex(r.status!.message(), /invalid score 101/);
});

test('PreFilter results are intersected and an empty intersection rejects', (t) => {
  const f = fw();
  const pod = makePod()
    .affinity({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } })
    .obj();
  const r = f.runPreFilterPlugins(new CycleState(), pod, []);
  t.deepEqual([...(r.result?.nodeNames ?? [])], ['n1']);
});
