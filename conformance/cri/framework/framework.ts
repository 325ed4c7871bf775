/**
 * Framework is what a validation case works with, cut like cri-tools' `pkg/framework`: uniquely
 * named sandboxes and containers with cleanup registered as they are made, image presence checks
 * (ImageStatus, then PullImage only when missing), polling for container state, ExecSync helpers,
 * host temp dirs and CRI log parsing. One Framework per case; the Suite is shared by all cases.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type {
  ContainerConfig,
  ContainerStatus,
  DeepPartial,
  ExecSyncResponse,
  PodSandboxConfig,
  PodSandboxStatus,
} from '#generated/cri/api.ts';
import { ContainerState } from '#generated/cri/api.ts';
import { CaseFailure, SkipError } from './case.ts';
import { expectNoError, fail } from './expect.ts';
import { isCriCallError, type RawCri } from './raw-client.ts';

/** TestImages names the images the suite runs; every one is pulled by name when missing. */
export interface TestImages {
  /** busybox runs almost every container (sh, sleep, echo, id, cat, nc, wget, httpd...). */
  busybox: string;
  /** pause is pulled and removed by the image cases (not the runtime's sandbox image setting). */
  pause: string;
  /** testServer serves HTTP (/hostname, /healthz) and a TCP echo (the web-server cases). */
  testServer: string;
  /**
   * busyboxAlias is a second registry name of the busybox image (same digest) for the
   * "removing image from one registry" case; '' skips it.
   */
  busyboxAlias: string;
}

/** AuthImage is an image behind registry authentication, for the pull-with-auth case. */
export interface AuthImage {
  image: string;
  username: string;
  password: string;
}

/** SuiteOptions are the suite-wide settings (`kubets cri-validate` flags). */
export interface SuiteOptions {
  images: TestImages;
  /** runtimeHandler is passed to RunPodSandbox (critest's -runtime-handler). */
  runtimeHandler: string;
  /** authImage enables the pull-with-auth case. */
  authImage?: AuthImage;
  /** pollIntervalMs is how often state is polled (default 250 ms). */
  pollIntervalMs: number;
  /** stateTimeoutMs bounds each wait for a container state (critest: 1 min). */
  stateTimeoutMs?: number;
}

/** Suite is the state shared by every case of one run. */
export class Suite {
  readonly cri: RawCri;
  readonly options: SuiteOptions;
  private readonly pulls = new Map<string, Promise<string>>();

  constructor(cri: RawCri, options: SuiteOptions) {
    this.cri = cri;
    this.options = options;
  }

  /**
   * ensureImage returns the image's ID, pulling it (once per run) when ImageStatus says it is
   * missing, as critest's framework does before every CreateContainer.
   */
  ensureImage(image: string, signal?: AbortSignal): Promise<string> {
    let p = this.pulls.get(image);
    if (!p) {
      p = (async () => {
        const st = await this.cri.image.imageStatus({ image: { image } }, { signal });
        if (st.image?.id) return st.image.id;
        const res = await this.cri.image.pullImage({ image: { image } }, { signal, timeoutMs: 300_000 });
        return res.imageRef;
      })();
      this.pulls.set(image, p);
      p.catch(() => this.pulls.delete(image));
    }
    return p;
  }

  /** forgetImage drops the pull cache entry (after a case removed the image). */
  forgetImage(image: string): void {
    this.pulls.delete(image);
  }
}

/** ExecResult is ExecSync's answer with the streams decoded as UTF-8. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** LogLine is one parsed line of a CRI container log (`<RFC3339Nano> <stream> <P|F> <msg>`). */
export interface LogLine {
  time: string;
  stream: string;
  tag: string;
  message: string;
}

/** CRI_LOG_LINE is the CRI log format: time, stream, partial/full tag, message. */
export const CRI_LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) ([PF]) (.*)$/;

/** parseCriLog parses a CRI log file's text; a line that does not fit the format is a failure. */
export function parseCriLog(text: string, file: string): LogLine[] {
  const out: LogLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = CRI_LOG_LINE.exec(line);
    if (!m) fail(`log ${file}: line is not in the CRI log format "<RFC3339Nano> <stdout|stderr> <P|F> <message>": ${JSON.stringify(line)}`);
    out.push({ time: m[1]!, stream: m[2]!, tag: m[3]!, message: m[4]! });
  }
  return out;
}

/** sleep resolves after ms, or rejects when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Pod is a sandbox a case made: its ID and the config it was made with. */
export interface Pod {
  id: string;
  config: PodSandboxConfig;
}

/** The default long-running command: sleeps (waiting on a child, so SIGTERM is handled at once) and exits 0 on SIGTERM. */
export const PAUSE_CMD = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done'];

/** Framework is one case's toolbox; everything it makes is cleaned up when the case ends. */
export class Framework {
  readonly suite: Suite;
  readonly signal: AbortSignal;
  readonly log: string[] = [];
  private readonly cleanups: Array<{ what: string; fn: () => Promise<unknown> }> = [];

  constructor(suite: Suite, signal: AbortSignal) {
    this.suite = suite;
    this.signal = signal;
  }

  get runtime(): RawCri['runtime'] {
    return this.suite.cri.runtime;
  }
  get image(): RawCri['image'] {
    return this.suite.cri.image;
  }
  get images(): TestImages {
    return this.suite.options.images;
  }

  /** step records a progress note (shown in the JUnit output). */
  step(text: string): void {
    this.log.push(`${new Date().toISOString()} ${text}`);
  }

  /** skip ends the case as skipped with the reason. */
  skip(reason: string): never {
    throw new SkipError(reason);
  }

  /** defer registers a cleanup; cleanups run last-in first-out when the case ends. */
  defer(what: string, fn: () => Promise<unknown>): void {
    this.cleanups.push({ what, fn });
  }

  /** runCleanups runs every deferred cleanup (errors are logged, never thrown). */
  async runCleanups(): Promise<void> {
    while (this.cleanups.length > 0) {
      const c = this.cleanups.pop()!;
      try {
        await c.fn();
      } catch (err) {
        this.step(`cleanup ${c.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** uid returns a short unique suffix. */
  uid(): string {
    return randomUUID().slice(0, 8);
  }

  /** podConfig builds a uniquely named sandbox config (critest's framework defaults), merged with over. */
  podConfig(prefix: string, over: DeepPartial<PodSandboxConfig> = {}): PodSandboxConfig {
    const name = `${prefix}-${this.uid()}`;
    const base: DeepPartial<PodSandboxConfig> = {
      metadata: { name, uid: `cri-validate-uid-${randomUUID()}`, namespace: `cri-validate-ns-${this.uid()}`, attempt: 1 },
      linux: { cgroupParent: '' },
      ...over,
    };
    if (over.metadata) base.metadata = { ...base.metadata, ...over.metadata };
    return base as PodSandboxConfig;
  }

  /** runPod runs a sandbox and registers stop+remove for cleanup. */
  async runPod(config: PodSandboxConfig): Promise<Pod> {
    this.step(`RunPodSandbox ${config.metadata?.name}`);
    const res = await expectNoError(
      this.runtime.runPodSandbox({ config, runtimeHandler: this.suite.options.runtimeHandler }, { signal: this.signal }),
      `RunPodSandbox ${config.metadata?.name}`,
    );
    const id = res.podSandboxId;
    if (!id) fail(`RunPodSandbox ${config.metadata?.name}: the runtime returned an empty pod_sandbox_id`);
    this.defer(`remove sandbox ${id}`, async () => {
      await this.runtime.stopPodSandbox({ podSandboxId: id }, { timeoutMs: 60_000 }).catch(() => undefined);
      await this.runtime.removePodSandbox({ podSandboxId: id }, { timeoutMs: 60_000 });
    });
    return { id, config };
  }

  /** newPod is podConfig + runPod. */
  async newPod(prefix: string, over: DeepPartial<PodSandboxConfig> = {}): Promise<Pod> {
    return await this.runPod(this.podConfig(prefix, over));
  }

  /** podWithLogDir runs a sandbox whose log_directory is a fresh host temp dir. */
  async podWithLogDir(prefix: string, over: DeepPartial<PodSandboxConfig> = {}): Promise<Pod> {
    const dir = await this.tempDir('pod-logs');
    return await this.newPod(prefix, { ...over, logDirectory: dir });
  }

  /** podStatus returns PodSandboxStatus.status (failing when it is absent). */
  async podStatus(id: string): Promise<PodSandboxStatus> {
    const res = await expectNoError(this.runtime.podSandboxStatus({ podSandboxId: id }, { signal: this.signal }), `PodSandboxStatus ${id}`);
    if (!res.status) fail(`PodSandboxStatus ${id}: response has no status`);
    return res.status;
  }

  /**
   * containerConfig builds a uniquely named container config for image (default busybox) that runs
   * PAUSE_CMD unless over says otherwise.
   */
  containerConfig(prefix: string, over: DeepPartial<ContainerConfig> = {}): ContainerConfig {
    return {
      metadata: { name: `${prefix}-${this.uid()}`, attempt: 0 },
      image: { image: this.images.busybox },
      command: PAUSE_CMD,
      linux: {},
      ...over,
    } as ContainerConfig;
  }

  /** createContainer ensures the image is present, creates the container and registers its removal. */
  async createContainer(pod: Pod, config: ContainerConfig): Promise<string> {
    const image = config.image?.image ?? this.images.busybox;
    await expectNoError(this.suite.ensureImage(image, this.signal), `pull image ${image}`);
    this.step(`CreateContainer ${config.metadata?.name} in ${pod.id}`);
    const res = await expectNoError(
      this.runtime.createContainer({ podSandboxId: pod.id, config, sandboxConfig: pod.config }, { signal: this.signal }),
      `CreateContainer ${config.metadata?.name}`,
    );
    const id = res.containerId;
    if (!id) fail(`CreateContainer ${config.metadata?.name}: the runtime returned an empty container_id`);
    this.defer(`remove container ${id}`, () => this.runtime.removeContainer({ containerId: id }, { timeoutMs: 60_000 }));
    return id;
  }

  /** startContainer starts id. */
  async startContainer(id: string): Promise<void> {
    this.step(`StartContainer ${id}`);
    await expectNoError(this.runtime.startContainer({ containerId: id }, { signal: this.signal }), `StartContainer ${id}`);
  }

  /** runContainer creates and starts a container and waits until it is RUNNING. */
  async runContainer(pod: Pod, prefix: string, over: DeepPartial<ContainerConfig> = {}): Promise<string> {
    const id = await this.createContainer(pod, this.containerConfig(prefix, over));
    await this.startContainer(id);
    await this.waitForState(id, ContainerState.CONTAINER_RUNNING);
    return id;
  }

  /** containerStatus returns ContainerStatus.status. */
  async containerStatus(id: string, verbose = false): Promise<ContainerStatus> {
    const res = await expectNoError(this.runtime.containerStatus({ containerId: id, verbose }, { signal: this.signal }), `ContainerStatus ${id}`);
    if (!res.status) fail(`ContainerStatus ${id}: response has no status`);
    return res.status;
  }

  /**
   * waitForState polls ContainerStatus until the state is reached (default within 60 s, critest's
   * one minute) and fails with the last state seen.
   */
  async waitForState(id: string, state: ContainerState, timeoutMs = this.suite.options.stateTimeoutMs ?? 60_000, context = ''): Promise<ContainerStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ContainerStatus | undefined;
    for (;;) {
      last = await this.containerStatus(id);
      if (last.state === state) return last;
      if (Date.now() > deadline) break;
      await sleep(this.suite.options.pollIntervalMs, this.signal);
    }
    return fail(
      `container ${id}: expected state ${ContainerState[state]} within ${timeoutMs / 1000}s${context ? ` ${context}` : ''}, still ${ContainerState[last.state] ?? last.state}` +
        (last.reason ? ` (reason ${last.reason}${last.message ? `: ${last.message}` : ''})` : ''),
    );
  }

  /** eventually polls check until it returns a non-failure, then returns its value. */
  async eventually<T>(what: string, check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await check();
      } catch (err) {
        if (!(err instanceof CaseFailure) || Date.now() > deadline) {
          if (err instanceof CaseFailure) fail(`${what} (after ${timeoutMs / 1000}s): ${err.message}`);
          throw err;
        }
      }
      await sleep(this.suite.options.pollIntervalMs * 2, this.signal);
    }
  }

  /** execSync runs cmd with ExecSync (30 s default timeout) and decodes the output. */
  async execSync(id: string, cmd: string[], timeoutS = 30): Promise<ExecResult> {
    const res: ExecSyncResponse = await expectNoError(
      this.runtime.execSync({ containerId: id, cmd, timeout: String(timeoutS) }, { signal: this.signal, timeoutMs: (timeoutS + 30) * 1000 }),
      `ExecSync ${JSON.stringify(cmd)} in ${id}`,
    );
    return { stdout: Buffer.from(res.stdout).toString('utf8'), stderr: Buffer.from(res.stderr).toString('utf8'), exitCode: res.exitCode };
  }

  /** execOk runs a shell script with ExecSync, fails unless it exits 0, and returns stdout. */
  async execOk(id: string, script: string): Promise<string> {
    const r = await this.execSync(id, ['sh', '-c', script]);
    if (r.exitCode !== 0) fail(`exec ${JSON.stringify(script)}: exit code ${r.exitCode}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
    return r.stdout;
  }

  /** tempDir makes a host temp dir, removed when the case ends. */
  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), `cri-validate-${prefix}-`));
    this.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /** readLog reads and parses the CRI log of a container (log_directory + log_path). */
  async readLog(pod: Pod, logPath: string): Promise<LogLine[]> {
    const file = path.join(pod.config.logDirectory, logPath);
    const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => fail(`container log ${file}: ${err.code ?? err.message}`));
    return parseCriLog(text, file);
  }

  /** logText returns the messages of a stream, joined with newlines (full lines only end one). */
  static logText(lines: LogLine[], stream = 'stdout'): string {
    let out = '';
    for (const l of lines) if (l.stream === stream) out += l.message + (l.tag === 'F' ? '\n' : '');
    return out;
  }

  /** probeUnimplemented turns an UNIMPLEMENTED answer into a skip. */
  async orSkipUnimplemented<T>(p: Promise<T>, what: string): Promise<T> {
    try {
      return await p;
    } catch (err) {
      if (isCriCallError(err, grpc.status.UNIMPLEMENTED)) this.skip(`${what} is not implemented by this runtime (UNIMPLEMENTED)`);
      throw err;
    }
  }
}
