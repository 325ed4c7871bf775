/**
 * ProbeWorker runs one probe (liveness, readiness or startup) of one container periodically
 * (upstream: pkg/kubelet/prober/worker.go). Contract:
 * - Nothing runs before the container is running, nor before `initialDelaySeconds` after its
 *   start; until then readiness reads "failure", liveness "success", startup "unknown".
 * - A result changes only after `successThreshold` consecutive successes or
 *   `failureThreshold` consecutive failures (liveness and startup: successThreshold is 1).
 * - A new container ID resets the counters and the result.
 * - Liveness and readiness do not run until the startup probe succeeded; the startup probe
 *   stops after its first success.
 * - After a liveness or startup failure the worker holds off (`onHold`) until the container
 *   is replaced, so one failure does not kill the new container too.
 */
import type { Container, Pod, Probe } from '#generated/k8s/index.ts';
import type { Clock, TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import type { RuntimeService } from '../kuberuntime/cri-services.ts';
import { runProbe, type ProbeOutcome, type ProbeResult } from './prober.ts';

/** PROBE_TYPES are the three kinds of probe. */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

/** ContainerRuntimeInfo is what a worker needs to know about its container on each tick. */
export interface ContainerRuntimeInfo {
  containerId: string;
  running: boolean;
  startedAt: number;
  podIP: string;
  /** started: the startup probe succeeded (or there is none). */
  started: boolean;
}

/** ProbeWorkerOptions configure a {@link ProbeWorker}. */
export interface ProbeWorkerOptions {
  pod: Pod;
  container: Container;
  probeType: ProbeType;
  probe: Probe;
  clock: Clock;
  runtime: Pick<RuntimeService, 'execSync'>;
  /** info reads the container's current state (from the status manager). */
  info: () => ContainerRuntimeInfo | undefined;
  /** onResult hears every change of the result and every counted failure (`changed` false then), for events. */
  onResult: (w: ProbeWorker, result: ProbeResult, outcome: ProbeOutcome | undefined, changed: boolean) => void;
  /** onError hears probes that could not run (result `unknown`: bad port name, exec error), for the event. */
  onError?: (outcome: ProbeOutcome) => void;
}

/** initialResult is the result before the probe ran (upstream: readiness failure, liveness success). */
export function initialResult(t: ProbeType): ProbeResult {
  return t === 'readiness' ? 'failure' : t === 'liveness' ? 'success' : 'unknown';
}

/** ProbeWorker: see the module comment. */
export class ProbeWorker {
  readonly o: ProbeWorkerOptions;
  result: ProbeResult;
  containerId = '';
  private resultRun = 0;
  private lastResult: ProbeResult = 'unknown';
  private onHold = false;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private running = false;

  constructor(opts: ProbeWorkerOptions) {
    this.o = opts;
    this.result = initialResult(opts.probeType);
  }

  /** start schedules the first probe after a jittered fraction of the period (upstream). */
  start(): void {
    const period = (this.o.probe.periodSeconds ?? 10) * 1000;
    this.schedule(Math.floor(Math.random() * Math.min(period, 1000)));
  }

  /** stop ends the loop. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.o.clock.setTimeout(() => void this.tick(), ms, { background: true });
  }

  private setResult(r: ProbeResult, outcome: ProbeOutcome | undefined): void {
    const changed = r !== this.result;
    this.result = r;
    if (changed || (r === 'failure' && outcome)) this.o.onResult(this, r, outcome, changed);
  }

  /** doProbe runs one probe iteration; returns false once the worker should stop (upstream doProbe). */
  async doProbe(): Promise<boolean> {
    const info = this.o.info();
    if (!info || !info.containerId) return true; // not created yet
    if (info.containerId !== this.containerId) {
      this.containerId = info.containerId;
      this.resultRun = 0;
      this.lastResult = 'unknown';
      this.onHold = false;
      this.setResult(initialResult(this.o.probeType), undefined);
    }
    if (this.onHold) return true;
    if (!info.running) {
      if (this.o.probeType !== 'liveness') this.setResult('failure', undefined);
      return true;
    }
    const p = this.o.probe;
    if (this.o.probeType === 'startup' && this.result === 'success') return true;
    if (this.o.probeType !== 'startup' && !info.started) return true;
    if (this.o.clock.now() - info.startedAt < (p.initialDelaySeconds ?? 0) * 1000) return true;
    const outcome = await runProbe(p, { pod: this.o.pod, container: this.o.container, containerId: info.containerId, podIP: info.podIP }, this.o.runtime);
    if (this.stopped) return false;
    if (outcome.result === 'unknown') {
      // upstream: unknown results are not counted, but reported ("probe errored").
      this.o.onError?.(outcome);
      return true;
    }
    if (this.lastResult === outcome.result) this.resultRun++;
    else {
      this.lastResult = outcome.result;
      this.resultRun = 1;
    }
    const threshold = outcome.result === 'failure' ? (p.failureThreshold ?? 3) : (p.successThreshold ?? 1);
    if (this.resultRun < threshold && !(outcome.result === 'failure' && this.result === 'failure')) return true;
    this.setResult(outcome.result, outcome);
    if ((this.o.probeType === 'liveness' || this.o.probeType === 'startup') && outcome.result === 'failure') {
      // The container will be restarted; wait for the new one before probing again.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.doProbe();
    } finally {
      this.running = false;
    }
    this.schedule((this.o.probe.periodSeconds ?? 10) * 1000);
  }
}
