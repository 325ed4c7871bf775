/**
 * The CRI surface the kubelet uses (upstream: k8s.io/cri-api/pkg/apis `RuntimeService` and
 * `ImageManagerService`), as the subset of impl/cri's instrumented clients the kubelet calls.
 * Tests implement it with `fake-runtime-service.ts`; production passes `connectCri(...)`'s clients
 * built with `tolerateNotFound: true`.
 */
import type { RemoteImageService, RemoteRuntimeService } from '#impl/cri/index.ts';

/** RuntimeService is the kubelet's view of CRI RuntimeService. */
export type RuntimeService = Pick<
  RemoteRuntimeService,
  | 'version'
  | 'status'
  | 'runPodSandbox'
  | 'stopPodSandbox'
  | 'removePodSandbox'
  | 'podSandboxStatus'
  | 'listPodSandbox'
  | 'createContainer'
  | 'startContainer'
  | 'stopContainer'
  | 'removeContainer'
  | 'listContainers'
  | 'containerStatus'
  | 'execSync'
  | 'listContainerStats'
>;

/** ImageService is the kubelet's view of CRI ImageService. */
export type ImageService = Pick<RemoteImageService, 'imageStatus' | 'pullImage' | 'listImages' | 'imageFsInfo' | 'removeImage'>;
