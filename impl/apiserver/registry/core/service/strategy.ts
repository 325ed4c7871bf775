/**
 * Service strategy: defaults, ClusterIP and NodePort allocation (422 on conflicts), headless
 * services, immutable clusterIP.
 *
 * upstream: pkg/registry/core/service/strategy.go, storage/alloc.go, pkg/apis/core/v1/defaults.go.
 */
import { fieldPath, invalidValue, required, validateImmutableField, type FieldError } from '#impl/apimachinery/index.ts';
import type { Interface } from '#impl/storage/interfaces.ts';
import { newDefaultStrategy, newStatusStrategy } from '../../generic/default-strategy.ts';
import type { KubeObject, Strategy } from '../../rest/strategy.ts';
import { ipToNumber, ipToString, parseCidr, RangeAllocator } from './ip-allocator.ts';

/** ServiceAllocatorsOptions configures {@link ServiceAllocators}. */
export interface ServiceAllocatorsOptions {
  /** `--service-cluster-ip-range` (IPv4). */
  serviceClusterIPRange: string;
  /** `--service-node-port-range` (default 30000-32767). */
  nodePortRange?: [number, number];
  storage: Interface;
  keyPrefix: string;
}

/** ServiceAllocators owns the ClusterIP and NodePort ranges. */
export class ServiceAllocators {
  readonly ips: RangeAllocator;
  readonly ports: RangeAllocator;
  readonly cidr: string;
  private loaded: Promise<void> | undefined;

  constructor(private readonly o: ServiceAllocatorsOptions) {
    const { base, size } = parseCidr(o.serviceClusterIPRange);
    this.cidr = o.serviceClusterIPRange;
    // Network and broadcast addresses are never handed out.
    this.ips = new RangeAllocator(base + 1, base + size - 2);
    const [lo, hi] = o.nodePortRange ?? [30000, 32767];
    this.ports = new RangeAllocator(lo, hi);
  }

  /** firstIP is the `kubernetes` service's address (first usable IP of the range). */
  firstIP(): string {
    return ipToString(this.ips.min);
  }

  /** load reads existing services once, so allocations survive restarts. */
  load(): Promise<void> {
    this.loaded ??= (async () => {
      const res = await this.o.storage.list<KubeObject>(`${this.o.keyPrefix}/`, {});
      for (const s of res.items) this.track(s);
    })();
    return this.loaded;
  }

  track(svc: KubeObject): void {
    for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
      const n = ipToNumber(ip);
      if (n !== undefined) this.ips.allocate(n);
    }
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.allocate(p.nodePort);
  }

  release(svc: KubeObject): void {
    for (const ip of svc.spec?.clusterIPs ?? (svc.spec?.clusterIP ? [svc.spec.clusterIP] : [])) {
      const n = ipToNumber(ip);
      if (n !== undefined) this.ips.release(n);
    }
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) this.ports.release(p.nodePort);
  }

  /**
   * allocate assigns clusterIP and nodePorts for a new service, or fails with field errors
   * (upstream: `spec.clusterIPs: Invalid value: ...: failed to allocate IP ...: provided IP is already allocated`).
   */
  allocate(svc: KubeObject, dryRun: boolean): FieldError[] {
    const spec = svc.spec;
    const errs: FieldError[] = [];
    const got: Array<() => void> = [];
    if (spec.type !== 'ExternalName') {
      if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
      else if (spec.clusterIP) {
        const n = ipToNumber(spec.clusterIP);
        if (n === undefined) errs.push(invalidValue(fieldPath('spec', 'clusterIPs').index(0), spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
        else if (!this.ips.contains(n)) errs.push(invalidValue(fieldPath('spec', 'clusterIPs'), [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${this.cidr}`));
        else if (this.ips.has(n)) errs.push(invalidValue(fieldPath('spec', 'clusterIPs'), [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`));
        else {
          this.ips.allocate(n);
          got.push(() => this.ips.release(n));
          spec.clusterIPs = [spec.clusterIP];
        }
      } else {
        const n = this.ips.allocateNext();
        if (n === undefined) errs.push(invalidValue(fieldPath('spec', 'clusterIPs'), [], 'failed to allocate a serviceIP: range is full'));
        else {
          got.push(() => this.ips.release(n));
          spec.clusterIP = ipToString(n);
          spec.clusterIPs = [spec.clusterIP];
        }
      }
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      (spec.ports ?? []).forEach((p: Record<string, any>, i: number) => {
        if (p.nodePort) {
          if (!this.ports.contains(p.nodePort)) errs.push(invalidValue(fieldPath('spec', 'ports').index(i).child('nodePort'), p.nodePort, `provided port is not in the valid range. The range of valid ports is ${this.ports.min}-${this.ports.max}`));
          else if (!this.ports.allocate(p.nodePort)) errs.push(invalidValue(fieldPath('spec', 'ports').index(i).child('nodePort'), p.nodePort, 'provided port is already allocated'));
          else {
            const n = p.nodePort;
            got.push(() => this.ports.release(n));
          }
        } else {
          const n = this.ports.allocateNext();
          if (n === undefined) errs.push(invalidValue(fieldPath('spec', 'ports').index(i).child('nodePort'), 0, 'range is full'));
          else {
            got.push(() => this.ports.release(n));
            p.nodePort = n;
          }
        }
      });
    }
    if (errs.length || dryRun) for (const undo of got) undo();
    return errs;
  }
}

function setDefaults(obj: KubeObject): void {
  const spec = (obj.spec ??= {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
}

function validateService(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj.spec ?? {};
  const sp = fieldPath('spec');
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(spec.type)) errs.push(invalidValue(sp.child('type'), spec.type, 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'));
  if (spec.type === 'ExternalName' && !spec.externalName) errs.push(required(sp.child('externalName'), ''));
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None' && (spec.ports ?? []).length === 0) errs.push(required(sp.child('ports'), ''));
  const names = new Set<string>();
  (spec.ports ?? []).forEach((p: Record<string, any>, i: number) => {
    const pp = sp.child('ports').index(i);
    if ((spec.ports.length > 1) && !p.name) errs.push(required(pp.child('name'), ''));
    if (p.name && names.has(p.name)) errs.push(invalidValue(pp.child('name'), p.name, 'Duplicate value'));
    names.add(p.name);
    if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) errs.push(invalidValue(pp.child('port'), p.port, 'must be between 1 and 65535, inclusive'));
  });
  if (spec.type === 'ClusterIP' && (spec.ports ?? []).some((p: { nodePort?: number }) => p.nodePort)) {
    errs.push(invalidValue(sp.child('ports').index(0).child('nodePort'), spec.ports[0].nodePort, 'may not be used when `type` is \'ClusterIP\''));
  }
  return errs;
}

/** newServiceStrategy builds the Service strategy around the allocators. */
export function newServiceStrategy(alloc: ServiceAllocators): Strategy {
  const base = newDefaultStrategy({ namespaced: true, hasStatusSubresource: true, hasSpec: false });
  return {
    ...base,
    prepareForCreate(_ctx, obj) {
      setDefaults(obj);
      obj.status = { loadBalancer: {} };
    },
    prepareForUpdate(_ctx, obj, old) {
      setDefaults(obj);
      obj.status = old.status;
      const wasExternal = old.spec?.type === 'ExternalName';
      const isExternal = obj.spec.type === 'ExternalName';
      if (isExternal && !wasExternal) {
        // Switching to ExternalName drops the cluster IPs the client left as they were and frees
        // them (upstream dropTypeDependentFields + the allocator's release on update).
        if (!obj.spec.clusterIP || obj.spec.clusterIP === old.spec?.clusterIP) {
          delete obj.spec.clusterIP;
          delete obj.spec.clusterIPs;
          delete obj.spec.ipFamilies;
          delete obj.spec.ipFamilyPolicy;
          delete obj.spec.internalTrafficPolicy;
          if (old.spec?.clusterIP && old.spec.clusterIP !== 'None') alloc.release({ metadata: {}, spec: { clusterIPs: old.spec.clusterIPs ?? [old.spec.clusterIP] } });
        }
      } else if (!isExternal && wasExternal) {
        // Leaving ExternalName allocates cluster IPs as a create does (upstream allocUpdateServiceClusterIPsNew).
        delete obj.spec.clusterIPs;
        const probe: KubeObject = { metadata: {}, spec: { type: 'ClusterIP', clusterIP: obj.spec.clusterIP, ports: [] } };
        if (alloc.allocate(probe, false).length === 0) {
          obj.spec.clusterIP = probe.spec.clusterIP;
          obj.spec.clusterIPs = probe.spec.clusterIPs;
        }
      } else {
        // clusterIP is kept when the client omits it (upstream patchAllocatedValues).
        if (!obj.spec.clusterIP && old.spec?.clusterIP) obj.spec.clusterIP = old.spec.clusterIP;
        if (!obj.spec.clusterIPs && old.spec?.clusterIPs) obj.spec.clusterIPs = old.spec.clusterIPs;
      }
      for (const p of obj.spec.ports ?? []) {
        const op = (old.spec?.ports ?? []).find((x: { port: number; protocol?: string }) => x.port === p.port && (x.protocol ?? 'TCP') === p.protocol);
        if (!p.nodePort && op?.nodePort && (obj.spec.type === 'NodePort' || obj.spec.type === 'LoadBalancer')) p.nodePort = op.nodePort;
        // A port that becomes a node port gets one (upstream alloc.go allocUpdateServiceNodePortsNew).
        if (!p.nodePort && (obj.spec.type === 'NodePort' || obj.spec.type === 'LoadBalancer')) {
          const n = alloc.ports.allocateNext();
          if (n !== undefined) p.nodePort = n;
        }
      }
      if (obj.spec.type === 'ClusterIP' || obj.spec.type === 'ExternalName') for (const p of obj.spec.ports ?? []) delete p.nodePort;
      // Node ports the service no longer uses go back to the pool.
      const kept = new Set((obj.spec.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter(Boolean));
      const dropped = (old.spec?.ports ?? []).filter((p: { nodePort?: number }) => p.nodePort && !kept.has(p.nodePort));
      if (dropped.length > 0) alloc.release({ metadata: {}, spec: { ports: dropped } });
    },
    // upstream SelectableFields: spec.clusterIP and spec.type besides metadata.name/namespace.
    fieldSelectorAttrs: (obj) => ({ 'spec.clusterIP': obj.spec?.clusterIP ?? '', 'spec.type': obj.spec?.type ?? '' }),
    validate: (_ctx, obj) => validateService(obj),
    validateUpdate(_ctx, obj, old) {
      const errs = validateService(obj);
      if (old.spec?.type !== 'ExternalName' && obj.spec?.type !== 'ExternalName') errs.push(...validateImmutableField(obj.spec?.clusterIP, old.spec?.clusterIP, fieldPath('spec', 'clusterIPs').index(0)));
      return errs;
    },
  };
}

/** newServiceStatusStrategy updates only status. */
export function newServiceStatusStrategy(alloc: ServiceAllocators): Strategy {
  return newStatusStrategy(newServiceStrategy(alloc));
}
