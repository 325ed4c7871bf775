/**
 * Pods and containers on a node: upstream common/node/pods.go, containers.go, expansion.go,
 * downwardapi.go, configmap.go / secrets.go (env), init_container.go, kubelet.go, runtime.go
 * and security_context.go. Output is checked through container logs, as upstream does.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { expectApiError, expectEqual, expectTrue, fail } from '../framework/expect.ts';
import { createPod, diagnosePod, podLogs, podPhase, shContainer, testContainerOutput, waitForPod, waitForPodRunning, waitForPodSuccess } from '../framework/pods.ts';
import { WatchRecorder } from '../framework/watch-recorder.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/**
 * RAW_ENV runs busybox's `env` applet directly: upstream runs `sh -c env`, but the ash of the
 * busybox here (1.35) does not pass on variables whose names are not shell identifiers
 * (`data-1`), which these cases put in the environment on purpose.
 */
const RAW_ENV = { command: ['env'] };

/**
 * VARIOUS_PREFIXES are upstream's envFrom prefixes of the "various prefixes" specs: none, a
 * leading digit, special characters, uppercase letters and symbols (any printable ASCII but `=`).
 */
const VARIOUS_PREFIXES = ['', '1-', '$_-', 'ABC_', '#@!'];
const variousPrefixExpectations = (): string[] => VARIOUS_PREFIXES.flatMap((p) => [1, 2, 3].map((i) => `${p}data-${i}=value-${i}`));

function envPod(ctx: CaseContext, name: string, container: KubeObject): KubeObject {
  return { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name: 'env-test', image: ctx.images.busybox, command: ['sh', '-c', 'env'], ...container }] } };
}

function terminatedState(p: KubeObject, i = 0): KubeObject | undefined {
  return p.status?.containerStatuses?.[i]?.state?.terminated;
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-44',
    codename: '[sig-node] Pods should be submitted and removed [Conformance] [NodeConformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      const value = `${Date.now()}`;
      const name = `pod-submit-remove-${ctx.uid}`;
      ctx.step('creating the pod');
      ctx.step('setting up watch');
      const initial = await pods.list({ labelSelector: `time=${value}` });
      expectEqual(initial.items.length, 0, 'pods with the new label before creation');
      const w = new WatchRecorder('pods', pods.watch({ labelSelector: `time=${value}`, resourceVersion: initial.metadata.resourceVersion, signal: ctx.signal }));
      ctx.defer(() => w.stop());
      ctx.step('submitting the pod to kubernetes');
      await pods.create({ metadata: { name, labels: { name: 'foo', time: value } }, spec: { containers: [{ name: 'pause', image: ctx.images.pause }] } });
      ctx.step('verifying the pod is in kubernetes');
      expectEqual((await pods.list({ labelSelector: `time=${value}` })).items.length, 1, 'pods listed by the new label');
      ctx.step('verifying pod creation was observed');
      await w.expectEvent('ADDED', { name });
      await waitForPodRunning(ctx, name);
      ctx.step('deleting the pod gracefully');
      await pods.delete(name, { gracePeriodSeconds: 30 });
      ctx.step('verifying pod deletion was observed');
      let sawDeletionTimestamp = false;
      const del = await w.waitForEvent((e) => {
        if (e.object.metadata?.deletionTimestamp) sawDeletionTimestamp = true;
        return e.type === 'DELETED';
      }, 'DELETED pod', 60_000);
      expectTrue(sawDeletionTimestamp || del.object.metadata?.deletionTimestamp, 'no event carried the pod deletionTimestamp (graceful deletion)');
      expectEqual((await pods.list({ labelSelector: `time=${value}` })).items.length, 0, 'pods left after deletion');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-45',
    codename: '[sig-node] Pods should be updated [Conformance] [NodeConformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      const name = `pod-update-${ctx.uid}`;
      const value = `${Date.now()}`;
      ctx.step('creating the pod');
      await pods.create({ metadata: { name, labels: { name: 'foo', time: value } }, spec: { containers: [{ name: 'pause', image: ctx.images.pause }] } });
      await waitForPodRunning(ctx, name);
      ctx.step('verifying the pod is in kubernetes');
      expectEqual((await pods.list({ labelSelector: `time=${value}` })).items.length, 1, 'pods listed by label');
      ctx.step('updating the pod');
      const cur = await pods.get(name);
      cur.metadata = { ...cur.metadata, labels: { ...cur.metadata?.labels, time: 'value2' } };
      await pods.update(cur);
      ctx.step('verifying the updated pod is in kubernetes');
      expectEqual((await pods.list({ labelSelector: 'time=value2' })).items.map((p) => p.metadata?.name), [name], 'pods listed by the updated label');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-47',
    codename: '[sig-node] Pods should delete a collection of pods [Conformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      ctx.step('Create set of pods');
      for (const n of ['test-pod-1', 'test-pod-2', 'test-pod-3']) await pods.create({ metadata: { name: n, labels: { type: 'Testing' } }, spec: { containers: [{ name: 'token-test', image: ctx.images.pause }] } });
      ctx.step('waiting for all 3 pods to be running');
      for (const n of ['test-pod-1', 'test-pod-2', 'test-pod-3']) await waitForPodRunning(ctx, n);
      ctx.step('waiting for all pods to be deleted');
      await pods.deleteCollection({ labelSelector: 'type=Testing', gracePeriodSeconds: 0 });
      await ctx.waitFor(async () => (await pods.list({ labelSelector: 'type=Testing' })).items.length === 0, { timeoutMs: 60_000, message: 'pods deleted by deletecollection to be gone' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-48',
    codename: '[sig-node] Pods should get a host IP [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `pod-hostip-${ctx.uid}`;
      ctx.step('creating pod');
      await createPod(ctx, { metadata: { name }, spec: { containers: [{ name: 'test', image: ctx.images.pause }] } });
      const p = await waitForPodRunning(ctx, name);
      const ip: string = p.status?.hostIP ?? '';
      expectTrue(/^\d+\.\d+\.\d+\.\d+$|:/.test(ip), `status.hostIP is not a valid IP: ${JSON.stringify(ip)}`);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-49',
    codename: '[sig-node] Pods should patch a pod status [Conformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      const name = `pod-status-${ctx.uid}`;
      ctx.step('Create a pod');
      await pods.create({ metadata: { name }, spec: { containers: [{ name: 'agnhost', image: ctx.images.pause }] } });
      await waitForPodRunning(ctx, name);
      ctx.step('patching /status');
      const patched = await pods.patch(name, { status: { message: 'Patched by e2e test', reason: 'E2E' }, metadata: { annotations: { patchedstatus: 'true' } } }, { type: 'strategic', subresource: 'status' });
      expectEqual(patched.status?.message, 'Patched by e2e test', 'status.message after patching /status');
      expectEqual(patched.status?.reason, 'E2E', 'status.reason after patching /status');
      expectEqual(patched.metadata?.annotations?.patchedstatus, 'true', 'annotation patched through /status');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-42',
    codename: '[sig-node] Pods Extended Pods Set QOS Class should be set on Pods with matching resource requests and limits for memory and cpu [Conformance]',
    async run(ctx) {
      const name = `pod-qos-class-${ctx.uid}`;
      ctx.step('creating the pod');
      await createPod(ctx, { metadata: { name }, spec: { containers: [{ name: 'agnhost', image: ctx.images.pause, resources: { limits: { cpu: '100m', memory: '100Mi' }, requests: { cpu: '100m', memory: '100Mi' } } }] } });
      ctx.step('verifying QOS class is set on the pod');
      const p = await ctx.core('pods').get(name);
      expectEqual(p.status?.qosClass, 'Guaranteed', 'status.qosClass of a pod with requests == limits');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-43',
    codename: '[sig-node] Pods should allow activeDeadlineSeconds to be updated [Conformance] [NodeConformance]',
    async run(ctx) {
      const pods = ctx.core('pods');
      const name = `pod-update-activedeadlineseconds-${ctx.uid}`;
      ctx.step('creating the pod');
      await pods.create({ metadata: { name, labels: { name: 'foo' } }, spec: { containers: [{ name: 'nginx', image: ctx.images.pause }] } });
      await waitForPodRunning(ctx, name);
      ctx.step('updating the pod');
      await pods.patch(name, { spec: { activeDeadlineSeconds: 5 } }, { type: 'strategic' });
      await waitForPod(ctx, name, (p) => podPhase(p) === 'Failed' && p.status?.reason === 'DeadlineExceeded', 'to fail with reason DeadlineExceeded', { timeoutMs: 60_000 });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-16',
    codename: "[sig-node] Containers should be able to override the image's default command and arguments [Conformance] [NodeConformance]",
    run: (ctx) =>
      testContainerOutput(ctx, 'override all', { metadata: { name: `client-containers-${ctx.uid}` }, spec: { containers: [{ name: 'agnhost-container', image: ctx.images.busybox, command: ['echo'], args: ['override', 'arguments'] }] } }, 0, ['override arguments']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-01',
    codename: '[sig-node] ConfigMap should be consumable via environment variable [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-test-${ctx.uid}`;
      ctx.step(`Creating configMap ${ctx.ns}/${cm}`);
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } });
      await testContainerOutput(ctx, 'consume configMaps', envPod(ctx, `pod-configmaps-${ctx.uid}`, { env: [{ name: 'CONFIG_DATA_1', valueFrom: { configMapKeyRef: { name: cm, key: 'data-1' } } }] }), 0, ['CONFIG_DATA_1=value-1']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-02',
    codename: '[sig-node] ConfigMap should be consumable via the environment [Conformance] [NodeConformance]',
    async run(ctx) {
      const cm = `configmap-test-${ctx.uid}`;
      await ctx.core('configmaps').create({ metadata: { name: cm }, data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } });
      await testContainerOutput(ctx, 'consume configMaps', envPod(ctx, `pod-configmaps-${ctx.uid}`, { ...RAW_ENV, envFrom: [{ configMapRef: { name: cm } }, { prefix: 'p-', configMapRef: { name: cm } }] }), 0, [
        'data-1=value-1', 'data-2=value-2', 'data-3=value-3', 'p-data-1=value-1', 'p-data-2=value-2', 'p-data-3=value-3',
      ]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-69',
    codename: '[sig-node] Secrets should be consumable from pods in env vars [Conformance] [NodeConformance]',
    async run(ctx) {
      const s = `secret-test-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: s }, data: { 'data-1': b64('value-1') } });
      await testContainerOutput(ctx, 'consume secrets', envPod(ctx, `pod-secrets-${ctx.uid}`, { env: [{ name: 'SECRET_DATA', valueFrom: { secretKeyRef: { name: s, key: 'data-1' } } }] }), 0, ['SECRET_DATA=value-1']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-70',
    codename: '[sig-node] Secrets should be consumable via the environment [Conformance] [NodeConformance]',
    async run(ctx) {
      const s = `secret-test-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name: s }, data: { 'data-1': b64('value-1'), 'data-2': b64('value-2'), 'data-3': b64('value-3') } });
      await testContainerOutput(ctx, 'consume secrets', envPod(ctx, `pod-secrets-${ctx.uid}`, { ...RAW_ENV, envFrom: [{ secretRef: { name: s } }, { prefix: 'p-', secretRef: { name: s } }] }), 0, [
        'data-1=value-1', 'data-2=value-2', 'data-3=value-3', 'p-data-1=value-1', 'p-data-2=value-2', 'p-data-3=value-3',
      ]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-22',
    codename: '[sig-node] Downward API should provide pod name, namespace and IP address as env vars [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `downward-api-${ctx.uid}`;
      const field = (n: string, p: string): KubeObject => ({ name: n, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: p } } });
      await testContainerOutput(ctx, 'downward api env vars', envPod(ctx, name, { env: [field('POD_NAME', 'metadata.name'), field('POD_NAMESPACE', 'metadata.namespace'), field('POD_IP', 'status.podIP')] }), 0, [
        `POD_NAME=${name}`, `POD_NAMESPACE=${ctx.ns}`, /POD_IP=(?:\d+\.\d+\.\d+\.\d+|[0-9a-fA-F:]+)/,
      ]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-21',
    codename: '[sig-node] Downward API should provide pod UID as env vars [Conformance] [NodeConformance]',
    async run(ctx) {
      await testContainerOutput(ctx, 'downward api env vars', envPod(ctx, `downward-api-${ctx.uid}`, { env: [{ name: 'POD_UID', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.uid' } } }] }), 0, [/POD_UID=[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}/]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-20',
    codename: '[sig-node] Downward API should provide host IP as an env var [Conformance] [NodeConformance]',
    async run(ctx) {
      await testContainerOutput(ctx, 'downward api env vars', envPod(ctx, `downward-api-${ctx.uid}`, { env: [{ name: 'HOST_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIP' } } }] }), 0, [/HOST_IP=(?:\d+\.\d+\.\d+\.\d+|[0-9a-fA-F:]+)/]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-18',
    codename: "[sig-node] Downward API should provide container's limits.cpu/memory and requests.cpu/memory as env vars [Conformance] [NodeConformance]",
    async run(ctx) {
      const rf = (n: string, r: string): KubeObject => ({ name: n, valueFrom: { resourceFieldRef: { resource: r } } });
      await testContainerOutput(ctx, 'downward api env vars', envPod(ctx, `downward-api-${ctx.uid}`, {
        resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } },
        env: [rf('CPU_LIMIT', 'limits.cpu'), rf('MEMORY_LIMIT', 'limits.memory'), rf('CPU_REQUEST', 'requests.cpu'), rf('MEMORY_REQUEST', 'requests.memory')],
      }), 0, ['CPU_LIMIT=2', 'MEMORY_LIMIT=67108864', 'CPU_REQUEST=1', 'MEMORY_REQUEST=33554432']);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-19',
    codename: '[sig-node] Downward API should provide default limits.cpu/memory from node allocatable [Conformance] [NodeConformance]',
    run: (ctx) => {
      const rf = (n: string, r: string): KubeObject => ({ name: n, valueFrom: { resourceFieldRef: { resource: r } } });
      // no limits set: the kubelet substitutes the node's allocatable cpu and memory
      return testContainerOutput(ctx, 'downward api env vars', envPod(ctx, `downward-api-${ctx.uid}`, {
        name: 'dapi-container',
        env: [rf('CPU_LIMIT', 'limits.cpu'), rf('MEMORY_LIMIT', 'limits.memory')],
      }), 0, [/CPU_LIMIT=[1-9]/, /MEMORY_LIMIT=[1-9]/]);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-81',
    codename: '[sig-node] Variable Expansion should allow composing env vars into new env vars [Conformance] [NodeConformance]',
    run: (ctx) =>
      testContainerOutput(ctx, 'env composition', envPod(ctx, `var-expansion-${ctx.uid}`, {
        env: [{ name: 'FOO', value: 'foo-value' }, { name: 'BAR', value: 'bar-value' }, { name: 'FOOBAR', value: '$(FOO);;$(BAR)' }],
      }), 0, ['FOO=foo-value', 'BAR=bar-value', 'FOOBAR=foo-value;;bar-value']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-83',
    codename: "[sig-node] Variable Expansion should allow substituting values in a container's command [Conformance] [NodeConformance]",
    run: (ctx) =>
      testContainerOutput(ctx, 'substitution in container\'s command', envPod(ctx, `var-expansion-${ctx.uid}`, {
        command: ['sh', '-c', 'TEST_VAR=wrong echo "$(TEST_VAR)"'],
        env: [{ name: 'TEST_VAR', value: 'test-value' }],
      }), 0, ['test-value']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-82',
    codename: "[sig-node] Variable Expansion should allow substituting values in a container's args [Conformance] [NodeConformance]",
    run: (ctx) =>
      testContainerOutput(ctx, 'substitution in container\'s args', envPod(ctx, `var-expansion-${ctx.uid}`, {
        command: ['sh', '-c'],
        args: ['TEST_VAR=wrong echo "$(TEST_VAR)"'],
        env: [{ name: 'TEST_VAR', value: 'test-value' }],
      }), 0, ['test-value']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-26',
    codename: '[sig-node] InitContainer should invoke init containers on a RestartNever pod [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `pod-init-${ctx.uid}`;
      ctx.step('creating the pod');
      await createPod(ctx, {
        metadata: { name, labels: { name: 'foo' } },
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'init1', image: ctx.images.busybox, command: ['/bin/true'] }, { name: 'init2', image: ctx.images.busybox, command: ['/bin/true'] }],
          containers: [{ name: 'run1', image: ctx.images.busybox, command: ['/bin/true'] }],
        },
      });
      const p = await waitForPodSuccess(ctx, name);
      const inits = (p.status?.initContainerStatuses ?? []) as KubeObject[];
      expectEqual(inits.length, 2, 'init container statuses');
      for (const s of inits) expectEqual(s.state?.terminated?.exitCode, 0, `exit code of init container ${s.name}`);
      expectTrue((p.status?.conditions ?? []).some((c: KubeObject) => c.type === 'Initialized' && c.status === 'True'), 'pod condition Initialized is not True');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-27',
    codename: '[sig-node] InitContainer should not start app containers and fail the pod if init containers fail on a RestartNever pod [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `pod-init-${ctx.uid}`;
      ctx.step('creating the pod');
      await createPod(ctx, {
        metadata: { name, labels: { name: 'foo' } },
        spec: {
          restartPolicy: 'Never',
          initContainers: [{ name: 'init1', image: ctx.images.busybox, command: ['/bin/true'] }, { name: 'init2', image: ctx.images.busybox, command: ['/bin/false'] }],
          containers: [{ name: 'run1', image: ctx.images.busybox, command: ['/bin/true'] }],
        },
      });
      const p = await waitForPod(ctx, name, (x) => podPhase(x) === 'Failed', 'to fail', { failFast: (x) => (podPhase(x) === 'Succeeded' ? 'pod succeeded' : undefined) });
      const inits = (p.status?.initContainerStatuses ?? []) as KubeObject[];
      expectEqual(inits[0]?.state?.terminated?.exitCode, 0, 'exit code of init1');
      expectTrue((inits[1]?.state?.terminated?.exitCode ?? 0) !== 0, `init2 did not terminate with a non-zero exit code: ${JSON.stringify(inits[1]?.state)}`);
      const app = (p.status?.containerStatuses ?? [])[0] as KubeObject | undefined;
      expectTrue(!app?.state?.running && !app?.state?.terminated?.startedAt, `app container run1 was started: ${JSON.stringify(app?.state)}`);
      const cond = (p.status?.conditions ?? []).find((c: KubeObject) => c.type === 'Initialized');
      expectEqual(cond?.status, 'False', 'Initialized condition status');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-29',
    codename: '[sig-node] Kubelet when scheduling a busybox command in a pod should print the output to logs [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `busybox-scheduling-${ctx.uid}`;
      ctx.step('creating a busybox pod that prints Hello World');
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name, image: ctx.images.busybox, command: ['sh', '-c', 'echo Hello World'] }] } });
      ctx.step('checking the pod logs');
      await ctx.waitFor(async () => (await podLogs(ctx, name, name).catch(() => '')) === 'Hello World\n', { timeoutMs: 120_000, message: `logs of ${name} to be "Hello World"` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-31',
    codename: '[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should have an terminated reason [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `bin-false-${ctx.uid}`;
      ctx.step('creating a pod running /bin/false');
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name, image: ctx.images.busybox, command: ['/bin/false'] }] } });
      ctx.step('waiting for the container to terminate');
      const p = await waitForPod(ctx, name, (x) => Boolean(terminatedState(x)), 'container to terminate', { timeoutMs: 120_000 });
      const t = terminatedState(p)!;
      expectTrue(t.reason, `terminated container has no reason: ${JSON.stringify(t)}`);
      expectEqual(p.status?.containerStatuses?.length, 1, 'container statuses');
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-30',
    codename: '[sig-node] Kubelet when scheduling a busybox command that always fails in a pod should be possible to delete [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `bin-false-${ctx.uid}`;
      ctx.step('creating a pod running /bin/false');
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name, image: ctx.images.busybox, command: ['/bin/false'] }] } });
      ctx.step('deleting the pod');
      await ctx.core('pods').delete(name);
      await ctx.waitFor(async () => ctx.core('pods').get(name).then(() => false, (e) => (e as { code?: number }).code === 404), { timeoutMs: 60_000, message: `pod ${name} to be deleted` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-32',
    codename: '[sig-node] Kubelet when scheduling a read only busybox container should not write to root filesystem [LinuxOnly] [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `busybox-readonly-fs-${ctx.uid}`;
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name, image: ctx.images.busybox, command: ['/bin/sh', '-c', 'echo test > /file; sleep 240'], securityContext: { readOnlyRootFilesystem: true } }] } });
      ctx.step('checking the pod logs for a write error');
      await ctx.waitFor(async () => /Read-only file system/.test(await podLogs(ctx, name, name).catch(() => '')), { timeoutMs: 120_000, message: `logs of ${name} to show "Read-only file system"` });
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-33',
    codename: '[sig-node] Kubelet when scheduling an agnhost Pod with hostAliases should write entries to /etc/hosts [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `agnhost-host-aliases-${ctx.uid}`;
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', hostAliases: [{ ip: '123.45.67.89', hostnames: ['foo', 'bar'] }], containers: [{ name, image: ctx.images.busybox, command: ['/bin/sh', '-c', 'cat /etc/hosts; sleep 6000'] }] } });
      ctx.step('checking /etc/hosts in the pod logs');
      await ctx.waitFor(async () => /123\.45\.67\.89\tfoo\tbar/.test(await podLogs(ctx, name, name).catch(() => '')), { timeoutMs: 120_000, message: `/etc/hosts of ${name} to contain "123.45.67.89\\tfoo\\tbar"` });
    },
  }),

  ...([
    ['ND-09', '[sig-node] Container Runtime blackbox test on terminated container should report termination message as empty when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [Conformance] [NodeConformance]', { command: ['/bin/sh', '-c', 'echo -n OK'], terminationMessagePolicy: 'FallbackToLogsOnError' }, 'Succeeded', ''],
    ['ND-10', '[sig-node] Container Runtime blackbox test on terminated container should report termination message from file when pod succeeds and TerminationMessagePolicy FallbackToLogsOnError is set [Conformance] [NodeConformance]', { command: ['/bin/sh', '-c', 'echo -n OK > /dev/termination-log'], terminationMessagePolicy: 'FallbackToLogsOnError' }, 'Succeeded', 'OK'],
    ['ND-11', '[sig-node] Container Runtime blackbox test on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set [Conformance] [NodeConformance]', { command: ['/bin/sh', '-c', 'echo -n DONE; /bin/false'], terminationMessagePolicy: 'FallbackToLogsOnError' }, 'Failed', 'DONE'],
    ['ND-12', '[sig-node] Container Runtime blackbox test on terminated container should report termination message if TerminationMessagePath is set as non-root user and at a non-default path [Conformance] [NodeConformance]', { command: ['/bin/sh', '-c', 'echo -n DONE > /dev/termination-custom-log'], terminationMessagePath: '/dev/termination-custom-log', securityContext: { runAsUser: 1000 } }, 'Succeeded', 'DONE'],
  ] as const).map(([id, codename, container, phase, message]) =>
    defineCase(import.meta.url, {
      id,
      codename,
      async run(ctx) {
        const name = `termination-message-container-${ctx.uid}`;
        ctx.step('create the container');
        await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [{ name: 'termination-message-container', image: ctx.images.busybox, ...container }] } });
        ctx.step(`wait for the container to reach ${phase}`);
        const p = await waitForPod(ctx, name, (x) => podPhase(x) === phase, `to reach phase ${phase}`);
        ctx.step('get the container status');
        const t = terminatedState(p);
        if (!t) fail(`container is not terminated: ${diagnosePod(p)}`);
        ctx.step('the container should be terminated');
        ctx.step('the termination message should be set');
        expectEqual(t.message ?? '', message, 'termination message');
      },
    }),
  ),

  defineCase(import.meta.url, {
    id: 'ND-73',
    codename: '[sig-node] Security Context When creating a container with runAsUser should run the container with uid 65534 [LinuxOnly] [Conformance] [NodeConformance]',
    run: (ctx) =>
      testContainerOutput(ctx, 'runAsUser', { metadata: { name: `busybox-user-65534-${ctx.uid}` }, spec: { containers: [shContainer(ctx, 'c', 'id -u', { securityContext: { runAsUser: 65534 } })] } }, 0, ['65534']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-75',
    codename: '[sig-node] Security Context When creating a pod with readOnlyRootFilesystem should run the container with writable rootfs when readOnlyRootFilesystem=false [Conformance] [NodeConformance]',
    async run(ctx) {
      const name = `busybox-readonly-false-${ctx.uid}`;
      await createPod(ctx, { metadata: { name }, spec: { restartPolicy: 'Never', containers: [shContainer(ctx, 'c', 'touch checkfile', { securityContext: { readOnlyRootFilesystem: false } })] } });
      await waitForPodSuccess(ctx, name);
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-76',
    codename: '[sig-node] Security Context should support container.SecurityContext.RunAsUser And container.SecurityContext.RunAsGroup [LinuxOnly] [Conformance]',
    run: (ctx) =>
      testContainerOutput(ctx, 'container runAsUser/runAsGroup', { metadata: { name: `security-context-${ctx.uid}` }, spec: { containers: [shContainer(ctx, 'test-container', 'id', { securityContext: { runAsUser: 1001, runAsGroup: 2002 } })] } }, 0, ['uid=1001', 'gid=2002']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-77',
    codename: '[sig-node] Security Context should support pod.Spec.SecurityContext.RunAsUser And pod.Spec.SecurityContext.RunAsGroup [LinuxOnly] [Conformance]',
    run: (ctx) =>
      testContainerOutput(ctx, 'pod runAsUser/runAsGroup', { metadata: { name: `security-context-${ctx.uid}` }, spec: { securityContext: { runAsUser: 1001, runAsGroup: 2002 }, containers: [shContainer(ctx, 'test-container', 'id')] } }, 0, ['uid=1001', 'gid=2002']),
  }),

  defineCase(import.meta.url, {
    id: 'ND-79',
    codename: '[sig-node] Sysctls [LinuxOnly] should reject invalid sysctls [Conformance] [NodeConformance]',
    async run(ctx) {
      ctx.step('Creating a pod with one valid and two invalid sysctls');
      const err = await expectApiError(
        createPod(ctx, {
          metadata: { name: `sysctl-${ctx.uid}` },
          spec: { securityContext: { sysctls: [{ name: 'foo-', value: 'bar' }, { name: 'kernel.shmmax', value: '100000000' }, { name: 'safe-and-unsafe', value: '100000000' }, { name: 'bar..', value: '42' }] }, containers: [shContainer(ctx, 'test-container', 'true')] },
        }),
        { code: 422 },
        'create a pod with invalid sysctl names',
      );
      const msg = err.status.message ?? '';
      for (const bad of ['foo-', 'bar..']) expectTrue(msg.includes(`Invalid value: "${bad}"`), `validation error does not name invalid sysctl ${bad}: ${msg}`);
      for (const ok of ['kernel.shmmax', 'safe-and-unsafe']) expectTrue(!msg.includes(ok), `validation error names the valid sysctl ${ok}: ${msg}`);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-N01',
    codename: '[sig-node] ConfigMap should be consumable as environment variable names with various prefixes [Conformance]',
    async run(ctx) {
      const name = `configmap-test-${ctx.uid}`;
      await ctx.core('configmaps').create({ metadata: { name }, data: { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' } });
      await testContainerOutput(ctx, 'consume configMaps', envPod(ctx, `pod-configmaps-${ctx.uid}`, { ...RAW_ENV, envFrom: VARIOUS_PREFIXES.map((prefix) => ({ ...(prefix ? { prefix } : {}), configMapRef: { name } })) }), 0, variousPrefixExpectations());
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-N14',
    codename: '[sig-node] Secrets should be consumable as environment variable names variable names with various prefixes [Conformance]',
    async run(ctx) {
      const name = `secret-test-${ctx.uid}`;
      await ctx.core('secrets').create({ metadata: { name }, data: { 'data-1': b64('value-1\n'), 'data-2': b64('value-2\n'), 'data-3': b64('value-3\n') } });
      await testContainerOutput(ctx, 'consume secrets', envPod(ctx, `pod-secret-${ctx.uid}`, { ...RAW_ENV, envFrom: VARIOUS_PREFIXES.map((prefix) => ({ ...(prefix ? { prefix } : {}), secretRef: { name } })) }), 0, variousPrefixExpectations());
    },
  }),

  defineCase(import.meta.url, {
    id: 'ND-N03',
    codename: '[sig-node] Downward API should provide hostIPs as an env var [Conformance] [NodeConformance]',
    run: (ctx) =>
      testContainerOutput(ctx, 'downward api env vars', envPod(ctx, `downward-api-${ctx.uid}`, {
        name: 'dapi-container',
        env: [{ name: 'HOST_IPS', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.hostIPs' } } }],
      }), 0, [/HOST_IPS=(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)/]),
  }),
];
