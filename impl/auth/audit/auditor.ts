/**
 * Per-request audit: build audit.k8s.io/v1 Events for each stage the policy keeps and hand them
 * to a backend. The apiserver calls these functions from its handler chain.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/audit.go (WithAudit),
 * pkg/audit/request.go (LogRequestObject, LogResponseObject), pkg/audit/context.go
 */
import { randomUUID } from 'node:crypto';
import type { UserInfo } from '../user/user.ts';
import { evaluateAuditPolicy, levelAtLeast, type AuditLevel, type AuditPolicy, type AuditRequestAttributes, type AuditStage, type RequestAuditConfig } from './policy.ts';

/** AuditEvent is an audit.k8s.io/v1 Event (audit.k8s.io is not served, so it is declared here). */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: AuditLevel;
  auditID: string;
  stage: AuditStage;
  requestURI: string;
  verb: string;
  user: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  impersonatedUser?: { username: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; uid?: string; apiGroup?: string; apiVersion?: string; resourceVersion?: string; subresource?: string };
  responseStatus?: { metadata: Record<string, never>; status?: string; message?: string; reason?: string; code?: number };
  requestObject?: unknown;
  responseObject?: unknown;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
  annotations?: Record<string, string>;
}

/** AuditBackend receives events (upstream audit.Backend). It must not block the request. */
export interface AuditBackend {
  processEvents(...events: AuditEvent[]): void;
  shutdown?(): Promise<void>;
}

/** microTime renders RFC3339 with microseconds, as metav1.MicroTime. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function toUser(u: UserInfo): AuditEvent['user'] {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra ? { extra: u.extra } : {}) };
}

/** AuditRequestInit describes the request when auditing starts (after authentication). */
export interface AuditRequestInit {
  attributes: AuditRequestAttributes;
  apiVersion?: string;
  requestURI: string;
  sourceIPs?: string[];
  userAgent?: string;
  /** The requester when impersonating (`attributes.user` is then the impersonated user). */
  impersonator?: UserInfo;
  /** A client-provided `Audit-ID` header; a new UUID otherwise. */
  auditID?: string;
}

/**
 * RequestAuditor records one request. All methods are no-ops at level None. Call order:
 * `requestReceived()` once, optionally `setRequestObject`/`setResponseObject`/`addAnnotation`,
 * `responseStarted()` for long-running requests (watch, exec), then `responseComplete()` once
 * (or `panic()`).
 */
export class RequestAuditor {
  readonly config: RequestAuditConfig;
  readonly auditID: string;
  private readonly event: AuditEvent;
  private finished = false;

  constructor(init: AuditRequestInit, config: RequestAuditConfig, private readonly backend: AuditBackend, private readonly now: () => Date) {
    this.config = config;
    this.auditID = init.auditID || randomUUID();
    const a = init.attributes;
    const received = microTime(now());
    this.event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: config.level,
      auditID: this.auditID,
      stage: 'RequestReceived',
      requestURI: init.requestURI,
      verb: a.verb,
      user: toUser(init.impersonator ?? a.user),
      ...(init.impersonator ? { impersonatedUser: toUser(a.user) } : {}),
      ...(init.sourceIPs ? { sourceIPs: init.sourceIPs } : {}),
      ...(init.userAgent ? { userAgent: init.userAgent } : {}),
      ...(a.resourceRequest
        ? {
            objectRef: {
              resource: a.resource,
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(a.name ? { name: a.name } : {}),
              apiGroup: a.apiGroup,
              ...(init.apiVersion ? { apiVersion: init.apiVersion } : {}),
              ...(a.subresource ? { subresource: a.subresource } : {}),
            },
          }
        : {}),
      requestReceivedTimestamp: received,
      stageTimestamp: received,
    };
  }

  /** enabled is false at level None. */
  get enabled(): boolean {
    return this.config.level !== 'None';
  }

  private emit(stage: AuditStage): void {
    if (!this.enabled || this.config.omitStages.includes(stage)) return;
    const e: AuditEvent = { ...this.event, stage, stageTimestamp: microTime(this.now()) };
    if (e.annotations && Object.keys(e.annotations).length === 0) delete e.annotations;
    this.backend.processEvents(structuredClone(e));
  }

  /** requestReceived emits the RequestReceived stage. */
  requestReceived(): void {
    this.emit('RequestReceived');
  }

  /** setRequestObject records the decoded request body at level Request and above. */
  setRequestObject(obj: unknown): void {
    if (levelAtLeast(this.config.level, 'Request')) this.event.requestObject = this.config.omitManagedFields ? withoutManagedFields(obj) : obj;
  }

  /** setResponseObject records the response body at level RequestResponse. */
  setResponseObject(obj: unknown): void {
    if (levelAtLeast(this.config.level, 'RequestResponse')) this.event.responseObject = this.config.omitManagedFields ? withoutManagedFields(obj) : obj;
  }

  /** setObjectMeta fills objectRef uid/resourceVersion (and name for creates) once known. */
  setObjectMeta(meta: { name?: string; uid?: string; resourceVersion?: string }): void {
    if (!this.event.objectRef) return;
    if (meta.name && !this.event.objectRef.name) this.event.objectRef.name = meta.name;
    if (meta.uid) this.event.objectRef.uid = meta.uid;
    if (meta.resourceVersion) this.event.objectRef.resourceVersion = meta.resourceVersion;
  }

  /** addAnnotation adds an event annotation (authorization decision, admission annotations...). */
  addAnnotation(key: string, value: string): void {
    (this.event.annotations ??= {})[key] = value;
  }

  /** responseStarted emits ResponseStarted (long-running requests only, as upstream). */
  responseStarted(code: number): void {
    this.event.responseStatus = { metadata: {}, code };
    this.emit('ResponseStarted');
  }

  /** responseComplete emits ResponseComplete with the final status (a Status body for failures). */
  responseComplete(code: number, status?: { status?: string; message?: string; reason?: string }): void {
    if (this.finished) return;
    this.finished = true;
    this.event.responseStatus = { metadata: {}, ...(status?.status ? { status: status.status } : {}), ...(status?.message ? { message: status.message } : {}), ...(status?.reason ? { reason: status.reason } : {}), code };
    this.emit('ResponseComplete');
  }

  /** panic emits the Panic stage with a 500 status. */
  panic(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.event.responseStatus = { metadata: {}, status: 'Failure', message: `APIServer panic'd: ${err instanceof Error ? err.message : String(err)}`, reason: 'InternalError', code: 500 };
    this.emit('Panic');
  }
}

function withoutManagedFields(obj: unknown): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  const o = obj as { metadata?: Record<string, unknown>; items?: unknown[] };
  const copy: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _drop, ...rest } = o.metadata;
    copy.metadata = rest;
  }
  if (Array.isArray(o.items)) copy.items = o.items.map(withoutManagedFields);
  return copy;
}

/** AuditorOptions configures {@link newAuditor}. */
export interface AuditorOptions {
  policy: AuditPolicy;
  backend: AuditBackend;
  now?: () => Date;
}

/** Auditor starts per-request auditing (the WithAudit filter's state). */
export interface Auditor {
  /** start evaluates the policy for a request; the result is inert at level None. */
  start(init: AuditRequestInit): RequestAuditor;
  /**
   * failedAuthentication records a 401 (upstream WithFailedAuthenticationAudit): level from the
   * policy for the anonymous user, at least Metadata, stage ResponseStarted as upstream.
   */
  failedAuthentication(init: Omit<AuditRequestInit, 'attributes'> & { attributes: Omit<AuditRequestAttributes, 'user'> }): void;
}

/** newAuditor builds an {@link Auditor}. */
export function newAuditor(opts: AuditorOptions): Auditor {
  const now = opts.now ?? (() => new Date());
  return {
    start(init) {
      return new RequestAuditor(init, evaluateAuditPolicy(opts.policy, init.attributes), opts.backend, now);
    },
    failedAuthentication(init) {
      const attributes = { ...init.attributes, user: { name: '', groups: [] } };
      const cfg = evaluateAuditPolicy(opts.policy, attributes);
      if (cfg.level === 'None') return;
      const r = new RequestAuditor({ ...init, attributes }, { ...cfg, level: levelAtLeast(cfg.level, 'Metadata') ? 'Metadata' : cfg.level }, opts.backend, now);
      r.addAnnotation('authentication.k8s.io/failure', 'true');
      r.responseStarted(401);
    },
  };
}
