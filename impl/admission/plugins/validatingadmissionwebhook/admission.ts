/**
 * ValidatingAdmissionWebhook: call every matching validating webhook in parallel; the first
 * denial (in webhook order) rejects the request.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/validating/{plugin,dispatcher}.go
 */
import type { ValidatingWebhookConfiguration } from '#generated/k8s/index.ts';
import { internalError, type StatusError } from '#impl/apimachinery/index.ts';
import { handlesOps, type AdmissionAttributes, type ValidatingPlugin } from '../../interfaces.ts';
import type { WebhookPluginOptions } from '../mutatingadmissionwebhook/admission.ts';
import { callWebhook, defaultServiceResolver, dryRunUnsupported, ErrCallingWebhook, supportsDryRun, toStatusErr, type AdmissionWebhook } from '../webhook/dispatcher.ts';
import { isExemptResource, namespaceSelectorMatches, objectSelectorMatches, rulesMatch } from '../webhook/matcher.ts';
import { evaluateMatchConditions } from '../webhook/match-conditions.ts';

export const VALIDATING_WEBHOOK_NAME = 'ValidatingAdmissionWebhook';

type Hook = NonNullable<ValidatingWebhookConfiguration['webhooks']>[number];

/** newValidatingAdmissionWebhook builds the plugin. */
export function newValidatingAdmissionWebhook(opts: WebhookPluginOptions<ValidatingWebhookConfiguration>) {
  const resolve = opts.resolveService ?? defaultServiceResolver;
  const now = opts.now ?? (() => Number(process.hrtime.bigint()) / 1e9);

  const callOne = async (h: Hook, a: AdmissionAttributes, index: number, signal?: AbortSignal): Promise<StatusError | undefined> => {
    if (a.dryRun && !supportsDryRun(h as AdmissionWebhook)) return dryRunUnsupported(h.name);
    const start = now();
    let rejected = false;
    try {
      const resp = await callWebhook(h as AdmissionWebhook, a, { mutating: false, resolve, ...(signal ? { signal } : {}) });
      opts.metrics?.webhookRequests.inc({ name: h.name, type: 'validating', operation: a.operation, code: '200', rejected: String(!resp.allowed) });
      a.warnings.push(...(resp.warnings ?? []));
      for (const [k, v] of Object.entries(resp.auditAnnotations ?? {})) a.auditAnnotations[`${h.name}/${k}`] = v;
      if (resp.allowed) return undefined;
      rejected = true;
      const err = toStatusErr(h.name, resp.status);
      opts.metrics?.webhookRejections.inc({ name: h.name, type: 'validating', operation: a.operation, error_type: 'no_error', rejection_code: String(err.code) });
      return err;
    } catch (err) {
      if (!(err instanceof ErrCallingWebhook)) return internalError(err);
      rejected = true;
      opts.metrics?.webhookRejections.inc({ name: h.name, type: 'validating', operation: a.operation, error_type: 'calling_webhook_error', rejection_code: '0' });
      opts.metrics?.webhookRequests.inc({ name: h.name, type: 'validating', operation: a.operation, code: String(err.statusCode), rejected: 'true' });
      if ((h.failurePolicy ?? 'Fail') === 'Ignore') {
        a.auditAnnotations[`failed-open.validating.webhook.admission.k8s.io/round_0_index_${index}`] = h.name;
        return undefined;
      }
      return internalError(err);
    } finally {
      opts.metrics?.webhook.observe({ name: h.name, type: 'validating', operation: a.operation, rejected: String(rejected) }, now() - start);
    }
  };

  return {
    name: VALIDATING_WEBHOOK_NAME,
    handles: handlesOps('CREATE', 'UPDATE', 'DELETE', 'CONNECT'),
    async validate(a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
      if (isExemptResource(a)) return;
      const configs = [...opts.listConfigurations()].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''));
      const relevant: Hook[] = [];
      for (const h of configs.flatMap((c) => c.webhooks ?? [])) {
        if (!rulesMatch(h, a) || !objectSelectorMatches(h, a)) continue;
        if (!(await namespaceSelectorMatches(h, a, opts.getNamespace))) continue;
        const m = evaluateMatchConditions(h, a);
        if ('error' in m) throw m.error;
        if (!m.match) continue;
        relevant.push(h);
      }
      const results = await Promise.all(relevant.map((h, i) => callOne(h, a, i, signal)));
      const first = results.find((r) => r !== undefined);
      if (first) throw first;
    },
  } satisfies ValidatingPlugin;
}
