/**
 * FakeRuntimeService is an in-memory CRI runtime + image service for unit tests (upstream:
 * k8s.io/cri-api/pkg/apis/testing/fake_runtime_service.go, fake_image_service.go). Sandboxes get
 * IPs from 198.18.0.0/16; containers move created -> running -> exited only when told
 * (`exitContainer`) or stopped. Every call is recorded in `calls`; `errors` injects a failure
 * for the next call of a method (by method name, e.g. `pullImage`).
 */
import {
  ContainerState,
  NamespaceMode,
  PodSandboxState,
  type Container,
  type ContainerConfig,
  type ContainerStatus,
  type DeepPartial,
  type Image,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxStatus,
} from '#generated/cri/api.ts';
import { NotFoundError, UnknownError } from '#impl/cri/index.ts';
import type { ImageService, RuntimeService } from './cri-services.ts';

interface FakeSandbox {
  id: string;
  config: DeepPartial<PodSandboxConfig>;
  state: PodSandboxState;
  createdAt: bigint;
  ip: string;
}

interface FakeContainer {
  id: string;
  sandboxId: string;
  config: DeepPartial<ContainerConfig>;
  state: ContainerState;
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  reason: string;
  imageRef: string;
}


function notFound(method: string, what: string): NotFoundError {
  return new NotFoundError({ reason: 'NotFound', grpcCode: 5, method: `/runtime.v1.RuntimeService/${method}`, details: `${what} not found` });
}

function matches(labels: Record<string, string>, sel: Record<string, string | undefined> | undefined): boolean {
  return Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);
}

/** FakeRuntimeService: see the module comment. */
export class FakeRuntimeService implements RuntimeService, ImageService {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly containers = new Map<string, FakeContainer>();
  /** images maps a reference (as pulled) to its image id. */
  readonly images = new Map<string, string>();
  readonly calls: string[] = [];
  /** errors: method name -> error thrown by the next call of that method. */
  readonly errors = new Map<string, Error>();
  /** pullable: references that can be pulled (default: everything except names containing "missing"). */
  pullable: (image: string) => boolean = (image) => !image.includes('missing');
  private seq = 0;
  private nowNs: () => bigint;

  constructor(opts: { now?: () => number } = {}) {
    const now = opts.now ?? (() => Date.now());
    this.nowNs = () => BigInt(now()) * 1_000_000n;
  }

  private rec(method: string): void {
    this.calls.push(method);
    const err = this.errors.get(method);
    if (err) {
      this.errors.delete(method);
      throw err;
    }
  }

  /** exitContainer makes a running container exit with a code (as if its process ended). */
  exitContainer(id: string, exitCode: number): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    c.state = ContainerState.CONTAINER_EXITED;
    c.exitCode = exitCode;
    c.finishedAt = this.nowNs();
    c.reason = exitCode === 0 ? 'Completed' : 'Error';
  }

  /** containerByName returns the newest container with that name. */
  containerByName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].filter((c) => c.config.metadata?.name === name).sort((a, b) => Number(b.createdAt - a.createdAt))[0];
  }

  async version(): ReturnType<RuntimeService['version']> {
    this.rec('version');
    return { version: '0.1.0', runtimeName: 'fake', runtimeVersion: '0.0.1', runtimeApiVersion: 'v1' };
  }
  async status(): ReturnType<RuntimeService['status']> {
    this.rec('status');
    return {
      status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }] },
      info: {},
      runtimeHandlers: [],
      features: undefined,
    };
  }
  async runPodSandbox(req: Parameters<RuntimeService['runPodSandbox']>[0]): ReturnType<RuntimeService['runPodSandbox']> {
    this.rec('runPodSandbox');
    const id = `sb${++this.seq}`;
    const hostNetwork = req.config?.linux?.securityContext?.namespaceOptions?.network === NamespaceMode.NODE;
    this.sandboxes.set(id, { id, config: req.config ?? {}, state: PodSandboxState.SANDBOX_READY, createdAt: this.nowNs() + BigInt(this.seq), ip: hostNetwork ? '' : `198.18.0.${this.seq}` });
    return { podSandboxId: id };
  }
  async stopPodSandbox(req: Parameters<RuntimeService['stopPodSandbox']>[0]): ReturnType<RuntimeService['stopPodSandbox']> {
    this.rec('stopPodSandbox');
    const s = this.sandboxes.get(req.podSandboxId ?? '');
    if (!s) return {};
    for (const c of this.containers.values()) if (c.sandboxId === s.id && c.state === ContainerState.CONTAINER_RUNNING) this.exitContainer(c.id, 137);
    s.state = PodSandboxState.SANDBOX_NOTREADY;
    return {};
  }
  async removePodSandbox(req: Parameters<RuntimeService['removePodSandbox']>[0]): ReturnType<RuntimeService['removePodSandbox']> {
    this.rec('removePodSandbox');
    for (const c of [...this.containers.values()]) if (c.sandboxId === req.podSandboxId) this.containers.delete(c.id);
    this.sandboxes.delete(req.podSandboxId ?? '');
    return {};
  }
  async podSandboxStatus(req: Parameters<RuntimeService['podSandboxStatus']>[0]): ReturnType<RuntimeService['podSandboxStatus']> {
    this.rec('podSandboxStatus');
    const s = this.sandboxes.get(req.podSandboxId ?? '');
    if (!s) throw notFound('PodSandboxStatus', `sandbox ${req.podSandboxId}`);
    const status: DeepPartial<PodSandboxStatus> = {
      id: s.id,
      metadata: s.config.metadata,
      state: s.state,
      createdAt: String(s.createdAt),
      network: { ip: s.state === PodSandboxState.SANDBOX_READY ? s.ip : '', additionalIps: [] },
      linux: { namespaces: { options: s.config.linux?.securityContext?.namespaceOptions } },
      labels: s.config.labels as Record<string, string>,
      annotations: s.config.annotations as Record<string, string>,
    };
    return { status: status as PodSandboxStatus, info: {}, containersStatuses: [], timestamp: '0' };
  }
  async listPodSandbox(req: Parameters<RuntimeService['listPodSandbox']>[0] = {}): ReturnType<RuntimeService['listPodSandbox']> {
    this.rec('listPodSandbox');
    const items: PodSandbox[] = [];
    for (const s of this.sandboxes.values()) {
      const labels = (s.config.labels ?? {}) as Record<string, string>;
      if (!matches(labels, req.filter?.labelSelector)) continue;
      items.push({ id: s.id, metadata: s.config.metadata as PodSandbox['metadata'], state: s.state, createdAt: String(s.createdAt), labels, annotations: (s.config.annotations ?? {}) as Record<string, string>, runtimeHandler: '' });
    }
    return { items };
  }
  async createContainer(req: Parameters<RuntimeService['createContainer']>[0]): ReturnType<RuntimeService['createContainer']> {
    this.rec('createContainer');
    if (!this.sandboxes.has(req.podSandboxId ?? '')) throw notFound('CreateContainer', `sandbox ${req.podSandboxId}`);
    const id = `c${++this.seq}`;
    this.containers.set(id, {
      id,
      sandboxId: req.podSandboxId ?? '',
      config: req.config ?? {},
      state: ContainerState.CONTAINER_CREATED,
      createdAt: this.nowNs() + BigInt(this.seq),
      startedAt: 0n,
      finishedAt: 0n,
      exitCode: 0,
      reason: '',
      imageRef: req.config?.image?.image ?? '',
    });
    return { containerId: id };
  }
  async startContainer(req: Parameters<RuntimeService['startContainer']>[0]): ReturnType<RuntimeService['startContainer']> {
    this.rec('startContainer');
    const c = this.containers.get(req.containerId ?? '');
    if (!c) throw notFound('StartContainer', `container ${req.containerId}`);
    c.state = ContainerState.CONTAINER_RUNNING;
    c.startedAt = this.nowNs();
    return {};
  }
  async stopContainer(req: Parameters<RuntimeService['stopContainer']>[0]): ReturnType<RuntimeService['stopContainer']> {
    this.rec('stopContainer');
    const c = this.containers.get(req.containerId ?? '');
    if (c && c.state !== ContainerState.CONTAINER_EXITED) this.exitContainer(c.id, 137);
    return {};
  }
  async removeContainer(req: Parameters<RuntimeService['removeContainer']>[0]): ReturnType<RuntimeService['removeContainer']> {
    this.rec('removeContainer');
    this.containers.delete(req.containerId ?? '');
    return {};
  }
  /** memoryBytes: working set reported per container by listContainerStats (default 1 MiB). */
  memoryBytes = new Map<string, number>();
  async listContainerStats(): ReturnType<RuntimeService['listContainerStats']> {
    this.rec('listContainerStats');
    const ts = String(this.nowNs());
    return {
      stats: [...this.containers.values()].filter((c) => c.state === 1).map((c) => ({
        attributes: { id: c.id, metadata: { name: c.config.metadata?.name ?? '', attempt: 0 }, labels: (c.config.labels ?? {}) as Record<string, string>, annotations: {} },
        cpu: { timestamp: ts, usageCoreNanoSeconds: { value: '1000000' }, usageNanoCores: { value: '1000' } },
        memory: { timestamp: ts, workingSetBytes: { value: String(this.memoryBytes.get(c.id) ?? 1 << 20) }, availableBytes: undefined, usageBytes: { value: String(this.memoryBytes.get(c.id) ?? 1 << 20) }, rssBytes: undefined, pageFaults: undefined, majorPageFaults: undefined },
        writableLayer: undefined,
        swap: undefined,
      })),
    } as unknown as Awaited<ReturnType<RuntimeService['listContainerStats']>>;
  }
  async listContainers(req: Parameters<RuntimeService['listContainers']>[0] = {}): ReturnType<RuntimeService['listContainers']> {
    this.rec('listContainers');
    const containers: Container[] = [];
    for (const c of this.containers.values()) {
      const labels = (c.config.labels ?? {}) as Record<string, string>;
      if (!matches(labels, req.filter?.labelSelector)) continue;
      containers.push({
        id: c.id,
        podSandboxId: c.sandboxId,
        metadata: c.config.metadata as Container['metadata'],
        image: { image: c.imageRef, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
        imageRef: c.imageRef,
        imageId: c.imageRef,
        state: c.state,
        createdAt: String(c.createdAt),
        labels,
        annotations: (c.config.annotations ?? {}) as Record<string, string>,
      });
    }
    return { containers };
  }
  async containerStatus(req: Parameters<RuntimeService['containerStatus']>[0]): ReturnType<RuntimeService['containerStatus']> {
    this.rec('containerStatus');
    const c = this.containers.get(req.containerId ?? '');
    if (!c) throw notFound('ContainerStatus', `container ${req.containerId}`);
    const status: DeepPartial<ContainerStatus> = {
      id: c.id,
      metadata: c.config.metadata,
      state: c.state,
      createdAt: String(c.createdAt),
      startedAt: String(c.startedAt),
      finishedAt: String(c.finishedAt),
      exitCode: c.exitCode,
      image: { image: c.imageRef, userSpecifiedImage: c.config.image?.userSpecifiedImage },
      imageRef: c.imageRef,
      imageId: c.imageRef,
      reason: c.reason,
      message: '',
      labels: c.config.labels as Record<string, string>,
      annotations: c.config.annotations as Record<string, string>,
      mounts: c.config.mounts ?? [],
      logPath: '',
    };
    return { status: status as ContainerStatus, info: {} };
  }

  /** exec answers ExecSync (default: exit 0, no output). */
  exec: (containerId: string, cmd: string[]) => { exitCode: number; stdout?: string } = () => ({ exitCode: 0 });

  async execSync(req: Parameters<RuntimeService['execSync']>[0]): ReturnType<RuntimeService['execSync']> {
    this.rec('execSync');
    const c = this.containers.get(req.containerId ?? '');
    if (!c || c.state !== ContainerState.CONTAINER_RUNNING) throw notFound('ExecSync', `container ${req.containerId}`);
    const r = this.exec(c.id, (req.cmd ?? []) as string[]);
    return { stdout: Buffer.from(r.stdout ?? ''), stderr: Buffer.alloc(0), exitCode: r.exitCode };
  }

  async imageStatus(req: Parameters<ImageService['imageStatus']>[0]): ReturnType<ImageService['imageStatus']> {
    this.rec('imageStatus');
    const id = this.images.get(req.image?.image ?? '');
    return { image: id ? ({ id, repoTags: [req.image?.image ?? ''], repoDigests: [], size: '1000' } as unknown as Image) : undefined, info: {} };
  }
  async pullImage(req: Parameters<ImageService['pullImage']>[0]): ReturnType<ImageService['pullImage']> {
    this.rec('pullImage');
    const image = req.image?.image ?? '';
    if (!this.pullable(image)) {
      throw new UnknownError({ reason: 'Unknown', grpcCode: 2, method: '/runtime.v1.ImageService/PullImage', details: `failed to pull and unpack image "${image}": not found` });
    }
    const id = `sha256:${image.length.toString(16).padStart(64, '0')}`;
    this.images.set(image, id);
    return { imageRef: id };
  }
  async listImages(): ReturnType<ImageService['listImages']> {
    this.rec('listImages');
    return { images: [...this.images].map(([ref, id]) => ({ id, repoTags: [ref], repoDigests: [], size: '1000' }) as unknown as Image) };
  }
  async removeImage(req: Parameters<ImageService['removeImage']>[0]): ReturnType<ImageService['removeImage']> {
    this.rec('removeImage');
    const want = req.image?.image ?? '';
    for (const [ref, id] of [...this.images]) if (ref === want || id === want) this.images.delete(ref);
    return {};
  }
  async imageFsInfo(): ReturnType<ImageService['imageFsInfo']> {
    this.rec('imageFsInfo');
    return { imageFilesystems: [], containerFilesystems: [] };
  }
}

/** assertFakeCoversServices is a compile-time check that the fake implements every method used. */
export const assertFakeCoversServices: (f: FakeRuntimeService) => RuntimeService & ImageService = (f) => f;
