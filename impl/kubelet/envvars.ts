/**
 * Service environment variables (upstream: pkg/kubelet/envvars/envvars.go FromServices and
 * kubelet_pods.go getServiceEnvVarMap): for every service with a cluster IP in the pod's
 * namespace (when `enableServiceLinks` is not false) and always for `default/kubernetes`,
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORTNAME>` and the
 * Docker-link style `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 */
import type { Pod, Service } from '#generated/k8s/index.ts';
import type { ResolvedEnv } from './container-env.ts';

function envName(s: string): string {
  return s.toUpperCase().replace(/-/g, '_');
}

function isServiceIPSet(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** fromServices renders the variables of a list of services (upstream FromServices). */
export function fromServices(services: Service[]): ResolvedEnv[] {
  const out: ResolvedEnv[] = [];
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const name = envName(svc.metadata?.name ?? '');
    const ip = svc.spec?.clusterIP ?? '';
    const ports = svc.spec?.ports ?? [];
    if (ports.length === 0) continue;
    out.push({ key: `${name}_SERVICE_HOST`, value: ip });
    out.push({ key: `${name}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) if (p.name) out.push({ key: `${name}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    const first = ports[0];
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    const host = ip.includes(':') ? `[${ip}]` : ip;
    out.push({ key: `${name}_PORT`, value: `${proto}://${host}:${first.port}` });
    for (const p of ports) {
      const pr = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${pr.toUpperCase()}`;
      out.push({ key: prefix, value: `${pr.toLowerCase()}://${host}:${p.port}` });
      out.push({ key: `${prefix}_PROTO`, value: pr.toLowerCase() });
      out.push({ key: `${prefix}_PORT`, value: String(p.port) });
      out.push({ key: `${prefix}_ADDR`, value: ip });
    }
  }
  return out;
}

/**
 * serviceEnvFor picks the services visible to a pod (its namespace's when service links are
 * enabled; `default/kubernetes` always, a same-named service of the pod's namespace winning) and
 * renders their variables.
 */
export function serviceEnvFor(pod: Pod, services: Service[]): ResolvedEnv[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks ?? true;
  const picked = new Map<string, Service>();
  for (const s of services) {
    const sns = s.metadata?.namespace;
    const name = s.metadata?.name ?? '';
    if (sns === 'default' && name === 'kubernetes') {
      if (!picked.has(name)) picked.set(name, s);
    } else if (sns === ns && links) {
      picked.set(name, s);
    }
  }
  return fromServices([...picked.values()].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name))));
}
