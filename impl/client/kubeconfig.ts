/**
 * Kubeconfig loading, after client-go's `clientcmd`: pick a context (the current one by
 * default), resolve its cluster and user, and read CA, client certificate and key either
 * inline (`*-data`, base64) or from files relative to the kubeconfig's folder.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parseYaml } from '#impl/apimachinery/util/yaml/index.ts';

/** RestConfig is everything the REST client needs to talk to one apiserver. */
export interface RestConfig {
  /** Base URL of the apiserver, e.g. `https://127.0.0.1:6443` (a path prefix is kept). */
  server: string;
  /** PEM CA bundle to verify the server with; undefined uses the system roots. */
  ca?: Buffer;
  /** PEM client certificate. */
  cert?: Buffer;
  /** PEM client key. */
  key?: Buffer;
  /** Bearer token. */
  token?: string;
  /** Basic auth. */
  username?: string;
  password?: string;
  /** Skip server certificate verification. */
  insecureSkipTLSVerify?: boolean;
  /** TLS server name override. */
  tlsServerName?: string;
  /** Default namespace of the context. */
  namespace?: string;
  /** Impersonation (`Impersonate-User` / `Impersonate-Group` headers). */
  impersonate?: { user: string; groups?: string[] };
  /** User-Agent header. */
  userAgent?: string;
}

/** LoadKubeconfigOptions selects the file and the context. */
export interface LoadKubeconfigOptions {
  /** Path of the kubeconfig; default `$KUBECONFIG` (first entry) or `~/.kube/config`. */
  path?: string;
  /** Context name; default `current-context`. */
  context?: string;
}

interface NamedEntry<T> { name: string; [k: string]: unknown; cluster?: T; user?: T; context?: T }
interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
}
interface KubeconfigContext { cluster?: string; user?: string; namespace?: string }

/** defaultKubeconfigPath returns `$KUBECONFIG`'s first entry or `~/.kube/config`. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  return fromEnv ?? join(homedir(), '.kube', 'config');
}

/** loadKubeconfig reads a kubeconfig file and resolves one context into a {@link RestConfig}. */
export function loadKubeconfig(opts: LoadKubeconfigOptions = {}): RestConfig {
  const path = resolve(opts.path ?? defaultKubeconfigPath());
  const text = readFileSync(path, 'utf8');
  return parseKubeconfig(text, { baseDir: dirname(path), context: opts.context, source: path });
}

/**
 * parseKubeconfig resolves a kubeconfig document (YAML or JSON text) into a {@link RestConfig}.
 * File references are resolved against `baseDir`.
 */
export function parseKubeconfig(
  text: string,
  opts: { baseDir?: string; context?: string; source?: string } = {},
): RestConfig {
  const source = opts.source ?? 'kubeconfig';
  const doc = (parseYaml(text) ?? {}) as {
    'current-context'?: string;
    contexts?: NamedEntry<KubeconfigContext>[];
    clusters?: NamedEntry<KubeconfigCluster>[];
    users?: NamedEntry<KubeconfigUser>[];
  };
  const baseDir = opts.baseDir ?? process.cwd();
  const contextName = opts.context ?? doc['current-context'];
  if (!contextName) throw new Error(`${source}: no context given and no current-context set`);
  const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new Error(`${source}: context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`${source}: cluster "${ctx.cluster ?? ''}" of context "${contextName}" not found`);
  if (!cluster.server) throw new Error(`${source}: cluster "${ctx.cluster}" has no server`);
  const user: KubeconfigUser = (ctx.user ? doc.users?.find((u) => u.name === ctx.user)?.user : undefined) ?? {};

  const file = (p: string): Buffer => readFileSync(isAbsolute(p) ? p : join(baseDir, p));
  const data = (b64: string): Buffer => Buffer.from(b64, 'base64');
  const pick = (inline: string | undefined, path: string | undefined): Buffer | undefined =>
    inline ? data(inline) : path ? file(path) : undefined;

  const cfg: RestConfig = { server: cluster.server.replace(/\/+$/, '') };
  const ca = pick(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) cfg.ca = ca;
  if (cluster['insecure-skip-tls-verify']) cfg.insecureSkipTLSVerify = true;
  if (cluster['tls-server-name']) cfg.tlsServerName = cluster['tls-server-name'];
  const cert = pick(user['client-certificate-data'], user['client-certificate']);
  const key = pick(user['client-key-data'], user['client-key']);
  if (cert) cfg.cert = cert;
  if (key) cfg.key = key;
  if (user.token) cfg.token = user.token;
  else if (user.tokenFile) cfg.token = file(user.tokenFile).toString('utf8').trim();
  if (user.username) cfg.username = user.username;
  if (user.password) cfg.password = user.password;
  if (ctx.namespace) cfg.namespace = ctx.namespace;
  return cfg;
}
