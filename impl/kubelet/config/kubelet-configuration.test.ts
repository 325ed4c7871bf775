import test from 'ava';
import { kubeletConfigurationToOptions, parseDuration } from './kubelet-configuration.ts';

const durations: [string, number][] = [['10s', 10_000], ['1m30s', 90_000], ['500ms', 500], ['1h', 3_600_000], ['20', 20_000]];
for (const [v, want] of durations) test(`parseDuration(${v})`, (t) => t.is(parseDuration(v), want));
test('parseDuration rejects garbage', (t) => {
  t.throws(() => parseDuration('10x'));
});

test('a KubeletConfiguration maps onto options', (t) => {
  const o = kubeletConfigurationToOptions({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    port: 10251,
    maxPods: 50,
    nodeStatusUpdateFrequency: '5s',
    clusterDNS: ['198.19.0.10'],
    clusterDomain: 'example.local',
    registerWithTaints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }],
    containerRuntimeEndpoint: 'unix:///run/containerd.sock',
  });
  t.deepEqual(o, {
    port: 10251,
    maxPods: 50,
    nodeStatusUpdateFrequencyMs: 5000,
    clusterDNS: ['198.19.0.10'],
    clusterDomain: 'example.local',
    registerWithTaints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }],
    containerRuntimeEndpoint: 'unix:///run/containerd.sock',
  });
});

test('a wrong kind or apiVersion is an error', (t) => {
  t.throws(() => kubeletConfigurationToOptions({ apiVersion: 'v1', kind: 'KubeletConfiguration' }), { message: /unsupported apiVersion/ });
  t.throws(() => kubeletConfigurationToOptions({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'Pod' }), { message: /kind must be KubeletConfiguration/ });
});
