/**
 * Idempotence (critest idempotence.go): stop and remove calls must succeed for objects that are
 * already gone or already stopped. api.proto: "If there are any running containers in the
 * sandbox, they must be forcibly terminated ... This call is idempotent, and must not return an
 * error if all relevant resources have already been reclaimed" (StopPodSandbox) and the same
 * sentences on RemovePodSandbox, StopContainer, RemoveContainer and RemoveImage.
 */
import { randomUUID } from 'node:crypto';
import { ContainerState, PodSandboxState } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectNoError } from '../framework/expect.ts';

const D = '[k8s.io] Idempotence';
const unknownId = (): string => randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');

/** idempotenceCases are the stop/remove calls on objects that are gone or already stopped cases. */
export const idempotenceCases = defineCases([
  {
    name: `${D} StopPodSandbox should not return an error if not found`,
    async run(f) {
      await expectNoError(f.runtime.stopPodSandbox({ podSandboxId: unknownId() }, { signal: f.signal }), 'StopPodSandbox of an unknown ID (api.proto: must not return an error if not found)');
    },
  },
  {
    name: `${D} StopPodSandbox should not return an error if already stopped`,
    async run(f) {
      const pod = await f.newPod('idempotence-stop-pod');
      await f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal });
      expectEqual(PodSandboxState[(await f.podStatus(pod.id)).state], 'SANDBOX_NOTREADY', 'state after the first stop');
      await expectNoError(f.runtime.stopPodSandbox({ podSandboxId: pod.id }, { signal: f.signal }), 'second StopPodSandbox');
      expectEqual(PodSandboxState[(await f.podStatus(pod.id)).state], 'SANDBOX_NOTREADY', 'state after the second stop');
    },
  },
  {
    name: `${D} RemovePodSandbox should not return an error if not found`,
    async run(f) {
      await expectNoError(f.runtime.removePodSandbox({ podSandboxId: unknownId() }, { signal: f.signal }), 'RemovePodSandbox of an unknown ID');
    },
  },
  {
    name: `${D} StopContainer should not return an error if not found`,
    async run(f) {
      await expectNoError(f.runtime.stopContainer({ containerId: unknownId(), timeout: '0' }, { signal: f.signal }), 'StopContainer of an unknown ID (api.proto: must not return an error if not found)');
    },
  },
  {
    name: `${D} StopContainer should not return an error if already stopped`,
    async run(f) {
      const pod = await f.newPod('idempotence-stop-ctr');
      const id = await f.runContainer(pod, 'idempotence-stop-ctr');
      await f.runtime.stopContainer({ containerId: id, timeout: '10' }, { signal: f.signal });
      await f.waitForState(id, ContainerState.CONTAINER_EXITED);
      await expectNoError(f.runtime.stopContainer({ containerId: id, timeout: '10' }, { signal: f.signal }), 'second StopContainer');
      await f.runtime.removeContainer({ containerId: id }, { signal: f.signal });
      await expectNoError(f.runtime.removeContainer({ containerId: id }, { signal: f.signal }), 'second RemoveContainer');
    },
  },
  {
    name: `${D} RemoveContainer should not return an error if not found`,
    async run(f) {
      await expectNoError(f.runtime.removeContainer({ containerId: unknownId() }, { signal: f.signal }), 'RemoveContainer of an unknown ID');
    },
  },
  {
    name: `${D} RemoveImage should not return an error if not found`,
    async run(f) {
      const id = 'sha256:' + '0'.repeat(64);
      await expectNoError(f.image.removeImage({ image: { image: id } }, { signal: f.signal }), 'RemoveImage of an unknown image');
      await expectNoError(f.image.removeImage({ image: { image: id } }, { signal: f.signal }), 'second RemoveImage of an unknown image');
    },
  },
]);
