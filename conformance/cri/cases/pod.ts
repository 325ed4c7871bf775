/**
 * PodSandbox: run, stop, remove, attributes and sysctls (critest pod.go, pod_linux.go), plus List
 * filters by state and label, status fields and namespace options (not in critest).
 */
import * as grpc from '@grpc/grpc-js';
import { ContainerState, PodSandboxState, NamespaceMode } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectGrpcError, expectSubset, expectTrue, fail } from '../framework/expect.ts';
import type { Framework } from '../framework/framework.ts';

const D = '[k8s.io] PodSandbox runtime should support basic operations on PodSandbox';
const S = '[k8s.io] PodSandbox runtime should support sysctls';

async function listIds(f: Framework, filter: Parameters<Framework['runtime']['listPodSandbox']>[0]): Promise<string[]> {
  const r = await f.runtime.listPodSandbox(filter, { signal: f.signal });
  return r.items.map((p) => p.id);
}

async function sysctlCase(f: Framework, key: string, value: string): Promise<void> {
  const pod = await f.newPod('sysctl', { linux: { cgroupParent: '', sysctls: { [key]: value } } });
  const c = await f.runContainer(pod, 'sysctl');
  const got = (await f.execOk(c, `cat /proc/sys/${key.replace(/\./g, '/')}`)).trim();
  expectEqual(got, value, `sysctl ${key} inside the container`);
}

/** podCases are the sandbox lifecycle, attributes, sysctls, list filters and status fields cases. */
export const podCases = defineCases([
  {
    name: `${D} runtime should support running PodSandbox [Conformance]`,
    async run(f) {
      const pod = await f.newPod('PodSandbox-for-create-test');
      const st = await f.podStatus(pod.id);
      expectEqual(PodSandboxState[st.state], 'SANDBOX_READY', 'PodSandboxStatus.state after RunPodSandbox');
      expectTrue((await listIds(f, { filter: { id: pod.id } })).includes(pod.id), `ListPodSandbox(id=${pod.id}) does not list the sandbox`);
    },
  },
  {
    name: `${D} runtime should support stopping PodSandbox [Conformance]`,
    async run(f) {
      const pod = await f.newPod('PodSandbox-for-test-stop');
      await f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal });
      const st = await f.podStatus(pod.id);
      expectEqual(PodSandboxState[st.state], 'SANDBOX_NOTREADY', 'PodSandboxStatus.state after StopPodSandbox');
    },
  },
  {
    name: `${D} runtime should support removing PodSandbox [Conformance]`,
    async run(f) {
      const pod = await f.newPod('PodSandbox-for-test-remove');
      await f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal });
      await f.runtime.removePodSandbox({ podSandboxId: pod.id }, { signal: f.signal });
      expectTrue(!(await listIds(f, { filter: { id: pod.id } })).includes(pod.id), `ListPodSandbox still lists removed sandbox ${pod.id}`);
    },
  },
  {
    name: `${D} runtime should support preserving PodSandbox attributes [Conformance]`,
    async run(f) {
      const cfg = f.podConfig('PodSandbox-with-attributes');
      const md = cfg.metadata!;
      const labels = {
        foo: 'bar',
        'io.kubernetes.pod.name': md.name,
        'io.kubernetes.pod.namespace': md.namespace,
        'io.kubernetes.pod.uid': md.uid,
      };
      cfg.labels = labels;
      cfg.annotations = { abc: 'def' };
      const pod = await f.runPod(cfg);
      const st = await f.podStatus(pod.id);
      expectEqual(st.metadata, md, 'PodSandboxStatus.metadata');
      expectSubset(st.labels, labels, 'PodSandboxStatus.labels');
      expectSubset(st.annotations, { abc: 'def' }, 'PodSandboxStatus.annotations');
      const list = await f.runtime.listPodSandbox({ filter: { id: pod.id } }, { signal: f.signal });
      expectEqual(list.items.length, 1, `ListPodSandbox(id=${pod.id}) item count`);
      expectEqual(list.items[0]!.metadata, md, 'ListPodSandbox item metadata');
      expectSubset(list.items[0]!.labels, labels, 'ListPodSandbox item labels');
      expectSubset(list.items[0]!.annotations, { abc: 'def' }, 'ListPodSandbox item annotations');
    },
  },
  {
    name: `${S} should support safe sysctls`,
    run: (f) => sysctlCase(f, 'kernel.shm_rmid_forced', '1'),
  },
  {
    name: `${S} should support unsafe sysctls`,
    run: (f) => sysctlCase(f, 'fs.mqueue.msg_max', '100'),
  },
  {
    name: '[kubets] PodSandbox should list sandboxes filtered by state',
    async run(f) {
      const ready = await f.newPod('list-state-ready');
      const stopped = await f.newPod('list-state-stopped');
      await f.runtime.stopPodSandbox({ podSandboxId: stopped.id }, { signal: f.signal });
      const readyIds = await listIds(f, { filter: { state: { state: PodSandboxState.SANDBOX_READY } } });
      const notReadyIds = await listIds(f, { filter: { state: { state: PodSandboxState.SANDBOX_NOTREADY } } });
      expectTrue(readyIds.includes(ready.id), 'state=SANDBOX_READY filter misses a ready sandbox');
      expectTrue(!readyIds.includes(stopped.id), 'state=SANDBOX_READY filter lists a stopped sandbox');
      expectTrue(notReadyIds.includes(stopped.id), 'state=SANDBOX_NOTREADY filter misses a stopped sandbox');
      expectTrue(!notReadyIds.includes(ready.id), 'state=SANDBOX_NOTREADY filter lists a ready sandbox');
    },
  },
  {
    name: '[kubets] PodSandbox should list sandboxes filtered by label selector',
    async run(f) {
      const mark = f.uid();
      const a = await f.newPod('list-label-a', { labels: { 'cri-validate/mark': mark, tier: 'a' } });
      const b = await f.newPod('list-label-b', { labels: { 'cri-validate/mark': mark, tier: 'b' } });
      const both = await listIds(f, { filter: { labelSelector: { 'cri-validate/mark': mark } } });
      expectEqual([...both].sort(), [a.id, b.id].sort(), `label selector cri-validate/mark=${mark}`);
      const onlyA = await listIds(f, { filter: { labelSelector: { 'cri-validate/mark': mark, tier: 'a' } } });
      expectEqual(onlyA, [a.id], 'label selector with two labels (AND)');
      const none = await listIds(f, { filter: { labelSelector: { 'cri-validate/mark': mark, tier: 'c' } } });
      expectEqual(none, [], 'label selector that matches nothing');
      const byIdAndLabel = await listIds(f, { filter: { id: a.id, labelSelector: { tier: 'b' } } });
      expectEqual(byIdAndLabel, [], 'id filter combined with a non-matching label');
    },
  },
  {
    name: '[kubets] PodSandbox should report IP, creation time and namespace options in status',
    async run(f) {
      const before = BigInt(Date.now() - 60_000) * 1_000_000n;
      const pod = await f.newPod('status-fields');
      const st = await f.podStatus(pod.id);
      expectEqual(st.id, pod.id, 'PodSandboxStatus.id');
      const ip = st.network?.ip ?? '';
      expectTrue(/^\d+\.\d+\.\d+\.\d+$|:/.test(ip), `PodSandboxStatus.network.ip is not an IP: ${JSON.stringify(ip)}`);
      expectTrue(BigInt(st.createdAt || '0') > before, `PodSandboxStatus.created_at ${st.createdAt} is not a recent Unix time in ns`);
      const ns = st.linux?.namespaces?.options;
      if (!ns) fail('PodSandboxStatus.linux.namespaces.options is missing');
      expectEqual(NamespaceMode[ns.network], 'POD', 'namespace options: network');
      expectEqual(NamespaceMode[ns.ipc], 'POD', 'namespace options: ipc');
    },
  },
  {
    name: '[kubets] PodSandbox should report host namespace options in status',
    async run(f) {
      const pod = await f.newPod('status-hostns', {
        linux: { cgroupParent: '', securityContext: { namespaceOptions: { network: NamespaceMode.NODE, pid: NamespaceMode.NODE, ipc: NamespaceMode.NODE } } },
      });
      const st = await f.podStatus(pod.id);
      const ns = st.linux?.namespaces?.options;
      if (!ns) fail('PodSandboxStatus.linux.namespaces.options is missing');
      expectEqual(
        { network: NamespaceMode[ns.network], pid: NamespaceMode[ns.pid], ipc: NamespaceMode[ns.ipc] },
        { network: 'NODE', pid: 'NODE', ipc: 'NODE' },
        'namespace options for a host-network/PID/IPC sandbox',
      );
    },
  },
  {
    name: '[kubets] PodSandbox StopPodSandbox should stop the containers of the sandbox',
    async run(f) {
      // api.proto StopPodSandbox: "stops any running process that is part of the sandbox".
      const pod = await f.newPod('stop-with-containers');
      const a = await f.runContainer(pod, 'a');
      const b = await f.runContainer(pod, 'b');
      await f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal, timeoutMs: 90_000 });
      for (const id of [a, b]) expectEqual(ContainerState[(await f.containerStatus(id)).state], 'CONTAINER_EXITED', `state of container ${id} after StopPodSandbox`);
    },
  },
  {
    name: '[kubets] PodSandbox RemovePodSandbox should remove the containers of the sandbox',
    async run(f) {
      // api.proto RemovePodSandbox: running containers "must be forcibly terminated and removed".
      const pod = await f.newPod('remove-with-containers');
      const a = await f.runContainer(pod, 'a');
      await f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal, timeoutMs: 90_000 });
      await f.runtime.removePodSandbox({ podSandboxId: pod.id }, { signal: f.signal, timeoutMs: 90_000 });
      const left = (await f.runtime.listContainers({ filter: { podSandboxId: pod.id } }, { signal: f.signal })).containers.map((c) => c.id);
      expectEqual(left, [], `containers still listed for removed sandbox ${pod.id}`);
      await expectGrpcError(f.runtime.containerStatus({ containerId: a }, { signal: f.signal }), `ContainerStatus of container ${a} after its sandbox was removed`, [grpc.status.NOT_FOUND]);
    },
  },
  {
    name: '[kubets] PodSandbox status calls should return NOT_FOUND for unknown IDs',
    async run(f) {
      const id = `cri-validate-unknown-${f.uid()}`;
      await expectGrpcError(f.runtime.podSandboxStatus({ podSandboxId: id }, { signal: f.signal }), 'PodSandboxStatus of an unknown ID', [grpc.status.NOT_FOUND]);
      await expectGrpcError(f.runtime.containerStatus({ containerId: id }, { signal: f.signal }), 'ContainerStatus of an unknown ID', [grpc.status.NOT_FOUND]);
    },
  },
]);
