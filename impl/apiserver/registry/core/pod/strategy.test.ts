import test from 'ava';
import { fieldPath } from '#impl/apimachinery/index.ts';
import { setDefaultsPod, validateSysctls } from './strategy.ts';

const cases: { name: string; sysctls: unknown; want: string[] }[] = [
  { name: 'valid names with dots, slashes, dashes', sysctls: [{ name: 'kernel.shmmax', value: '1' }, { name: 'safe-and-unsafe', value: '1' }, { name: 'net/ipv4/ip_forward', value: '1' }], want: [] },
  { name: 'upstream conformance names', sysctls: [{ name: 'foo-' }, { name: 'kernel.shmmax' }, { name: 'safe-and-unsafe' }, { name: 'bar..' }], want: ['s[0].name=foo-', 's[3].name=bar..'] },
  { name: 'a duplicate', sysctls: [{ name: 'kernel.msgmax' }, { name: 'kernel.msgmax' }], want: ['s[1].name=kernel.msgmax'] },
  { name: 'a missing name', sysctls: [{ value: '1' }], want: ['s[0].name='] },
  { name: 'not a list', sysctls: undefined, want: [] },
];
for (const tc of cases) {
  test(`validateSysctls: ${tc.name}`, (t) => {
    const errs = validateSysctls(tc.sysctls, fieldPath('s'));
    t.deepEqual(errs.map((e) => `${e.field}=${e.badValue ?? ''}`), tc.want);
  });
}

const defaultCases: { name: string; resources: Record<string, unknown> | undefined; want: Record<string, unknown> | undefined }[] = [
  { name: 'limits only: requests copied', resources: { limits: { cpu: '300m', memory: '1Gi' } }, want: { limits: { cpu: '300m', memory: '1Gi' }, requests: { cpu: '300m', memory: '1Gi' } } },
  { name: 'a set request is kept, the missing one copied', resources: { limits: { cpu: '300m', memory: '1Gi' }, requests: { cpu: '100m' } }, want: { limits: { cpu: '300m', memory: '1Gi' }, requests: { cpu: '100m', memory: '1Gi' } } },
  { name: 'requests only: untouched', resources: { requests: { cpu: '100m' } }, want: { requests: { cpu: '100m' } } },
  { name: 'no resources: untouched', resources: undefined, want: undefined },
];
for (const tc of defaultCases) {
  test(`setDefaultsPod: ${tc.name}`, (t) => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { initContainers: [{ name: 'i', image: 'x', resources: structuredClone(tc.resources) }], containers: [{ name: 'c', image: 'x', resources: structuredClone(tc.resources) }] } };
    setDefaultsPod(pod);
    t.deepEqual(pod.spec.containers[0]!.resources, tc.want);
    t.deepEqual(pod.spec.initContainers[0]!.resources, tc.want);
  });
}

const subresourceGenerationCases: { name: string; sub: string; change: (o: Record<string, any>) => void; generation: number; ephemeral: number }[] = [
  { name: 'ephemeralcontainers: adding one bumps the generation', sub: 'ephemeralcontainers', change: (o) => (o.spec.ephemeralContainers = [{ name: 'debugger', image: 'busybox' }]), generation: 3, ephemeral: 1 },
  { name: 'ephemeralcontainers: other spec fields are ignored, no bump', sub: 'ephemeralcontainers', change: (o) => (o.spec.containers[0].image = 'other'), generation: 2, ephemeral: 0 },
];
for (const tc of subresourceGenerationCases) {
  test(`podSubresourceStrategy: ${tc.name}`, async (t) => {
    const { podSubresourceStrategy } = await import('./storage.ts');
    const old = { metadata: { name: 'p', generation: 2, resourceVersion: '5' }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } };
    const obj = structuredClone(old) as Record<string, any>;
    tc.change(obj);
    podSubresourceStrategy(tc.sub).prepareForUpdate!({} as never, obj as never, old as never);
    t.is(obj.metadata.generation, tc.generation);
    t.is((obj.spec.ephemeralContainers ?? []).length, tc.ephemeral);
    t.is(obj.spec.containers[0].image, 'busybox');
  });
}
