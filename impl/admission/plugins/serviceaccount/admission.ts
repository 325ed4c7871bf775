/**
 * ServiceAccount: pods run as a ServiceAccount (default `default`) that must exist, get its
 * image pull secrets, and get the `kube-api-access-xxxxx` projected token volume mounted at
 * /var/run/secrets/kubernetes.io/serviceaccount unless automount is off.
 *
 * upstream: plugin/pkg/admission/serviceaccount/admission.go (Admit, mountServiceAccountToken,
 * TokenVolumeSource)
 */
import { randomBytes } from 'node:crypto';
import type { Pod, ServiceAccount, Volume } from '#generated/k8s/index.ts';
import { admissionForbidden, handlesOps, isResource, type AdmissionAttributes, type MutatingPlugin, type ValidatingPlugin } from '../../interfaces.ts';

export const SERVICE_ACCOUNT_NAME = 'ServiceAccount';
export const DEFAULT_SERVICE_ACCOUNT_NAME = 'default';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** The kubelet's projected token lifetime (upstream warn-only extended expiration, 1h + 7s). */
export const PROJECTED_TOKEN_EXPIRATION_SECONDS = 3607;
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** randomSuffix makes 5 characters from upstream's utilrand alphabet. */
export function randomSuffix(n = 5): string {
  const b = randomBytes(n);
  return Array.from(b, (x) => ALPHANUMS[x % ALPHANUMS.length]).join('');
}

/** tokenVolumeSource is the projected source upstream injects. */
export function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** ServiceAccountOptions configures the plugin. */
export interface ServiceAccountOptions {
  getServiceAccount(namespace: string, name: string): ServiceAccount | undefined | Promise<ServiceAccount | undefined>;
  /** Random suffix generator (tests inject a fixed one). */
  random?: () => string;
  /** upstream MountServiceAccountToken (default true). */
  mountServiceAccountToken?: boolean;
  /**
   * Lookups of the `default` ServiceAccount, which the serviceaccount controller creates a moment
   * after its namespace (upstream: 10 attempts, 100-200 ms apart). Other names are read once.
   */
  defaultLookupAttempts?: number;
  /** Wait between attempts in ms (default: random 100-200, as upstream). */
  retryIntervalMs?: () => number;
}

/** getServiceAccountWithRetry is upstream Plugin.getServiceAccount: the default SA gets several tries. */
async function getServiceAccountWithRetry(opts: ServiceAccountOptions, namespace: string, name: string, signal?: AbortSignal): Promise<ServiceAccount | undefined> {
  const attempts = name === DEFAULT_SERVICE_ACCOUNT_NAME ? (opts.defaultLookupAttempts ?? 10) : 1;
  const interval = opts.retryIntervalMs ?? (() => 100 + Math.floor(Math.random() * 100));
  for (let i = 0; i < attempts; i++) {
    if (i > 0) {
      if (signal?.aborted) return undefined;
      await new Promise((r) => setTimeout(r, interval()));
    }
    const sa = await opts.getServiceAccount(namespace, name);
    if (sa) return sa;
  }
  return undefined;
}

function shouldAutomount(sa: ServiceAccount, pod: Pod): boolean {
  if (pod.spec?.automountServiceAccountToken !== undefined && pod.spec.automountServiceAccountToken !== null) return pod.spec.automountServiceAccountToken;
  if (sa.automountServiceAccountToken !== undefined && sa.automountServiceAccountToken !== null) return sa.automountServiceAccountToken;
  return true;
}

/** newServiceAccount builds the plugin. */
export function newServiceAccountAdmission(opts: ServiceAccountOptions) {
  const random = opts.random ?? (() => randomSuffix());
  return {
    name: SERVICE_ACCOUNT_NAME,
    handles: handlesOps('CREATE', 'UPDATE'),
    async admit(a: AdmissionAttributes, signal?: AbortSignal): Promise<void> {
      if (a.operation !== 'CREATE' || !isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
      if (!pod.spec.serviceAccountName) pod.spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT_NAME;
      const saName = pod.spec.serviceAccountName;
      const sa = await getServiceAccountWithRetry(opts, a.namespace, saName, signal);
      if (!sa) throw admissionForbidden(a, `error looking up service account ${a.namespace}/${saName}: serviceaccount "${saName}" not found`);
      if ((opts.mountServiceAccountToken ?? true) && shouldAutomount(sa, pod)) mountServiceAccountToken(pod, random);
      if ((pod.spec.imagePullSecrets ?? []).length === 0 && (sa.imagePullSecrets ?? []).length > 0) {
        pod.spec.imagePullSecrets = sa.imagePullSecrets!.map((s) => ({ name: s.name }));
      }
    },
    validate(a: AdmissionAttributes): void {
      if (!isResource(a, '', 'pods')) return;
      const pod = a.object as Pod | undefined;
      if (!pod?.spec) return;
      if (a.operation === 'UPDATE') {
        const old = a.oldObject as Pod | undefined;
        if (old?.spec && (old.spec.serviceAccountName ?? '') !== (pod.spec.serviceAccountName ?? '')) {
          throw admissionForbidden(a, 'the serviceaccount on a pod cannot be changed');
        }
        return;
      }
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
        if (pod.spec.serviceAccountName) throw admissionForbidden(a, 'a mirror pod may not reference service accounts');
        if ((pod.spec.volumes ?? []).some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))) {
          throw admissionForbidden(a, 'a mirror pod may not use ServiceAccountToken volume projections');
        }
      }
    },
  } satisfies MutatingPlugin & ValidatingPlugin;
}

/** mountServiceAccountToken adds the projected volume and its mounts, unless something already mounts the token path. */
export function mountServiceAccountToken(pod: Pod, random: () => string): void {
  const spec = pod.spec!;
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  if (containers.some((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH))) return;
  let volName = (spec.volumes ?? []).find((v) => v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX) && v.projected?.sources?.some((s) => s.serviceAccountToken))?.name;
  if (!volName) {
    const taken = new Set((spec.volumes ?? []).map((v) => v.name));
    do volName = SERVICE_ACCOUNT_VOLUME_PREFIX + random();
    while (taken.has(volName));
    spec.volumes = [...(spec.volumes ?? []), tokenVolume(volName)];
  }
  for (const c of containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
}
