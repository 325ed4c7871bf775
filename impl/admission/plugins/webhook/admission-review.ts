/**
 * AdmissionReview v1 request/response shapes and their construction. admission.k8s.io is not
 * served by the apiserver, so its types are not in the generated OpenAPI types; they are declared
 * here from the upstream Go types.
 *
 * upstream: staging/src/k8s.io/api/admission/v1/types.go and
 * staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/request/admissionreview.go
 */
import { randomUUID } from 'node:crypto';
import type { AdmissionAttributes, AdmissionObject } from '../../interfaces.ts';

/** AdmissionRequest is `request` of an AdmissionReview. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  requestKind?: { group: string; version: string; kind: string };
  requestResource?: { group: string; version: string; resource: string };
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: string;
  userInfo: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object?: AdmissionObject | null;
  oldObject?: AdmissionObject | null;
  dryRun?: boolean;
  options?: Record<string, unknown> | null;
}

/** AdmissionResponse is `response` of an AdmissionReview. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; status?: string; details?: unknown; metadata?: unknown };
  patch?: string;
  patchType?: string;
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

/** AdmissionReview is the envelope both ways. */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

const OPTIONS_KIND: Record<string, string> = { CREATE: 'CreateOptions', UPDATE: 'UpdateOptions', DELETE: 'DeleteOptions' };

/** createAdmissionReview builds the request for one webhook call (upstream CreateV1AdmissionReview). */
export function createAdmissionReview(a: AdmissionAttributes, uid: string = randomUUID()): AdmissionReview {
  const options = a.options ? { apiVersion: 'meta.k8s.io/v1', kind: OPTIONS_KIND[a.operation] ?? 'CreateOptions', ...a.options } : undefined;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: a.kind,
      resource: a.resource,
      ...(a.subresource ? { subResource: a.subresource } : {}),
      requestKind: a.kind,
      requestResource: a.resource,
      ...(a.subresource ? { requestSubResource: a.subresource } : {}),
      ...(a.name ? { name: a.name } : {}),
      ...(a.namespace ? { namespace: a.namespace } : {}),
      operation: a.operation,
      userInfo: { username: a.userInfo.name, ...(a.userInfo.uid ? { uid: a.userInfo.uid } : {}), groups: [...a.userInfo.groups], ...(a.userInfo.extra ? { extra: a.userInfo.extra } : {}) },
      object: a.operation === 'DELETE' ? null : (a.object ?? null),
      oldObject: a.operation === 'CREATE' ? null : (a.oldObject ?? null),
      dryRun: a.dryRun,
      options: options ?? null,
    },
  };
}

/**
 * verifyAdmissionResponse checks the envelope (upstream VerifyAdmissionResponse) and returns the
 * response or an error text.
 */
export function verifyAdmissionResponse(uid: string, mutating: boolean, body: unknown): AdmissionResponse | string {
  const review = body as Partial<AdmissionReview> | undefined;
  if (!review || typeof review !== 'object') return 'webhook response was absent';
  if (review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    return `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${review.apiVersion ?? ''}, Kind=${review.kind ?? ''}`;
  }
  const r = review.response;
  if (!r) return 'webhook response was absent';
  if (r.uid !== uid) return `expected response.uid="${uid}", got "${r.uid ?? ''}"`;
  if (r.patch !== undefined || r.patchType !== undefined) {
    if (!mutating) return 'validating webhook may not return response.patch';
    if (r.patchType !== 'JSONPatch') return `expected response.patchType to be "JSONPatch", got ${JSON.stringify(r.patchType ?? '')}`;
    if (r.patch === undefined) return 'response.patch is required when response.patchType is set';
  }
  return r;
}
