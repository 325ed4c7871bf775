/**
 * MutatingAdmissionWebhook: call every matching mutating webhook in order, apply their JSON
 * patches, and reinvoke `reinvocationPolicy: IfNeeded` webhooks once if a later webhook changed
 * the object.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/mutating/{plugin,dispatcher}.go
 */
import type { MutatingWebhookConfiguration, Namespace } from '#generated/k8s/index.ts';
import { applyJSONPatch, internalError } from '#impl/apimachinery/index.ts';
import { handlesOps, type AdmissionAttributes, type MutatingPlugin } from '../../interfaces.ts';
import type { AdmissionMetrics } from '../../metrics.ts';
import { callWebhook, defaultServiceResolver, dryRunUnsupported, ErrCallingWebhook, supportsDryRun, toStatusErr, type AdmissionWebhook, type ServiceResolver } from '../webhook/dispatcher.ts';
import { isExemptResource, namespaceSelectorMatches, objectSelectorMatches, rulesMatch } from '../webhook/matcher.ts';
import { evaluateMatchConditions } from '../webhook/match-conditions.ts';

export const MUTATING_WEBHOOK_NAME = 'MutatingAdmissionWebhook';

/** WebhookSourceOptions is shared by both webhook plugins. */
export interface WebhookPluginOptions<C> {
  /** listConfigurations returns the current configurations (an informer lister). */
  listConfigurations(): readonly C[];
  getNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>;
  resolveService?: ServiceResolver;
  metrics?: AdmissionMetrics;
  now?: () => number;
}

type Hook = NonNullable<MutatingWebhookConfiguration['webhooks']>[number] & { configuration: string };

function hooksOf(configs: readonly MutatingWebhookConfiguration[]): Hook[] {
  return [...configs]
    .sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''))
    .flatMap((c) => (c.webhooks ?? []).map((w) => ({ ...w, configuration: c.metadata?.name ?? '' })));
}

/** newMutatingAdmissionWebhook builds the plugin. */
export function newMutatingAdmissionWebhook(opts: WebhookPluginOptions<MutatingWebhookConfiguration>) {
  const resolve = opts.resolveService ?? defaultServiceResolver;
  const now = opts.now ?? (() => Number(process.hrtime.bigint()) / 1e9);

  const callOne = async (h: Hook, a: AdmissionAttributes, round: number, index: number, signal?: AbortSignal): Promise<boolean> => {
    if (a.dryRun && !supportsDryRun(h as AdmissionWebhook)) throw dryRunUnsupported(h.name);
    const start = now();
    let rejected = false;
    try {
      const resp = await callWebhook(h as AdmissionWebhook, a, { mutating: true, resolve, ...(signal ? { signal } : {}) });
      opts.metrics?.webhookRequests.inc({ name: h.name, type: 'admit', operation: a.operation, code: '200', rejected: String(!resp.allowed) });
      a.warnings.push(...(resp.warnings ?? []));
      for (const [k, v] of Object.entries(resp.auditAnnotations ?? {})) a.auditAnnotations[`${h.name}/${k}`] = v;
      if (!resp.allowed) {
        rejected = true;
        const err = toStatusErr(h.name, resp.status);
        opts.metrics?.webhookRejections.inc({ name: h.name, type: 'admit', operation: a.operation, error_type: 'no_error', rejection_code: String(err.code) });
        throw err;
      }
      if (!resp.patch) {
        a.auditAnnotations[`mutation.webhook.admission.k8s.io/round_${round}_index_${index}`] = JSON.stringify({ configuration: h.configuration, webhook: h.name, mutated: false });
        return false;
      }
      const patch = JSON.parse(Buffer.from(resp.patch, 'base64').toString('utf8')) as unknown;
      const before = JSON.stringify(a.object ?? null);
      try {
        a.object = applyJSONPatch(a.object ?? {}, patch);
      } catch (err) {
        throw internalError(new Error(`JSON Patch: ${err instanceof Error ? err.message : String(err)}`));
      }
      const mutated = JSON.stringify(a.object ?? null) !== before;
      a.auditAnnotations[`mutation.webhook.admission.k8s.io/round_${round}_index_${index}`] = JSON.stringify({ configuration: h.configuration, webhook: h.name, mutated });
      return mutated;
    } catch (err) {
      if (!(err instanceof ErrCallingWebhook)) throw err;
      rejected = true;
      opts.metrics?.webhookRejections.inc({ name: h.name, type: 'admit', operation: a.operation, error_type: 'calling_webhook_error', rejection_code: '0' });
      opts.metrics?.webhookRequests.inc({ name: h.name, type: 'admit', operation: a.operation, code: String(err.statusCode), rejected: 'true' });
      if ((h.failurePolicy ?? 'Fail') === 'Ignore') {
        a.auditAnnotations[`failed-open.mutation.webhook.admission.k8s.io/round_${round}_index_${index}`] = h.name;
        return false;
      }
      throw internalError(err);
    } finally {
      opts.metrics?.webhook.observe({ name: h.name, type: 'admit', operation: a.operation, rejected: String(rejected) }, now() - start);
    }
  };

  return {
    name: MUTATING_WEBHOOK_NAME,
    handles: handlesOps('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    async admit(a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
      if (isExemptResource(a)) return;
      const relevant: Hook[] = [];
      for (const h of hooksOf(opts.listConfigurations())) {
        if (!rulesMatch(h, a) || !objectSelectorMatches(h, a)) continue;
        if (!(await namespaceSelectorMatches(h, a, opts.getNamespace))) continue;
        relevant.push(h);
      }
      let lastMutation = -1;
      const ifNeededRan: number[] = [];
      for (const [i, h] of relevant.entries()) {
        // Conditions see the object as the webhooks before this one left it.
        const m = evaluateMatchConditions(h, a);
        if ('error' in m) throw m.error;
        if (!m.match) continue;
        if (await callOne(h, a, 0, i, signal)) lastMutation = i;
        if (h.reinvocationPolicy === 'IfNeeded') ifNeededRan.push(i);
      }
      // Reinvoke IfNeeded webhooks that ran before the last mutation, once (upstream reinvocation).
      const again = ifNeededRan.filter((i) => i < lastMutation);
      for (const i of again) await callOne(relevant[i]!, a, 1, i, signal);
    },
  } satisfies MutatingPlugin;
}
