/**
 * makeEnvironmentVariables (container-env.ts) resolves a container's environment (upstream: pkg/kubelet/kubelet_pods.go
 * makeEnvironmentVariables): `envFrom` ConfigMaps/Secrets first, then `env` entries in order,
 * each `value` expanded against the ones before it (`$(VAR)`, `$$` escapes), `valueFrom`
 * resolved from the downward API (fieldRef, resourceFieldRef), ConfigMaps and Secrets.
 * A missing non-optional source fails with CreateContainerConfigError and upstream's message.
 */
import type { ConfigMap, Container, Pod, Secret } from '#generated/k8s/index.ts';
import { parseQuantity } from '#impl/apimachinery/resource/quantity.ts';
import { SyncError } from './container/sync-result.ts';

/** ConfigSource fetches ConfigMaps and Secrets (upstream configmap/secret managers). Undefined = not found. */
export interface ConfigSource {
  getConfigMap(namespace: string, name: string, signal?: AbortSignal): Promise<ConfigMap | undefined>;
  getSecret(namespace: string, name: string, signal?: AbortSignal): Promise<Secret | undefined>;
}

/** EnvContext is what the downward API can read beyond the pod object. */
export interface EnvContext {
  nodeName: string;
  hostIPs: string[];
  podIPs: string[];
  /** serviceEnv are the service variables (envvars.ts), set first so the container's own win. */
  serviceEnv?: ResolvedEnv[];
  /** nodeAllocatable stands in for limits a container does not set (resourceFieldRef). */
  nodeAllocatable?: Record<string, string>;
}

/** EnvVar is one resolved variable. */
export interface ResolvedEnv {
  key: string;
  value: string;
}

/** expandVars expands `$(NAME)` references against `lookup` (upstream third_party/forked/golang/expansion). */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '$' && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === '$') {
        out += '$';
        i++;
        continue;
      }
      if (next === '(') {
        const close = input.indexOf(')', i + 2);
        if (close > i + 2) {
          const name = input.slice(i + 2, close);
          const v = lookup(name);
          out += v ?? `$(${name})`;
          i = close;
          continue;
        }
      }
    }
    out += ch;
  }
  return out;
}

function decodeSecret(v: string): string {
  return Buffer.from(v, 'base64').toString('utf8');
}

/** podFieldValue resolves a downward API fieldPath (upstream podFieldSelectorRuntimeValue). */
export function podFieldValue(pod: Pod, fieldPath: string, ctx: EnvContext): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[m[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata?.name ?? '';
    case 'metadata.namespace': return pod.metadata?.namespace ?? '';
    case 'metadata.uid': return pod.metadata?.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP': return ctx.hostIPs[0] ?? '';
    case 'status.hostIPs': return ctx.hostIPs.join(',');
    case 'status.podIP': return ctx.podIPs[0] ?? '';
    case 'status.podIPs': return ctx.podIPs.join(',');
    default:
      throw new SyncError('CreateContainerConfigError', `unsupported fieldPath: ${fieldPath}`);
  }
}

/** resourceFieldValue resolves a resourceFieldRef (upstream ExtractContainerResourceValue), rounding up by divisor. */
export function resourceFieldValue(container: Container, resource: string, divisor: string | undefined, nodeAllocatable?: Record<string, string>): string {
  const [kind, name] = resource.split('.') as ['limits' | 'requests', string];
  // Without a limit upstream reports node allocatable (MergeContainerResourceLimits); without a request, 0.
  const raw = (container.resources?.[kind] as Record<string, unknown> | undefined)?.[name] ?? (kind === 'limits' ? nodeAllocatable?.[name] : undefined);
  if (raw === undefined) return '0';
  const q = parseQuantity(String(raw));
  const d = parseQuantity(divisor ?? (name === 'cpu' ? '1' : '1'));
  const milli = BigInt(q.milliValue());
  const dm = BigInt(d.milliValue()) || 1n;
  return String((milli + dm - 1n) / dm);
}

/** makeEnvironmentVariables: see the module comment. */
export async function makeEnvironmentVariables(
  pod: Pod,
  container: Container,
  source: ConfigSource,
  ctx: EnvContext,
  signal?: AbortSignal,
): Promise<ResolvedEnv[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const env = new Map<string, string>((ctx.serviceEnv ?? []).map((e) => [e.key, e.value]));
  const configMaps = new Map<string, ConfigMap | undefined>();
  const secrets = new Map<string, Secret | undefined>();
  const cm = async (name: string): Promise<ConfigMap | undefined> => {
    if (!configMaps.has(name)) configMaps.set(name, await source.getConfigMap(ns, name, signal));
    return configMaps.get(name);
  };
  const sec = async (name: string): Promise<Secret | undefined> => {
    if (!secrets.has(name)) secrets.set(name, await source.getSecret(ns, name, signal));
    return secrets.get(name);
  };

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const name = from.configMapRef.name ?? '';
      const c = await cm(name);
      if (!c) {
        if (from.configMapRef.optional) continue;
        throw new SyncError('CreateContainerConfigError', `configmap "${name}" not found`);
      }
      for (const [k, v] of Object.entries(c.data ?? {})) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const name = from.secretRef.name ?? '';
      const s = await sec(name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new SyncError('CreateContainerConfigError', `secret "${name}" not found`);
      }
      for (const [k, v] of Object.entries(s.data ?? {})) env.set(prefix + k, decodeSecret(v));
    }
  }

  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom) {
      const vf = e.valueFrom;
      if (vf.fieldRef) value = podFieldValue(pod, vf.fieldRef.fieldPath, ctx);
      else if (vf.resourceFieldRef) {
        const target = vf.resourceFieldRef.containerName
          ? [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === vf.resourceFieldRef?.containerName) ?? container
          : container;
        value = resourceFieldValue(target, vf.resourceFieldRef.resource, vf.resourceFieldRef.divisor as string | undefined, ctx.nodeAllocatable);
      } else if (vf.configMapKeyRef) {
        const { name = '', key, optional } = vf.configMapKeyRef;
        const c = await cm(name);
        if (!c) {
          if (optional) continue;
          throw new SyncError('CreateContainerConfigError', `configmap "${name}" not found`);
        }
        value = c.data?.[key];
        if (value === undefined) {
          if (optional) continue;
          throw new SyncError('CreateContainerConfigError', `couldn't find key ${key} in ConfigMap ${ns}/${name}`);
        }
      } else if (vf.secretKeyRef) {
        const { name = '', key, optional } = vf.secretKeyRef;
        const s = await sec(name);
        if (!s) {
          if (optional) continue;
          throw new SyncError('CreateContainerConfigError', `secret "${name}" not found`);
        }
        const raw = s.data?.[key];
        if (raw === undefined) {
          if (optional) continue;
          throw new SyncError('CreateContainerConfigError', `couldn't find key ${key} in Secret ${ns}/${name}`);
        }
        value = decodeSecret(raw);
      }
    } else {
      value = expandVars(e.value ?? '', (n) => env.get(n));
    }
    env.set(e.name, value ?? '');
  }
  return [...env].map(([key, value]) => ({ key, value }));
}
