/**
 * DockerKeyring turns image pull secrets into CRI AuthConfigs for an image (upstream:
 * pkg/credentialprovider/keyring.go, config.go and secrets/secrets.go). Secrets of type
 * `kubernetes.io/dockerconfigjson` (`.dockerconfigjson`: `{"auths": {...}}`) and
 * `kubernetes.io/dockercfg` (`.dockercfg`: `{...}`) are read; each entry is keyed by a registry
 * location (`host[:port][/path]`, optionally with a scheme, `*` globs in the host). An image
 * matches an entry when its registry host matches (port included, globs per DNS label) and the
 * entry's path is a prefix of the image's repository path. Matches come longest key first, as
 * upstream's `lookup` sorts them.
 */
import type { Secret } from '#generated/k8s/index.ts';

/** AuthConfig is the CRI AuthConfig of one credential. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** parseImageRegistry splits an image reference into registry host and repository path (docker.io defaults). */
export function parseImageRegistry(image: string): { host: string; path: string } {
  let ref = image.split('@')[0];
  const slash = ref.indexOf('/');
  let host = 'docker.io';
  if (slash > 0) {
    const first = ref.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      ref = ref.slice(slash + 1);
    }
  }
  // drop the tag
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  if (colon >= 0) ref = ref.slice(0, colon);
  if (host === 'docker.io' && !ref.includes('/')) ref = `library/${ref}`;
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = 'docker.io';
  return { host, path: ref };
}

/** parseRegistryKey normalizes a docker config key (`https://host:port/path/`) to host and path. */
export function parseRegistryKey(key: string): { host: string; path: string } {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  k = k.replace(/\/+$/, '');
  const slash = k.indexOf('/');
  let host = slash >= 0 ? k.slice(0, slash) : k;
  let p = slash >= 0 ? k.slice(slash + 1) : '';
  if (host === 'index.docker.io' || host === 'registry-1.docker.io') host = 'docker.io';
  // upstream: "https://index.docker.io/v1/" means docker.io, not a repository path
  if (host === 'docker.io' && /^v[12]$/.test(p)) p = '';
  return { host: host.toLowerCase(), path: p };
}

function hostMatches(pattern: string, host: string): boolean {
  const [ph, pp] = pattern.split(':');
  const [hh, hp] = host.split(':');
  if ((pp ?? '') !== (hp ?? '')) return false;
  const a = ph.split('.');
  const b = hh.split('.');
  if (a.length !== b.length) return false;
  return a.every((label, i) => new RegExp(`^${label.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(b[i]));
}

function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const s = Buffer.from(auth, 'base64').toString('utf8');
  const i = s.indexOf(':');
  if (i < 0) return undefined;
  return { username: s.slice(0, i), password: s.slice(i + 1) };
}

/** DockerKeyring: see the module comment. */
export class DockerKeyring {
  private readonly entries: { key: string; host: string; path: string; auth: AuthConfig }[] = [];

  /** add adds every entry of a docker config (`{host: {username,password,auth}}`). */
  add(config: Record<string, DockerConfigEntry>): void {
    for (const [key, e] of Object.entries(config)) {
      const { host, path } = parseRegistryKey(key);
      let username = e.username;
      let password = e.password;
      if (e.auth && !username) {
        const d = decodeAuth(e.auth);
        username = d?.username;
        password = d?.password;
      }
      this.entries.push({ key, host, path, auth: { username, password, auth: e.auth, serverAddress: key, identityToken: e.identitytoken, registryToken: e.registrytoken } });
    }
  }

  /** lookup returns the credentials matching an image, most specific first. */
  lookup(image: string): AuthConfig[] {
    const img = parseImageRegistry(image);
    return this.entries
      .filter((e) => hostMatches(e.host, img.host) && (e.path === '' || img.path === e.path || img.path.startsWith(`${e.path}/`)))
      .sort((a, b) => `${b.host}/${b.path}`.length - `${a.host}/${a.path}`.length)
      .map((e) => e.auth);
  }
}

/** makeDockerKeyring builds a keyring from pull secrets; malformed secrets are skipped (upstream logs them). */
export function makeDockerKeyring(secrets: Secret[]): DockerKeyring {
  const ring = new DockerKeyring();
  for (const s of secrets) {
    const json = s.data?.['.dockerconfigjson'];
    const cfg = s.data?.['.dockercfg'];
    try {
      if (json) ring.add((JSON.parse(Buffer.from(json, 'base64').toString('utf8')) as { auths?: Record<string, DockerConfigEntry> }).auths ?? {});
      else if (cfg) ring.add(JSON.parse(Buffer.from(cfg, 'base64').toString('utf8')) as Record<string, DockerConfigEntry>);
    } catch {
      // upstream: "Unable to make the keyring from secret" is logged and the secret ignored.
    }
  }
  return ring;
}
