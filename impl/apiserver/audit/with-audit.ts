/**
 * The apiserver's audit filter: `--audit-policy-file` + `--audit-log-path` build an
 * {@link Auditor}; each request is audited from just after authentication (so 403s are recorded,
 * with the authorization decision as annotations) to the end of its response. Request and response
 * bodies are captured only when the policy level asks for them (Request / RequestResponse), by
 * teeing the request's `data` events and the response's writes, so the handlers stay unaware.
 * Long-running requests (watch, exec/attach/portforward/proxy) get a ResponseStarted event when
 * their headers go out.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/audit.go (WithAudit),
 * audit_annotations.go, pkg/server/options/audit.go (flags), pkg/audit/request.go
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { levelAtLeast, newAuditor, newLogBackend, readAuditPolicyFile, type Auditor, type AuditBackend, type RequestAuditor } from '#impl/auth/audit/index.ts';
import type { UserInfo } from '#impl/auth/index.ts';
import type { RequestInfo } from '../request-info.ts';

/** AuditFlags are the kube-apiserver audit flags kubets understands. */
export interface AuditFlags {
  /** `--audit-policy-file`: audit.k8s.io/v1 Policy (YAML or JSON). Auditing is off without it. */
  auditPolicyFile?: string;
  /** `--audit-log-path`: JSON lines file, `-` for stdout. Auditing is off without it. */
  auditLogPath?: string;
  /** `--audit-log-maxsize` in megabytes (0 = no rotation). */
  auditLogMaxSize?: number;
  /** `--audit-log-maxbackup` rotated files to keep. */
  auditLogMaxBackup?: number;
}

/** Subresources that hold a connection open (upstream longRunningRequestCheck). */
const LONG_RUNNING_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy', 'log']);

/** isLongRunning is upstream's BasicLongRunningRequestCheck for kubets' long-running calls. */
export function isLongRunning(info: RequestInfo): boolean {
  return info.verb === 'watch' || (info.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(info.subresource));
}

/** RequestAudit is what the handler chain uses; every method is cheap when auditing is off. */
export interface RequestAudit {
  /**
   * begin starts auditing one request (after authentication and impersonation): emits
   * RequestReceived, sets the `Audit-ID` header, and records the rest when the response ends.
   */
  begin(req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: UserInfo, impersonator?: UserInfo): RequestAuditor | undefined;
  /** failedAuthentication records a 401 (stage ResponseStarted, annotation authentication.k8s.io/failure). */
  failedAuthentication(req: IncomingMessage, info: RequestInfo): void;
  /** shutdown flushes and closes the backend. */
  shutdown(): Promise<void>;
}

/** NO_AUDIT is the filter when auditing is off. */
export const NO_AUDIT: RequestAudit = { begin: () => undefined, failedAuthentication: () => {}, shutdown: async () => {} };

/** buildAudit reads the audit flags; both the policy file and the log path are needed, as upstream. */
export function buildAudit(flags: AuditFlags, log: (line: string) => void = () => {}): RequestAudit {
  if (!flags.auditPolicyFile || !flags.auditLogPath) return NO_AUDIT;
  const policy = readAuditPolicyFile(flags.auditPolicyFile);
  const backend = newLogBackend({ path: flags.auditLogPath, maxSizeMB: flags.auditLogMaxSize, maxBackup: flags.auditLogMaxBackup, onError: (err) => log(`apiserver: audit log write failed: ${String(err)}`) });
  return newRequestAudit(newAuditor({ policy, backend }), backend);
}

function sourceIPs(req: IncomingMessage): string[] {
  const out: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string') for (const ip of xff.split(',')) if (ip.trim()) out.push(ip.trim());
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real && !out.includes(real)) out.push(real);
  const remote = req.socket?.remoteAddress;
  if (remote && !out.includes(remote)) out.push(remote);
  return out;
}

function initOf(req: IncomingMessage, info: RequestInfo, user: UserInfo) {
  return {
    attributes: {
      user,
      verb: info.verb,
      resourceRequest: info.isResourceRequest,
      path: info.path,
      namespace: info.isResourceRequest ? info.namespace : '',
      apiGroup: info.apiGroup,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name,
    },
    apiVersion: info.apiVersion || undefined,
    requestURI: req.url ?? '/',
    sourceIPs: sourceIPs(req),
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    auditID: typeof req.headers['audit-id'] === 'string' ? req.headers['audit-id'] : undefined,
  };
}

const isJson = (ct: unknown) => typeof ct === 'string' && /json|yaml/.test(ct) && !/protobuf/.test(ct);

function parseBody(buf: Buffer, contentType: unknown): unknown {
  if (buf.length === 0) return undefined;
  if (!isJson(contentType)) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** newRequestAudit builds the filter over an auditor (tests pass a memory backend). */
export function newRequestAudit(auditor: Auditor, backend?: AuditBackend): RequestAudit {
  return {
    begin(req, res, info, user, impersonator) {
      const ra = auditor.start({ ...initOf(req, info, user), impersonator });
      if (!ra.enabled) return undefined;
      res.setHeader('Audit-ID', ra.auditID);
      ra.requestReceived();
      const level = ra.config.level;
      // Request bodies: tee the `data` events the handler consumes (flowing or read()).
      if (levelAtLeast(level, 'Request') && ['create', 'update', 'patch'].includes(info.verb)) {
        const chunks: Buffer[] = [];
        const emit = req.emit.bind(req);
        req.emit = ((event: string | symbol, ...args: unknown[]) => {
          if (event === 'data') chunks.push(Buffer.isBuffer(args[0]) ? args[0] : Buffer.from(String(args[0])));
          else if (event === 'end') {
            const obj = parseBody(Buffer.concat(chunks), req.headers['content-type']);
            if (obj !== undefined) ra.setRequestObject(obj);
          }
          return emit(event, ...args);
        }) as typeof req.emit;
      }
      // Response bodies: keep what is written (not for streams, which never end in one object).
      const long = isLongRunning(info);
      if (levelAtLeast(level, 'RequestResponse') && !long) {
        const chunks: Buffer[] = [];
        const write = res.write.bind(res) as (...a: unknown[]) => boolean;
        const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
        const keep = (c: unknown) => {
          if (c === undefined || c === null || typeof c === 'function') return;
          chunks.push(Buffer.isBuffer(c) ? c : c instanceof Uint8Array ? Buffer.from(c) : Buffer.from(String(c)));
        };
        res.write = ((...a: unknown[]) => {
          keep(a[0]);
          return write(...a);
        }) as typeof res.write;
        res.end = ((...a: unknown[]) => {
          keep(a[0]);
          return end(...a);
        }) as typeof res.end;
        res.on('finish', () => {
          const obj = parseBody(Buffer.concat(chunks), res.getHeader('content-type'));
          if (obj !== undefined) ra.setResponseObject(obj);
        });
      }
      if (long) {
        const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
        let started = false;
        res.writeHead = ((...a: unknown[]) => {
          if (!started) {
            started = true;
            ra.responseStarted(typeof a[0] === 'number' ? a[0] : res.statusCode);
          }
          return writeHead(...a);
        }) as typeof res.writeHead;
      }
      let statusBody: { status?: string; message?: string; reason?: string } | undefined;
      const finish = () => {
        if (res.statusCode >= 400 && statusBody === undefined) statusBody = { status: 'Failure' };
        ra.responseComplete(res.statusCode, statusBody);
      };
      // A failed request answers with a Status: keep its message and reason for responseStatus.
      const endForStatus = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      res.end = ((...a: unknown[]) => {
        if (res.statusCode >= 400 && (typeof a[0] === 'string' || Buffer.isBuffer(a[0]))) {
          try {
            const s = JSON.parse(String(a[0])) as { kind?: string; status?: string; message?: string; reason?: string };
            if (s.kind === 'Status') statusBody = { status: s.status, message: s.message, reason: s.reason };
          } catch {
            /* not a Status */
          }
        }
        return endForStatus(...a);
      }) as typeof res.end;
      res.once('finish', finish);
      res.once('close', finish);
      return ra;
    },
    failedAuthentication(req, info) {
      const init = initOf(req, info, { name: '', groups: [] });
      auditor.failedAuthentication({ ...init, attributes: init.attributes });
    },
    async shutdown() {
      await backend?.shutdown?.();
    },
  };
}
