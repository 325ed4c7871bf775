/**
 * ImageManager pulls images per `imagePullPolicy` with a per-image back-off (upstream:
 * pkg/kubelet/images/image_manager.go EnsureImageExists). Failures surface as SyncErrors with
 * the upstream reasons: ErrImagePull (with the runtime's message), ImagePullBackOff while backing
 * off ("Back-off pulling image \"x\""), ErrImageNeverPull, InvalidImageName.
 */
import type { Container, Pod, Secret } from '#generated/k8s/index.ts';
import { makeDockerKeyring, type AuthConfig } from '../credentialprovider/keyring.ts';
import type { Clock } from '#impl/apimachinery/util/clock/index.ts';
import { SyncError } from '../container/sync-result.ts';
import type { ImageService } from '../kuberuntime/cri-services.ts';
import { Backoff } from '../util/backoff.ts';

/** ImageManagerOptions configure an {@link ImageManager}. */
export interface ImageManagerOptions {
  imageService: ImageService;
  clock: Clock;
  /** backoffInitialMs / backoffMaxMs: upstream 10 s doubling to 5 min. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** pullSecrets returns the pod's `imagePullSecrets` that exist (missing ones are skipped, as upstream). */
  pullSecrets?: (pod: Pod, signal?: AbortSignal) => Promise<Secret[]>;
  /** onEvent hears Pulling/Pulled/Failed/BackOff, as upstream records events. */
  onEvent?: (pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string) => void;
}

/** PullPolicy is the closed set of image pull policies. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** defaultPullPolicy applies the API default: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** validImageName rejects references the runtime could never parse (upstream applyDefaultImageTag). */
export function validImageName(image: string): boolean {
  return /^[a-z0-9]+([._\-/:@a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(image) && !/\s/.test(image);
}

/** ImageManager: see the module comment. */
export class ImageManager {
  private readonly images: ImageService;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly onEvent: ImageManagerOptions['onEvent'];
  private readonly pullSecrets: ImageManagerOptions['pullSecrets'];

  constructor(opts: ImageManagerOptions) {
    this.images = opts.imageService;
    this.clock = opts.clock;
    this.backoff = new Backoff({ initialMs: opts.backoffInitialMs ?? 10_000, maxMs: opts.backoffMaxMs ?? 300_000, clock: opts.clock });
    this.onEvent = opts.onEvent;
    this.pullSecrets = opts.pullSecrets;
  }

  /**
   * pullImage pulls with each matching credential in turn, then fails with the last error
   * (upstream kuberuntime pullImage over keyring.Lookup); without credentials it pulls anonymously.
   */
  private async pullImage(pod: Pod, image: string, signal?: AbortSignal): Promise<string> {
    const secrets = (pod.spec?.imagePullSecrets ?? []).length && this.pullSecrets ? await this.pullSecrets(pod, signal) : [];
    const creds: (AuthConfig | undefined)[] = makeDockerKeyring(secrets).lookup(image);
    if (creds.length === 0) creds.push(undefined);
    let last: unknown;
    for (const auth of creds) {
      try {
        return (await this.images.pullImage({ image: { image }, ...(auth ? { auth } : {}) }, { signal })).imageRef;
      } catch (err) {
        if (signal?.aborted) throw err;
        last = err;
      }
    }
    throw last;
  }

  /** imageSize reads the size of a pulled image from ImageStatus ("0" when the runtime does not say). */
  private async imageSize(image: string, imageRef: string, signal?: AbortSignal): Promise<string> {
    for (const ref of [image, imageRef]) {
      try {
        const size = (await this.images.imageStatus({ image: { image: ref } }, { signal })).image?.size;
        if (size && size !== '0') return size;
      } catch {
        // fall through: the size is informational
      }
    }
    return '0';
  }

  /**
   * ensureImageExists makes sure the container's image is present and returns the image
   * reference to create the container with (the runtime's image id or digest reference).
   */
  async ensureImageExists(pod: Pod, container: Container, signal?: AbortSignal): Promise<string> {
    const image = container.image ?? '';
    if (!validImageName(image)) {
      throw new SyncError('InvalidImageName', `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`);
    }
    const policy = (container.imagePullPolicy as PullPolicy | undefined) ?? defaultPullPolicy(image);
    if (policy !== 'Always') {
      const st = await this.images.imageStatus({ image: { image } }, { signal });
      if (st.image?.id) {
        if (policy === 'IfNotPresent' || policy === 'Never') {
          this.onEvent?.(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
          return st.image.id;
        }
      }
      if (policy === 'Never') {
        const msg = `Container image "${image}" is not present with pull policy of Never`;
        this.onEvent?.(pod, 'Warning', 'ErrImageNeverPull', msg);
        throw new SyncError('ErrImageNeverPull', msg);
      }
    }
    const key = `${pod.metadata?.uid ?? ''}_${image}`;
    if (this.backoff.isInBackOffSinceUpdate(key)) {
      const msg = `Back-off pulling image "${image}"`;
      this.onEvent?.(pod, 'Normal', 'BackOff', msg);
      throw new SyncError('ImagePullBackOff', msg);
    }
    this.onEvent?.(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const started = this.clock.now();
    try {
      const imageRef = await this.pullImage(pod, image, signal);
      this.backoff.reset(key);
      const took = goDurationString(this.clock.now() - started);
      const size = await this.imageSize(image, imageRef, signal);
      // upstream image_manager.go; pulls are not queued here, so the time including waiting is the same.
      this.onEvent?.(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
      return imageRef;
    } catch (err) {
      if (signal?.aborted) throw err;
      this.backoff.next(key, this.clock.now());
      const detail = (err as { details?: string }).details ?? (err as Error).message;
      const msg = `Failed to pull image "${image}": ${detail}`;
      this.onEvent?.(pod, 'Warning', 'Failed', msg);
      throw new SyncError('ErrImagePull', msg, { cause: err });
    }
  }
}

/**
 * goDurationString renders milliseconds like Go's time.Duration.String of a duration truncated to
 * milliseconds ("198ms", "1.5s", "15.981s", "1m2.003s"), as upstream event messages print them.
 */
export function goDurationString(ms: number): string {
  ms = Math.max(0, Math.floor(ms));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const rest = ms % 60_000;
  const whole = Math.floor(rest / 1000);
  const frac = String(rest % 1000).padStart(3, '0').replace(/0+$/, '');
  const sec = `${whole}${frac ? `.${frac}` : ''}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}
