/**
 * Sync errors with the upstream reasons the kubelet reports in container `waiting` states
 * (upstream: pkg/kubelet/container/sync_result.go, pkg/kubelet/images/types.go).
 */

/** CONTAINER_WAITING_REASONS are the reasons a container can be waiting with after a failed sync. */
export const CONTAINER_WAITING_REASONS = {
  ContainerCreating: 'ContainerCreating',
  PodInitializing: 'PodInitializing',
  CrashLoopBackOff: 'CrashLoopBackOff',
  ErrImagePull: 'ErrImagePull',
  ImagePullBackOff: 'ImagePullBackOff',
  ErrImageNeverPull: 'ErrImageNeverPull',
  InvalidImageName: 'InvalidImageName',
  CreateContainerConfigError: 'CreateContainerConfigError',
  CreateContainerError: 'CreateContainerError',
  RunContainerError: 'RunContainerError',
  PreStartHookError: 'PreStartHookError',
  PostStartHookError: 'PostStartHookError',
} as const;
/** ContainerWaitingReason is one of {@link CONTAINER_WAITING_REASONS}. */
export type ContainerWaitingReason = keyof typeof CONTAINER_WAITING_REASONS;

/**
 * SyncError is a failure of one step of syncPod that should show up in the container's status
 * as `waiting: { reason, message }`.
 */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly reason: ContainerWaitingReason,
    message: string,
    opts?: { cause?: unknown },
  ) {
    super(message, opts);
  }
}

/** isSyncError narrows to {@link SyncError}. */
export function isSyncError(err: unknown): err is SyncError {
  return err instanceof SyncError;
}
