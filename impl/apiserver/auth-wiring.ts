/**
 * Builds the apiserver's authentication, impersonation and authorization from its flags and plugs
 * them over the registry's storage: the RBAC listers are storage-watch caches, the service
 * account token checks read the stored ServiceAccount/Pod/Secret/Node, and the bootstrap RBAC
 * policy is reconciled at start.
 *
 * upstream: pkg/kubeapiserver/options/authentication.go, authorization.go,
 * pkg/registry/rbac/rest/storage_rbac.go (PostStartHook: bootstrap policy).
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '#generated/k8s/index.ts';
import {
  AUTHORIZATION_MODES,
  DISCOVERY_HEADERS,
  HEALTH_PATHS,
  JWKS_PATH,
  OPENID_CONFIGURATION_PATH,
  aggregateAll,
  attributesFromRequestInfo,
  authenticateRequest,
  authorizeRequest,
  bootstrapPolicy,
  checkBindingWrite,
  checkRoleWrite,
  generateSigningKeyPem,
  impersonate,
  impersonationHeaderNames,
  jwks,
  newAbacAuthorizerFromFile,
  newAuthorizer,
  newBootstrapTokenAuthenticator,
  newNodeAuthorizer,
  newPodNodeGraph,
  newRBACAuthorizer,
  newRequestAuthenticator,
  newServiceAccountTokenAuthenticator,
  newTokenFileAuthenticatorFromFile,
  newWebhookAuthorizer,
  newWebhookTokenAuthenticator,
  newX509Authenticator,
  openIDConfiguration,
  targetFromKubeconfigFile,
  signingKeyFromPem,
  verificationKeysFromPem,
  type AuthorizationMode,
  type BootstrapSecret,
  type SecretLike,
  type ServiceAccountLike,
  type Authenticator,
  type Authorizer,
  type RBACListers,
  type RuleResolver,
  type ServiceAccountKey,
  type SigningKey,
  type UserInfo,
} from '#impl/auth/index.ts';
import type { Pod } from '#generated/k8s/index.ts';
import type { Interface, StoredObject, WatchEvent } from '#impl/storage/interfaces.ts';
import { newRequestInfo, type RequestInfo } from './request-info.ts';
import { buildAudit, type AuditFlags, type RequestAudit } from './audit/with-audit.ts';
import type { RequestAuditor } from '#impl/auth/audit/index.ts';

/** AuthFlags are the kube-apiserver authentication/authorization (and audit) flags kubets understands. */
export interface AuthFlags extends AuditFlags {
  /** `--client-ca-file` contents (default: the cluster CA). */
  clientCA?: string | Buffer;
  /** `--token-auth-file`. */
  tokenAuthFile?: string;
  /** `--service-account-issuer` (repeatable; first signs). Default `https://kubernetes.default.svc.cluster.local`. */
  serviceAccountIssuer?: string[];
  /** `--service-account-key-file` (repeatable): extra verification keys. */
  serviceAccountKeyFile?: string[];
  /** `--service-account-signing-key-file` (default `<data-dir>/pki/sa.key`, generated on first start). */
  serviceAccountSigningKeyFile?: string;
  /** `--service-account-max-token-expiration` in seconds (0 = no cap). */
  serviceAccountMaxTokenExpiration?: number;
  /** `--api-audiences` (default: the issuers). */
  apiAudiences?: string[];
  /** `--authentication-token-webhook-config-file`: a kubeconfig naming the TokenReview webhook. */
  authenticationTokenWebhookConfigFile?: string;
  /** `--enable-bootstrap-token-auth` (default false as upstream). */
  enableBootstrapTokenAuth?: boolean;
  /** `--anonymous-auth`: false (default here) keeps only /healthz, /livez, /readyz, /version anonymous. */
  anonymousAuth?: boolean;
  /** `--authorization-mode` (default AlwaysAllow). */
  authorizationMode?: string[];
  /** `--authorization-policy-file` (ABAC). */
  authorizationPolicyFile?: string;
  /** `--authorization-webhook-config-file` (Webhook, a kubeconfig). */
  authorizationWebhookConfigFile?: string;
}

/** DEFAULT_SERVICE_ACCOUNT_ISSUER is kubeadm's and kubets' issuer default. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * ObjectCache keeps a storage prefix in memory from a list + watch (an informer without the
 * client): lookups are synchronous, which the RBAC authorizer needs.
 */
export class ObjectCache<T extends StoredObject> {
  private readonly items = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  /** Array snapshots handed out by list(), rebuilt after a change (the RBAC path lists per request). */
  private readonly snapshots = new Map<string, T[]>();
  private allSnapshot: T[] | undefined;
  private version = 0;
  private synced: Promise<void> | undefined;
  private listeners: (() => void)[] = [];

  constructor(
    private readonly storage: Interface,
    private readonly prefix: string,
  ) {}

  /** start lists and keeps watching until `signal` aborts; resolves after the first list. */
  start(signal: AbortSignal): Promise<void> {
    // Every cache's watch listens on the server's stop signal.
    if (getMaxListeners(signal) < 100) setMaxListeners(100, signal);
    this.synced ??= (async () => {
      let rev = await this.relist();
      void (async () => {
        while (!signal.aborted) {
          try {
            const w = this.storage.watch<T>(this.prefix, { revision: rev, recursive: true, signal });
            for await (const ev of w as AsyncIterable<WatchEvent<T>>) {
              if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.put(ev.object);
              else if (ev.type === 'DELETED') this.remove(ev.object);
              const r = Number((ev.object as StoredObject).metadata?.resourceVersion ?? 0);
              if (r > rev) rev = r;
              if (ev.type !== 'BOOKMARK' as string) this.changed();
            }
          } catch {
            /* relist below */
          }
          if (signal.aborted) return;
          await new Promise((r) => setTimeout(r, 200));
          try {
            rev = await this.relist();
          } catch {
            /* retry */
          }
        }
      })();
    })();
    return this.synced;
  }

  private async relist(): Promise<number> {
    const list = await this.storage.list<T>(this.prefix, {});
    this.items.clear();
    this.byNamespace.clear();
    this.snapshots.clear();
    this.allSnapshot = undefined;
    for (const o of list.items) this.put(o);
    this.changed();
    return list.revision;
  }

  private key(o: StoredObject): string {
    return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  }

  private put(o: T): void {
    this.items.set(this.key(o), o);
    const ns = o.metadata?.namespace ?? '';
    this.snapshots.delete(ns);
    this.allSnapshot = undefined;
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(o.metadata?.name ?? '', o);
  }

  private remove(o: T): void {
    this.items.delete(this.key(o));
    this.snapshots.delete(o.metadata?.namespace ?? '');
    this.allSnapshot = undefined;
    this.byNamespace.get(o.metadata?.namespace ?? '')?.delete(o.metadata?.name ?? '');
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  /** onChange registers a callback run after every change. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  get(namespace: string, name: string): T | undefined {
    return this.items.get(`${namespace}/${name}`);
  }

  /** list returns the objects (all, or of one namespace) as a shared snapshot: do not modify it. */
  list(namespace?: string): readonly T[] {
    if (namespace === undefined) return (this.allSnapshot ??= [...this.items.values()]);
    let snap = this.snapshots.get(namespace);
    if (!snap) {
      snap = [...(this.byNamespace.get(namespace)?.values() ?? [])];
      this.snapshots.set(namespace, snap);
    }
    return snap;
  }
}

/** RequestAuth is what the handler chain calls per request. */
export interface RequestAuth {
  /** authenticate returns the user or throws the 401 Status. */
  authenticate(req: IncomingMessage, path: string): Promise<UserInfo>;
  /** impersonate applies `Impersonate-*` headers (403/400 on refusal) and removes them. */
  impersonate(user: UserInfo, req: IncomingMessage): Promise<UserInfo>;
  /** authorize throws the upstream 403 when the request is not allowed. */
  authorize(user: UserInfo, info: RequestInfo): Promise<void>;
  /**
   * beginAudit starts the audit of a request once its user is known (upstream WithAudit sits
   * after authentication); call it before `authorize` so that refusals are audited too.
   */
  beginAudit?(req: IncomingMessage, res: ServerResponse, info: RequestInfo, user: UserInfo): void;
  /** serveNonResource answers the service-account issuer discovery paths. */
  serveNonResource(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

/** AuthWiring is the built authentication/authorization state of one apiserver. */
export interface AuthWiring {
  request: RequestAuth;
  authenticator: Authenticator;
  authorizer: Authorizer;
  ruleResolver: RuleResolver;
  apiAudiences: string[];
  issuer: string;
  signingKey: SigningKey;
  keys: ServiceAccountKey[];
  maxTokenExpirationSeconds: number;
  /** rbac is set when RBAC is among the modes (escalation checks). */
  rbac?: ReturnType<typeof newRBACAuthorizer>;
  /**
   * checkRBACWrite refuses a Role/ClusterRole/RoleBinding/ClusterRoleBinding create or update that
   * would grant more than the user holds (upstream policybased storage; only with RBAC mode).
   */
  checkRBACWrite(user: UserInfo | undefined, call: { operation: string; resource: { group: string; resource: string }; subresource: string; namespace: string; name: string; object?: Record<string, unknown> }): Promise<void>;
  /** audit is the audit filter (inert without `--audit-policy-file` and `--audit-log-path`). */
  audit: RequestAudit;
  /** start fills the caches and reconciles the bootstrap RBAC policy. */
  start(signal: AbortSignal): Promise<void>;
}

/** AuthWiringOptions configures {@link buildAuth}. */
export interface AuthWiringOptions {
  dataDir: string;
  caCert: string | Buffer;
  storage: Interface;
  flags: AuthFlags;
  log?: (line: string) => void;
}

async function getStored<T extends StoredObject>(storage: Interface, key: string): Promise<T | undefined> {
  try {
    return await storage.get<T>(key);
  } catch {
    return undefined;
  }
}

/** parseAuthorizationModes validates `--authorization-mode`. */
export function parseAuthorizationModes(modes: readonly string[] | undefined): AuthorizationMode[] {
  const list = (modes ?? ['AlwaysAllow']).flatMap((m) => m.split(',')).map((m) => m.trim()).filter(Boolean);
  for (const m of list) if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`authorization-mode "${m}" is not a valid mode`);
  if (new Set(list).size !== list.length) throw new Error('authorization-mode may not contain duplicates');
  return list as AuthorizationMode[];
}

/**
 * buildAuth builds the authenticator chain, the authorizer and the service-account token state.
 * The signing key is created under `<data-dir>/pki/sa.key` on first start.
 */
export function buildAuth(o: AuthWiringOptions): AuthWiring {
  const { storage, flags } = o;
  const log = o.log ?? (() => {});
  const keyFile = flags.serviceAccountSigningKeyFile ?? join(o.dataDir, 'pki', 'sa.key');
  if (!existsSync(keyFile)) {
    if (flags.serviceAccountSigningKeyFile) throw new Error(`--service-account-signing-key-file ${keyFile} does not exist`);
    mkdirSync(join(o.dataDir, 'pki'), { recursive: true });
    writeFileSync(keyFile, generateSigningKeyPem(), { mode: 0o600 });
  }
  const signingKey = signingKeyFromPem(readFileSync(keyFile));
  const keys: ServiceAccountKey[] = [signingKey, ...(flags.serviceAccountKeyFile ?? []).flatMap((f) => verificationKeysFromPem(readFileSync(f)))];
  const issuers = flags.serviceAccountIssuer?.length ? flags.serviceAccountIssuer : [DEFAULT_SERVICE_ACCOUNT_ISSUER];
  const apiAudiences = flags.apiAudiences?.length ? flags.apiAudiences : [...issuers];

  const saTokens = newServiceAccountTokenAuthenticator({
    issuers,
    keys,
    implicitAudiences: apiAudiences,
    getServiceAccount: (ns, name) => getStored<ServiceAccountLike & StoredObject>(storage, `/registry/serviceaccounts/${ns}/${name}`),
    getSecret: (ns, name) => getStored<SecretLike & StoredObject>(storage, `/registry/secrets/${ns}/${name}`),
    validateBoundObject: async (ref) => {
      const key = ref.kind === 'Pod' ? `/registry/pods/${ref.namespace}/${ref.name}` : ref.kind === 'Secret' ? `/registry/secrets/${ref.namespace}/${ref.name}` : `/registry/nodes/${ref.name}`;
      const obj = await getStored<StoredObject & { metadata: { deletionTimestamp?: string } }>(storage, key);
      if (!obj || (ref.uid && obj.metadata.uid !== ref.uid) || obj.metadata.deletionTimestamp) return 'service account token has been invalidated';
      return undefined;
    },
  });
  const authenticator = newRequestAuthenticator({
    x509: newX509Authenticator({ clientCA: flags.clientCA ?? o.caCert }),
    tokenFile: flags.tokenAuthFile ? newTokenFileAuthenticatorFromFile(flags.tokenAuthFile) : undefined,
    serviceAccounts: saTokens,
    bootstrapTokens: flags.enableBootstrapTokenAuth ? newBootstrapTokenAuthenticator({ getSecret: (name) => getStored<BootstrapSecret & StoredObject>(storage, `/registry/secrets/kube-system/${name}`) }) : undefined,
    webhook: flags.authenticationTokenWebhookConfigFile ? newWebhookTokenAuthenticator({ target: targetFromKubeconfigFile(flags.authenticationTokenWebhookConfigFile), implicitAudiences: apiAudiences }) : undefined,
    anonymous: flags.anonymousAuth ? true : HEALTH_PATHS,
  });

  const modes = parseAuthorizationModes(flags.authorizationMode);
  const roles = new ObjectCache<Role & StoredObject>(storage, '/registry/roles/');
  const clusterRoles = new ObjectCache<ClusterRole & StoredObject>(storage, '/registry/clusterroles/');
  const roleBindings = new ObjectCache<RoleBinding & StoredObject>(storage, '/registry/rolebindings/');
  const clusterRoleBindings = new ObjectCache<ClusterRoleBinding & StoredObject>(storage, '/registry/clusterrolebindings/');
  const pods = new ObjectCache<Pod & StoredObject>(storage, '/registry/pods/');
  const pvcs = new ObjectCache<StoredObject & { spec?: { volumeName?: string } }>(storage, '/registry/persistentvolumeclaims/');
  const listers: RBACListers = {
    getRole: (ns, name) => roles.get(ns, name),
    getClusterRole: (name) => clusterRoles.get('', name),
    listRoleBindings: (ns) => roleBindings.list(ns),
    listClusterRoleBindings: () => clusterRoleBindings.list(''),
  };
  const rbac = modes.includes('RBAC') ? newRBACAuthorizer(listers) : undefined;
  const usesNode = modes.includes('Node');
  const node = usesNode
    ? newNodeAuthorizer({
        graph: newPodNodeGraph({
          podsOnNode: (n) => pods.list().filter((p) => p.spec?.nodeName === n),
          // pod -> PVC -> PV: a kubelet reads the PVs bound to its pods' claims.
          pvcVolumeName: (ns, claim) => pvcs.get(ns, claim)?.spec?.volumeName || undefined,
        }),
        nodeRules: bootstrapPolicy.clusterRoles().find((r) => r.metadata?.name === 'system:node')?.rules ?? [],
      })
    : undefined;
  const { authorizer, ruleResolver } = newAuthorizer({
    modes,
    rbac,
    node,
    abac: flags.authorizationPolicyFile ? newAbacAuthorizerFromFile(flags.authorizationPolicyFile) : undefined,
    webhook: flags.authorizationWebhookConfigFile ? newWebhookAuthorizer(webhookAuthorizerOptions(flags.authorizationWebhookConfigFile)) : undefined,
  });

  const audit = buildAudit(flags, log);
  // The authenticated user of an impersonating request (the audit's `user`), and each request's
  // auditor by its RequestInfo (the authorization decision becomes an annotation).
  const authenticatedUsers = new WeakMap<IncomingMessage, UserInfo>();
  const auditors = new WeakMap<RequestInfo, RequestAuditor>();
  const request: RequestAuth = {
    async authenticate(req, path) {
      try {
        return await authenticateRequest(authenticator, { headers: req.headers, socket: req.socket, path }, { audiences: apiAudiences, onError: (err) => log(`apiserver: authentication failed: ${err instanceof Error ? err.message : String(err)}`) });
      } catch (err) {
        const url = new URL(req.url ?? '/', 'https://localhost');
        audit.failedAuthentication(req, newRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams));
        throw err;
      }
    },
    async impersonate(user, req) {
      const names = impersonationHeaderNames(req.headers);
      if (names.length === 0) return user;
      const out = await impersonate(user, req.headers, authorizer);
      for (const n of names) delete req.headers[n];
      authenticatedUsers.set(req, user);
      return out;
    },
    beginAudit(req, res, info, user) {
      const requester = authenticatedUsers.get(req);
      const ra = requester ? audit.begin(req, res, info, user, requester) : audit.begin(req, res, info, user);
      if (ra) auditors.set(info, ra);
    },
    async authorize(user, info) {
      const ra = auditors.get(info);
      try {
        await authorizeRequest(authorizer, attributesFromRequestInfo(user, info));
        ra?.addAnnotation('authorization.k8s.io/decision', 'allow');
      } catch (err) {
        ra?.addAnnotation('authorization.k8s.io/decision', 'forbid');
        // A denied cluster component (system:* identity) is a policy bug worth a log line.
        if (user.name.startsWith('system:') && user.name !== 'system:anonymous') log(`apiserver: forbidden: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      }
    },
    serveNonResource(_req, res, path) {
      if (path !== OPENID_CONFIGURATION_PATH && path !== JWKS_PATH) return false;
      const body = path === JWKS_PATH ? jwks(keys) : openIDConfiguration(issuers[0]!, keys);
      const headers = path === JWKS_PATH ? DISCOVERY_HEADERS.jwks : DISCOVERY_HEADERS.openIDConfiguration;
      res.statusCode = 200;
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      res.end(JSON.stringify(body));
      return true;
    },
  };

  return {
    request,
    authenticator,
    authorizer,
    ruleResolver,
    apiAudiences,
    issuer: issuers[0]!,
    signingKey,
    keys,
    maxTokenExpirationSeconds: flags.serviceAccountMaxTokenExpiration ?? 0,
    rbac,
    audit,
    async checkRBACWrite(user, call) {
      if (!rbac || !user || !call.object || call.subresource !== '' || call.resource.group !== 'rbac.authorization.k8s.io') return;
      if (call.operation !== 'CREATE' && call.operation !== 'UPDATE') return;
      const r = call.resource.resource;
      const clusterScoped = r === 'clusterroles' || r === 'clusterrolebindings';
      let err;
      if (r === 'roles' || r === 'clusterroles') {
        err = await checkRoleWrite({ user, namespace: call.namespace, clusterScoped, name: call.name, rules: (call.object.rules as PolicyRule[] | undefined) ?? [], authorizer, resolver: rbac.resolver });
      } else if (r === 'rolebindings' || r === 'clusterrolebindings') {
        const roleRef = (call.object.roleRef ?? { kind: '', name: '' }) as { kind: string; name: string };
        const role = roleRef.kind === 'ClusterRole' ? listers.getClusterRole(roleRef.name) : roleRef.kind === 'Role' ? listers.getRole(call.namespace, roleRef.name) : undefined;
        err = await checkBindingWrite({ user, namespace: call.namespace, clusterScoped, name: call.name, roleRef, roleRules: role ? (role.rules ?? []) : undefined, authorizer, resolver: rbac.resolver });
      }
      if (err) throw err;
    },
    async start(signal) {
      const caches: ObjectCache<StoredObject>[] = [roles, clusterRoles, roleBindings, clusterRoleBindings] as ObjectCache<StoredObject>[];
      if (usesNode) caches.push(pods as ObjectCache<StoredObject>, pvcs as ObjectCache<StoredObject>);
      await Promise.all(caches.map((c) => c.start(signal)));
      await reconcileBootstrapPolicy(storage, log);
      clusterRoles.onChange(() => scheduleAggregation());
      let pending: NodeJS.Timeout | undefined;
      const scheduleAggregation = () => {
        if (pending || signal.aborted) return;
        pending = setTimeout(() => {
          pending = undefined;
          void aggregateStored(storage, [...clusterRoles.list('')]).catch((err: unknown) => log(`apiserver: clusterrole aggregation: ${String(err)}`));
        }, 50);
        pending.unref?.();
      };
      await aggregateStored(storage, [...clusterRoles.list('')]);
    },
  };
}

function webhookAuthorizerOptions(path: string): Parameters<typeof newWebhookAuthorizer>[0] {
  return { target: targetFromKubeconfigFile(path) };
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** reconcileBootstrapPolicy creates or updates the default ClusterRoles and ClusterRoleBindings. */
export async function reconcileBootstrapPolicy(storage: Interface, log: (l: string) => void = () => {}): Promise<void> {
  for (const wanted of bootstrapPolicy.clusterRoles()) {
    const key = `/registry/clusterroles/${wanted.metadata!.name}`;
    const existing = await getStored<ClusterRole & StoredObject>(storage, key);
    const next = bootstrapPolicy.reconcileClusterRole(wanted, existing);
    if (!next) continue;
    try {
      if (!existing) await storage.create(key, stamp({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', ...next }));
      else await storage.guaranteedUpdate<ClusterRole & StoredObject>(key, () => ({ ...next }) as ClusterRole & StoredObject);
    } catch (err) {
      log(`apiserver: bootstrap clusterrole ${wanted.metadata!.name}: ${String(err)}`);
    }
  }
  for (const wanted of bootstrapPolicy.clusterRoleBindings()) {
    const key = `/registry/clusterrolebindings/${wanted.metadata!.name}`;
    const existing = await getStored<ClusterRoleBinding & StoredObject>(storage, key);
    try {
      if (!existing) await storage.create(key, stamp({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', ...wanted }));
      else {
        // upstream reconciliation with autoupdate: add the subjects a newer default has.
        if (existing.metadata?.annotations?.[bootstrapPolicy.AUTOUPDATE_ANNOTATION] === 'false') continue;
        const have = new Set((existing.subjects ?? []).map((x) => `${x.kind}/${x.namespace ?? ''}/${x.name}`));
        const missing = (wanted.subjects ?? []).filter((x) => !have.has(`${x.kind}/${x.namespace ?? ''}/${x.name}`));
        if (missing.length) await storage.guaranteedUpdate<ClusterRoleBinding & StoredObject>(key, (cur) => ({ ...cur, subjects: [...(cur.subjects ?? []), ...missing] }));
      }
    } catch (err) {
      log(`apiserver: bootstrap clusterrolebinding ${wanted.metadata!.name}: ${String(err)}`);
    }
  }
}

function stamp<T extends { metadata?: Record<string, unknown> }>(obj: T): T & StoredObject {
  const metadata = { ...(obj.metadata ?? {}), uid: crypto.randomUUID(), creationTimestamp: nowRfc3339() };
  return { ...obj, metadata } as T & StoredObject;
}

/** aggregateStored runs the clusterrole-aggregation controller once: aggregated roles get the union of their selected roles' rules. */
async function aggregateStored(storage: Interface, all: ClusterRole[]): Promise<void> {
  const changed = aggregateAll(all);
  for (const r of changed) {
    await storage.guaranteedUpdate<ClusterRole & StoredObject>(`/registry/clusterroles/${r.metadata!.name}`, (cur) => ({ ...cur, rules: r.rules }) as ClusterRole & StoredObject).catch(() => {});
  }
}
