/**
 * Calling one admission webhook: resolve its clientConfig, POST the AdmissionReview with the
 * caBundle and timeout, and turn every outcome into a value or an upstream-worded error.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/{mutating,validating}/dispatcher.go,
 * errors/statuserror.go (ToStatusErr, NewDryRunUnsupportedErr), pkg/util/webhook/error.go (ErrCallingWebhook)
 */
import { StatusError, badRequest } from '#impl/apimachinery/index.ts';
import { postJson, WebhookTimeoutError } from '#impl/auth/webhook/webhook-client.ts';
import type { AdmissionAttributes } from '../../interfaces.ts';
import type { AdmissionMetrics } from '../../metrics.ts';
import { createAdmissionReview, verifyAdmissionResponse, type AdmissionResponse } from './admission-review.ts';

/** WebhookClientConfig is the `clientConfig` of a webhook. */
export interface WebhookClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

/** AdmissionWebhook is the part of a Mutating/ValidatingWebhook the dispatcher reads. */
export interface AdmissionWebhook {
  name: string;
  clientConfig: WebhookClientConfig;
  failurePolicy?: string;
  sideEffects?: string;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
}

/**
 * ServiceResolver maps a webhook service reference to a URL (upstream ServiceResolver). Whatever
 * host it returns, the TLS server name checked is `<name>.<namespace>.svc` (upstream's
 * clientConfig ServerName for service references).
 */
export type ServiceResolver = (namespace: string, name: string, port: number) => string | Promise<string>;

/** defaultServiceResolver uses the in-cluster DNS name, as upstream's default resolver. */
export const defaultServiceResolver: ServiceResolver = (ns, name, port) => `https://${name}.${ns}.svc:${port}`;

/** ServiceLike is the part of a Service {@link clusterIPServiceResolver} reads. */
export interface ServiceLike {
  spec?: { type?: string; clusterIP?: string; externalName?: string; ports?: Array<{ port: number }> };
}

/**
 * clusterIPServiceResolver resolves a service reference to `https://<clusterIP>:<port>` (or the
 * ExternalName), as kube-apiserver's default resolver does (upstream
 * aggregator.NewClusterIPServiceResolver / ResolveCluster): the apiserver runs on the node,
 * where kube-proxy's OUTPUT rules route cluster IPs, and cluster DNS names do not resolve.
 */
export function clusterIPServiceResolver(getService: (namespace: string, name: string) => Promise<ServiceLike | undefined>): ServiceResolver {
  return async (ns, name, port) => {
    const svc = await getService(ns, name);
    if (!svc) throw new Error(`service "${name}" not found`);
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') return `https://${spec.externalName}:${port}`;
    if (!spec.clusterIP || spec.clusterIP === 'None') throw new Error(`invalid service ${ns}/${name}: service has no cluster IP`);
    if (!(spec.ports ?? []).some((p) => p.port === port)) throw new Error(`no service port ${port} found for service "${name}"`);
    const host = spec.clusterIP.includes(':') ? `[${spec.clusterIP}]` : spec.clusterIP;
    return `https://${host}:${port}`;
  };
}

/** ErrCallingWebhook is a failed call: network, timeout, bad response (upstream webhookutil.ErrCallingWebhook). */
export class ErrCallingWebhook extends Error {
  constructor(readonly webhookName: string, reason: string, readonly statusCode = 0) {
    super(`failed calling webhook "${webhookName}": ${reason}`);
    this.name = 'ErrCallingWebhook';
  }
}

/** toStatusErr builds the denial error (upstream webhookerrors.ToStatusErr). */
export function toStatusErr(webhookName: string, result: AdmissionResponse['status']): StatusError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const r = { ...(result ?? {}) };
  let message: string;
  if (r.message) message = `${deniedBy}: ${r.message}`;
  else if (r.reason) message = `${deniedBy}: ${r.reason}`;
  else message = `${deniedBy} without explanation`;
  const code = r.code === undefined || r.code < 400 ? 400 : r.code;
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    ...(r.reason ? { reason: r.reason as never } : {}),
    ...(r.details ? { details: r.details as never } : {}),
    code,
  });
}

/** dryRunUnsupported: upstream NewDryRunUnsupportedErr (400). */
export function dryRunUnsupported(webhookName: string): StatusError {
  return badRequest(`admission webhook ${JSON.stringify(webhookName)} does not support dry run`);
}

/** supportsDryRun: sideEffects None or NoneOnDryRun. */
export function supportsDryRun(h: AdmissionWebhook): boolean {
  return h.sideEffects === 'None' || h.sideEffects === 'NoneOnDryRun';
}

/** webhookURL resolves clientConfig to the URL to POST, with `?timeout=Ns` as upstream adds. */
export async function webhookURL(h: AdmissionWebhook, resolve: ServiceResolver): Promise<string> {
  const timeout = h.timeoutSeconds ?? 10;
  let base: string;
  if (h.clientConfig.url) base = h.clientConfig.url;
  else if (h.clientConfig.service) {
    const s = h.clientConfig.service;
    let resolved: string;
    try {
      resolved = await resolve(s.namespace, s.name, s.port ?? 443);
    } catch (err) {
      throw new ErrCallingWebhook(h.name, `failed to call webhook: ${err instanceof Error ? err.message : String(err)}`);
    }
    base = `${resolved}${s.path ?? ''}`;
  } else throw new ErrCallingWebhook(h.name, 'webhook has no url or service');
  const u = new URL(base);
  u.searchParams.set('timeout', `${timeout}s`);
  return u.toString();
}

/**
 * callWebhook POSTs the review and returns the verified response. It throws
 * {@link ErrCallingWebhook} for anything that is not a well-formed answer.
 */
export async function callWebhook(
  h: AdmissionWebhook,
  a: AdmissionAttributes,
  opts: { mutating: boolean; resolve: ServiceResolver; metrics?: AdmissionMetrics; signal?: AbortSignal; now?: () => number },
): Promise<AdmissionResponse> {
  const review = createAdmissionReview(a);
  const uid = review.request!.uid;
  const url = await webhookURL(h, opts.resolve);
  const timeoutMs = (h.timeoutSeconds ?? 10) * 1000;
  const ca = h.clientConfig.caBundle ? Buffer.from(h.clientConfig.caBundle, 'base64') : undefined;
  const svc = h.clientConfig.url ? undefined : h.clientConfig.service;
  const tlsServerName = svc ? `${svc.name}.${svc.namespace}.svc` : undefined;
  let resp;
  try {
    resp = await postJson({ url, ...(ca ? { ca } : {}), ...(tlsServerName ? { tlsServerName } : {}) }, review, { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    const text = err instanceof WebhookTimeoutError ? `Post "${url}": context deadline exceeded` : err instanceof Error ? err.message : String(err);
    throw new ErrCallingWebhook(h.name, `failed to call webhook: ${text}`);
  }
  if (resp.statusCode < 200 || resp.statusCode >= 300) {
    throw new ErrCallingWebhook(h.name, `received invalid webhook response: the server responded with status code ${resp.statusCode}`, resp.statusCode);
  }
  const verified = verifyAdmissionResponse(uid, opts.mutating, resp.body);
  if (typeof verified === 'string') throw new ErrCallingWebhook(h.name, `received invalid webhook response: ${verified}`);
  return verified;
}
