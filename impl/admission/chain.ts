/**
 * The admission chain: a list of named plugins and one runner. `admit` runs every mutating
 * plugin that handles the operation, `validate` every validating one; both stop at the first
 * error. Timing and metrics are recorded here and nowhere else.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/chain.go and metrics/metrics.go
 * (pluginHandlerWithMetrics), pkg/kubeapiserver/options/plugins.go (AllOrderedPlugins)
 */
import { StatusError, internalError } from '#impl/apimachinery/index.ts';
import { isMutatingPlugin, isValidatingPlugin, type AdmissionAttributes, type Plugin } from './interfaces.ts';
import { AdmissionMetrics } from './metrics.ts';

/** ORDERED_PLUGINS is upstream's plugin order (the subset kubets implements plus their neighbours). */
export const ORDERED_PLUGINS = [
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'PodSecurity',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'RuntimeClass',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
] as const;

/** ChainOptions configures {@link AdmissionChain}. */
export interface ChainOptions {
  plugins: readonly Plugin[];
  metrics?: AdmissionMetrics;
  /** Monotonic clock in seconds (injected for tests). */
  now?: () => number;
}

/** sortPlugins orders plugins as upstream does; unknown names keep their place after known ones. */
export function sortPlugins<T extends Plugin>(plugins: readonly T[]): T[] {
  const rank = (p: Plugin) => {
    const i = (ORDERED_PLUGINS as readonly string[]).indexOf(p.name);
    return i < 0 ? ORDERED_PLUGINS.length : i;
  };
  return [...plugins].sort((a, b) => rank(a) - rank(b));
}

function asStatusError(err: unknown): StatusError {
  return err instanceof StatusError ? err : internalError(err);
}

/**
 * AdmissionChain runs plugins in the order given (use {@link sortPlugins} for upstream order).
 * Non-StatusError failures become 500 InternalError. Safe for concurrent requests: it keeps no
 * per-request state.
 */
export class AdmissionChain {
  readonly plugins: readonly Plugin[];
  readonly metrics: AdmissionMetrics;
  private readonly now: () => number;

  constructor(opts: ChainOptions) {
    this.plugins = opts.plugins;
    this.metrics = opts.metrics ?? new AdmissionMetrics();
    this.now = opts.now ?? (() => Number(process.hrtime.bigint()) / 1e9);
  }

  /** admit runs the mutating plugins. */
  async admit(a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
    await this.run('admit', a, signal);
  }

  /** validate runs the validating plugins. */
  async validate(a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
    await this.run('validate', a, signal);
  }

  private async run(type: 'admit' | 'validate', a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
    const stepStart = this.now();
    let rejected = false;
    try {
      for (const p of this.plugins) {
        if (!p.handles(a.operation)) continue;
        const fn = type === 'admit' ? (isMutatingPlugin(p) ? p.admit.bind(p) : undefined) : isValidatingPlugin(p) ? p.validate.bind(p) : undefined;
        if (!fn) continue;
        const start = this.now();
        let failed = false;
        try {
          await fn(a, signal);
        } catch (err) {
          failed = true;
          throw asStatusError(err);
        } finally {
          this.metrics.controller.observe({ name: p.name, type, operation: a.operation, rejected: String(failed) }, this.now() - start);
        }
      }
    } catch (err) {
      rejected = true;
      throw err;
    } finally {
      this.metrics.step.observe({ type, operation: a.operation, rejected: String(rejected) }, this.now() - stepStart);
    }
  }
}

/** newAttributes builds AdmissionAttributes with empty warnings and annotations. */
export function newAttributes(init: Omit<AdmissionAttributes, 'warnings' | 'auditAnnotations' | 'subresource' | 'dryRun'> & Partial<Pick<AdmissionAttributes, 'subresource' | 'dryRun'>>): AdmissionAttributes {
  return { subresource: '', dryRun: false, ...init, warnings: [], auditAnnotations: {} };
}
