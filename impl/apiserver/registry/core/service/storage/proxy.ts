/**
 * services/proxy: HTTP (and upgrade) pass-through to one ready endpoint of the Service. The name
 * may be `svc`, `svc:port` (a port name, or a port number mapped to its name) or
 * `scheme:svc:port`; the address is picked at random from the Endpoints subsets that carry the
 * port and must belong to a pod with that IP.
 *
 * upstream: pkg/registry/core/service/storage/storage.go (ResourceLocation, isValidAddress) and
 * proxy.go (ProxyREST).
 */
import { badRequest, serviceUnavailable } from '#impl/apimachinery/index.ts';
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { KubeObject, RequestContext } from '../../../rest/strategy.ts';
import { proxyTo, splitSchemeNamePort } from '../../pod/rest/proxy.ts';
import type { Getter } from '../../pod/rest/location.ts';

/** ServiceProxyDeps are the stores services/proxy reads. */
export interface ServiceProxyDeps {
  services: Getter;
  /** Endpoints and pod stores (looked up lazily: registered after services). */
  endpoints: () => Getter | undefined;
  pods: () => Getter | undefined;
  /** Random choice in [0, n) (tests inject a fixed one). */
  random?: (n: number) => number;
}

/** EndpointLocation is where a services/proxy request goes. */
export interface EndpointLocation {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** serviceLocation resolves `id` to one endpoint (upstream ResourceLocation); 503 when none is usable. */
export async function serviceLocation(deps: ServiceProxyDeps, ctx: RequestContext, id: string): Promise<EndpointLocation> {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw badRequest(`invalid service request "${id}"`);
  const random = deps.random ?? ((n: number) => Math.floor(Math.random() * n));
  let portName = parsed.port;
  if (/^\d+$/.test(portName)) {
    const svc = await deps.services.get(ctx, parsed.name);
    const match = (svc.spec?.ports ?? []).find((p: { port: number }) => p.port === Number(portName));
    if (!match) throw serviceUnavailable(`no service port ${portName} found for service "${parsed.name}"`);
    portName = match.name ?? '';
  }
  const endpointsStore = deps.endpoints();
  if (!endpointsStore) throw serviceUnavailable(`no endpoints available for service "${parsed.name}"`);
  const eps = await endpointsStore.get(ctx, parsed.name);
  const subsets: KubeObject[] = eps.subsets ?? [];
  if (subsets.length === 0) throw serviceUnavailable(`no endpoints available for service "${parsed.name}"`);
  const seed = random(subsets.length);
  for (let si = 0; si < subsets.length; si++) {
    const ss = subsets[(seed + si) % subsets.length]!;
    const addresses: KubeObject[] = ss.addresses ?? [];
    if (addresses.length === 0) continue;
    const port = (ss.ports ?? []).find((p: { name?: string }) => (p.name ?? '') === portName);
    if (!port) continue;
    const addrSeed = random(addresses.length);
    for (let t = 0; t < addresses.length; t++) {
      const addr = addresses[(addrSeed + t) % addresses.length]!;
      if (!(await isValidAddress(deps, ctx, addr))) continue;
      return { scheme: parsed.scheme === 'https' ? 'https' : 'http', host: addr.ip, port: port.port };
    }
  }
  throw serviceUnavailable(`no endpoints available for service "${id}"`);
}

/** isValidAddress: the address names a pod (targetRef) whose pod IPs include it (upstream isValidAddress). */
async function isValidAddress(deps: ServiceProxyDeps, ctx: RequestContext, addr: KubeObject): Promise<boolean> {
  const ref = addr.targetRef;
  if (!ref || ref.kind !== 'Pod') return false;
  const pods = deps.pods();
  if (!pods) return false;
  try {
    const pod = await pods.get({ ...ctx, namespace: ref.namespace ?? ctx.namespace }, ref.name);
    const ips: string[] = (pod.status?.podIPs ?? []).map((p: { ip: string }) => p.ip);
    if (pod.status?.podIP) ips.push(pod.status.podIP);
    return ips.includes(addr.ip);
  } catch {
    return false;
  }
}

/** newServiceProxyREST serves services/proxy. */
export function newServiceProxyREST(deps: ServiceProxyDeps): (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void> {
  return async (ctx, id, r) => {
    const loc = await serviceLocation(deps, ctx, id);
    await proxyTo(loc, r);
  };
}
