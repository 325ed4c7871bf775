/**
 * The iptables proxier (upstream `pkg/proxy/iptables/proxier.go`): {@link renderRules} turns
 * the service ports and their endpoints into one `iptables-restore --noflush` text for the nat
 * and filter tables, a pure function; {@link Proxier} applies it through an
 * {@link IptablesRunner}, keeps the top-level jumps in place and flushes stale UDP conntrack
 * entries.
 *
 * Rule set of one instance with tag `t` (see `chain-names.ts`), as upstream's:
 * - nat PREROUTING/OUTPUT jump to `KUBE-SERVICES-t`, which matches each cluster IP (and
 *   external IP) and port and jumps to the service chain `KUBE-SVC-t-*` (or `KUBE-SVL-t-*` for
 *   `internalTrafficPolicy: Local`); its last rule sends traffic to local addresses to
 *   `KUBE-NODEPORTS-t`, which jumps per node port to `KUBE-EXT-t-*`.
 * - A service chain marks traffic from outside the pod CIDR (`--cluster-cidr`) for masquerade
 *   (`KUBE-MARK-MASQ-t`: mark 0x4000), then picks an endpoint chain `KUBE-SEP-t-*` with
 *   `statistic --mode random` probabilities 1/n, 1/(n-1)... (ClientIP affinity first checks
 *   `recent` lists named after each endpoint chain). The endpoint chain marks hairpin traffic
 *   (from the endpoint itself) for masquerade and DNATs.
 * - nat POSTROUTING jumps to `KUBE-POSTROUTING-t`: marked packets are MASQUERADEd (so host ->
 *   ClusterIP, node ports and a pod reaching itself through its Service all work on the shared
 *   bridge; pod -> other pod replies are un-NATed by conntrack through br_netfilter).
 * - filter `KUBE-SERVICES-t` (FORWARD, OUTPUT) and `KUBE-EXTERNAL-SERVICES-t` (INPUT, FORWARD)
 *   REJECT traffic to service ports without usable endpoints, so clients fail at once;
 *   `KUBE-FORWARD-t` accepts marked and established forwarded traffic.
 * - ExternalName and headless services get no rules.
 *
 * Several kubets clusters on one machine: each proxy owns only its tagged chains and the jump
 * rules it inserted. Two clusters that hand out the same ClusterIP (always the case for the
 * `kubernetes` Service, 198.19.0.1) or the same node port conflict: the instance whose jump
 * comes first in PREROUTING/OUTPUT wins, the other cluster's clients reach the wrong backends.
 * kubets does not try to resolve that; run one cluster at a time where Services matter.
 * CNI-HOSTPORT-* chains (portmap) are never touched.
 *
 * Deviations: no KUBE-PROXY-FIREWALL (loadBalancerSourceRanges), no health-check node ports,
 * no `--ctstate INVALID -j DROP` (it would drop other clusters' bridged traffic too).
 */
import type { EndpointSlice, Service } from '#generated/k8s/index.ts';
import { realClock, type Clock, type TimerHandle } from '#impl/apimachinery/util/clock/index.ts';
import type { ConntrackRunner, ServicePortState } from '../conntrack/cleanup.ts';
import { staleUdpEntries } from '../conntrack/cleanup.ts';
import type { Endpoint } from '../endpoint.ts';
import { categorizeEndpoints, endpointString, endpointsFromSlices, endpointsKey } from '../endpoint.ts';
import { servicePortsFromService, type ServicePortInfo } from '../service-port.ts';
import { chainsInSave, type IptablesRunner } from '../util/iptables/iptables.ts';
import { chainNames, ownsChain, servicePortChainName, servicePortEndpointChainName, type ChainNames } from './chain-names.ts';

/** MASQ_MARK is upstream's `--iptables-masquerade-bit` 14 as a mark (0x4000), shared by all instances (they all mean "masquerade"). */
export const MASQ_MARK = '0x4000';

/** TopLevelJump is a rule an instance inserts into a built-in chain to reach its own chains. */
export interface TopLevelJump {
  table: 'nat' | 'filter';
  chain: 'PREROUTING' | 'OUTPUT' | 'POSTROUTING' | 'INPUT' | 'FORWARD';
  /** args are the rule's match and target arguments (after `-I CHAIN`). */
  args: string[];
}

/** topLevelJumps lists the jump rules of an instance (upstream `iptablesJumpChains`), in insertion order. */
export function topLevelJumps(names: ChainNames): TopLevelJump[] {
  const c = (text: string): string[] => ['-m', 'comment', '--comment', `kubets ${names.tag} ${text}`];
  const newOnly = ['-m', 'conntrack', '--ctstate', 'NEW'];
  return [
    { table: 'nat', chain: 'PREROUTING', args: [...c('service portals'), '-j', names.services] },
    { table: 'nat', chain: 'OUTPUT', args: [...c('service portals'), '-j', names.services] },
    { table: 'nat', chain: 'POSTROUTING', args: [...c('postrouting rules'), '-j', names.postrouting] },
    { table: 'filter', chain: 'INPUT', args: [...newOnly, ...c('externally-visible service portals'), '-j', names.externalServices] },
    { table: 'filter', chain: 'FORWARD', args: [...newOnly, ...c('externally-visible service portals'), '-j', names.externalServices] },
    { table: 'filter', chain: 'FORWARD', args: [...newOnly, ...c('service portals'), '-j', names.services] },
    { table: 'filter', chain: 'OUTPUT', args: [...newOnly, ...c('service portals'), '-j', names.services] },
    { table: 'filter', chain: 'FORWARD', args: [...c('forwarding rules'), '-j', names.forward] },
  ];
}

/** RenderInput is everything {@link renderRules} needs. */
export interface RenderInput {
  tag: string;
  services: readonly ServicePortInfo[];
  /** endpoints keyed by `endpointsKey(servicePortName, protocol)`. */
  endpoints: ReadonlyMap<string, readonly Endpoint[]>;
  /** clusterCIDR (`--cluster-cidr`): traffic from outside it to a cluster IP is masqueraded. */
  clusterCIDR?: string;
  /** masqueradeAll (`--masquerade-all`): masquerade all service traffic. */
  masqueradeAll?: boolean;
  /** existingChains are this instance's chains now in the kernel, per table; those no longer rendered get `-X`. */
  existingChains?: { nat: readonly string[]; filter: readonly string[] };
}

/** RenderedRules is the output of {@link renderRules}. */
export interface RenderedRules {
  /** text is the `iptables-restore --noflush` input for both tables. */
  text: string;
  natChains: string[];
  filterChains: string[];
  /** serviceEndpoints lists, per service port, the endpoints its rules use (for conntrack cleanup). */
  serviceEndpoints: Map<string, Endpoint[]>;
}

const q = (s: string): string => `"${s.replace(/"/g, "'")}"`;
const comment = (s: string): string => `-m comment --comment ${q(s)}`;
const proto = (p: string): string => `-p ${p.toLowerCase()} -m ${p.toLowerCase()}`;

/**
 * probability formats 1/n the way upstream does (`%0.10f`), for `-m statistic --probability`.
 */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/**
 * renderRules renders the whole rule set of one instance (upstream `syncProxyRules`). The
 * output declares every chain it writes (which flushes it in `--noflush` mode), so applying it
 * replaces this instance's rules atomically per table and leaves all other chains alone.
 */
export function renderRules(input: RenderInput): RenderedRules {
  const names = chainNames(input.tag);
  const natChains: string[] = [names.services, names.nodePorts, names.postrouting, names.markMasq];
  const filterChains: string[] = [names.services, names.externalServices, names.forward];
  const nat: string[] = [];
  const filter: string[] = [];
  const natServices: string[] = [];
  const natNodePorts: string[] = [];
  const serviceEndpoints = new Map<string, Endpoint[]>();

  // Fixed chains (upstream writes these first).
  nat.push(`-A ${names.postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  nat.push(`-A ${names.postrouting} -j MARK --xor-mark ${MASQ_MARK}`);
  nat.push(`-A ${names.postrouting} ${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`);
  nat.push(`-A ${names.markMasq} -j MARK --or-mark ${MASQ_MARK}`);
  filter.push(`-A ${names.forward} ${comment('kubernetes forwarding rules')} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  filter.push(`-A ${names.forward} ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);

  const services = [...input.services].sort((a, b) => a.servicePortName.localeCompare(b.servicePortName) || a.protocol.localeCompare(b.protocol));
  for (const svc of services) {
    const spn = svc.servicePortName;
    const p = svc.protocol;
    const all = input.endpoints.get(endpointsKey(spn, p)) ?? [];
    const { clusterEndpoints, localEndpoints, allReachableEndpoints } = categorizeEndpoints(all, svc);
    serviceEndpoints.set(endpointsKey(spn, p), allReachableEndpoints);
    const svcChain = servicePortChainName('SVC', input.tag, spn, p);
    const svlChain = servicePortChainName('SVL', input.tag, spn, p);
    const extChain = servicePortChainName('EXT', input.tag, spn, p);
    const hasExternal = svc.nodePort > 0 || svc.externalIPs.length > 0 || svc.loadBalancerIPs.length > 0;
    const internalChain = svc.internalPolicyLocal ? svlChain : svcChain;
    const internalEndpoints = svc.internalPolicyLocal ? localEndpoints : clusterEndpoints;
    const externalEndpoints = svc.externalPolicyLocal ? localEndpoints : clusterEndpoints;
    const hasInternal = (internalEndpoints?.length ?? 0) > 0;
    const hasExternalEps = (externalEndpoints?.length ?? 0) > 0;
    const usesCluster = (clusterEndpoints?.length ?? 0) > 0;
    const usesLocal = (localEndpoints?.length ?? 0) > 0;
    const usesExt = hasExternal && hasExternalEps;
    // No usable endpoints: REJECT; endpoints elsewhere but none on this node for a Local policy: DROP (upstream).
    const anyUsable = all.some((e) => e.ready || (e.serving && e.terminating));
    const noEndpoints = (local: boolean): string => (local && anyUsable ? `${comment(`${spn} has no local endpoints`)}` : `${comment(`${spn} has no endpoints`)}`);
    const noEndpointsTarget = (local: boolean): string => (local && anyUsable ? 'DROP' : 'REJECT');

    // Cluster IPs.
    for (const ip of svc.clusterIPs) {
      const match = `${comment(`${spn} cluster IP`)} ${proto(p)} -d ${ip}/32 --dport ${svc.port}`;
      if (hasInternal) natServices.push(`-A ${names.services} ${match} -j ${internalChain}`);
      else filter.push(`-A ${names.services} ${noEndpoints(svc.internalPolicyLocal)} ${proto(p)} -d ${ip}/32 --dport ${svc.port} -j ${noEndpointsTarget(svc.internalPolicyLocal)}`);
    }
    // External IPs and load-balancer IPs.
    for (const [ip, what] of [...svc.externalIPs.map((ip) => [ip, 'external IP']), ...svc.loadBalancerIPs.map((ip) => [ip, 'loadbalancer IP'])] as const) {
      if (usesExt) natServices.push(`-A ${names.services} ${comment(`${spn} ${what}`)} ${proto(p)} -d ${ip}/32 --dport ${svc.port} -j ${extChain}`);
      else filter.push(`-A ${names.externalServices} ${noEndpoints(svc.externalPolicyLocal)} ${proto(p)} -d ${ip}/32 --dport ${svc.port} -j ${noEndpointsTarget(svc.externalPolicyLocal)}`);
    }
    // Node ports.
    if (svc.nodePort > 0) {
      if (usesExt) natNodePorts.push(`-A ${names.nodePorts} ${comment(spn)} ${proto(p)} --dport ${svc.nodePort} -j ${extChain}`);
      else filter.push(`-A ${names.externalServices} ${noEndpoints(svc.externalPolicyLocal)} -m addrtype --dst-type LOCAL ${proto(p)} --dport ${svc.nodePort} -j ${noEndpointsTarget(svc.externalPolicyLocal)}`);
    }

    // The external chain.
    if (usesExt) {
      natChains.push(extChain);
      if (!svc.externalPolicyLocal) {
        nat.push(`-A ${extChain} ${comment(`masquerade traffic for ${spn} external destinations`)} -j ${names.markMasq}`);
        nat.push(`-A ${extChain} -j ${svcChain}`);
      } else {
        if (usesCluster) {
          if (input.clusterCIDR) nat.push(`-A ${extChain} ${comment(`pod traffic for ${spn} external destinations`)} -s ${input.clusterCIDR} -j ${svcChain}`);
          nat.push(`-A ${extChain} ${comment(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${names.markMasq}`);
          nat.push(`-A ${extChain} ${comment(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`);
        }
        nat.push(`-A ${extChain} -j ${svlChain}`);
      }
    }

    // The cluster policy chain.
    if (usesCluster) {
      natChains.push(svcChain);
      for (const ip of svc.clusterIPs) {
        const match = `${comment(`${spn} cluster IP`)} ${proto(p)} -d ${ip}/32 --dport ${svc.port}`;
        if (input.masqueradeAll) nat.push(`-A ${svcChain} ${match} -j ${names.markMasq}`);
        else if (input.clusterCIDR) nat.push(`-A ${svcChain} ${match} ! -s ${input.clusterCIDR} -j ${names.markMasq}`);
      }
      writeEndpointRules(nat, svcChain, input.tag, svc, clusterEndpoints!);
    }
    // The local policy chain.
    if (usesLocal) {
      natChains.push(svlChain);
      writeEndpointRules(nat, svlChain, input.tag, svc, localEndpoints!);
    }
    // Endpoint chains.
    for (const ep of allReachableEndpoints) {
      const sep = servicePortEndpointChainName(input.tag, spn, p, endpointString(ep));
      natChains.push(sep);
      nat.push(`-A ${sep} ${comment(spn)} -s ${ep.ip}/32 -j ${names.markMasq}`);
      const affinity = svc.stickyMaxAgeSeconds > 0 ? ` -m recent --name ${sep} --mask 255.255.255.255 --rsource --set` : '';
      nat.push(`-A ${sep} ${comment(spn)}${affinity} ${proto(p)} -j DNAT --to-destination ${endpointString(ep)}`);
    }
  }
  // The node-ports rule must be last in KUBE-SERVICES (upstream "NOTE: this must be the last rule in this chain").
  natServices.push(`-A ${names.services} ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j ${names.nodePorts}`);

  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  const natAll = uniq(natChains);
  const filterAll = uniq(filterChains);
  const stale = (existing: readonly string[] | undefined, keep: string[]): string[] => (existing ?? []).filter((c) => ownsChain(input.tag, c) && !keep.includes(c)).sort();
  const natStale = stale(input.existingChains?.nat, natAll);
  const filterStale = stale(input.existingChains?.filter, filterAll);

  const lines: string[] = [];
  lines.push('*filter');
  for (const c of [...filterAll, ...filterStale]) lines.push(`:${c} - [0:0]`);
  lines.push(...filter);
  for (const c of filterStale) lines.push(`-X ${c}`);
  lines.push('COMMIT');
  lines.push('*nat');
  for (const c of [...natAll, ...natStale]) lines.push(`:${c} - [0:0]`);
  lines.push(...natServices, ...natNodePorts, ...nat);
  for (const c of natStale) lines.push(`-X ${c}`);
  lines.push('COMMIT');
  return { text: lines.join('\n') + '\n', natChains: natAll, filterChains: filterAll, serviceEndpoints };
}

/**
 * writeEndpointRules writes the load-balancing rules of a service chain (upstream
 * `writeServiceToEndpointRules`): ClientIP affinity checks first, then one rule per endpoint
 * with probability 1/(n-i), the last without a match.
 */
function writeEndpointRules(out: string[], chain: string, tag: string, svc: ServicePortInfo, endpoints: readonly Endpoint[]): void {
  const spn = svc.servicePortName;
  const seps = endpoints.map((ep) => ({ ep, sep: servicePortEndpointChainName(tag, spn, svc.protocol, endpointString(ep)) }));
  if (svc.stickyMaxAgeSeconds > 0) {
    for (const { ep, sep } of seps) {
      out.push(`-A ${chain} ${comment(`${spn} -> ${endpointString(ep)}`)} -m recent --name ${sep} --mask 255.255.255.255 --rsource --rcheck --seconds ${svc.stickyMaxAgeSeconds} --reap -j ${sep}`);
    }
  }
  const n = seps.length;
  seps.forEach(({ ep, sep }, i) => {
    const stat = i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : '';
    out.push(`-A ${chain} ${comment(`${spn} -> ${endpointString(ep)}`)}${stat} -j ${sep}`);
  });
}

/** cleanupRules renders the `iptables-restore --noflush` text that flushes and deletes every chain of an instance found in `existing`. */
export function cleanupRules(tag: string, existing: { nat: readonly string[]; filter: readonly string[] }): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const mine = existing[table].filter((c) => ownsChain(tag, c)).sort();
    lines.push(`*${table}`);
    for (const c of mine) lines.push(`:${c} - [0:0]`);
    for (const c of mine) lines.push(`-X ${c}`);
    lines.push('COMMIT');
  }
  return lines.join('\n') + '\n';
}

/** ProxierLogger is the structured logger the proxier writes to (pino-compatible). */
export interface ProxierLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const silentLogger: ProxierLogger = { info() {}, warn() {}, error() {}, debug() {} };

/** ProxierOptions configure a {@link Proxier}. */
export interface ProxierOptions {
  /** tag is the instance tag every chain carries (`chain-names.ts`). */
  tag: string;
  /** nodeName decides which endpoints are local (`--hostname-override`). */
  nodeName: string;
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  iptables: IptablesRunner;
  conntrack?: ConntrackRunner;
  /** minSyncPeriodMs (`--iptables-min-sync-period`, upstream 1 s): changes closer together are batched. */
  minSyncPeriodMs?: number;
  /** syncPeriodMs (`--iptables-sync-period`, upstream 30 s): full resync even without changes. */
  syncPeriodMs?: number;
  clock?: Clock;
  logger?: ProxierLogger;
  /** onSync is called after every sync attempt (metrics). */
  onSync?: (result: { ok: boolean; durationMs: number; restored: boolean }) => void;
}

/**
 * Proxier keeps the latest Services and EndpointSlices (fed by informer handlers) and syncs the
 * rules, at most once per `minSyncPeriodMs` and at least once per `syncPeriodMs` (upstream
 * `BoundedFrequencyRunner`). Syncs never overlap. The first sync waits for
 * {@link Proxier.setInitialized}, so a half-filled cache never wipes rules.
 */
export class Proxier {
  readonly tag: string;
  readonly names: ChainNames;
  private readonly opts: ProxierOptions;
  private readonly clock: Clock;
  private readonly log: ProxierLogger;
  private readonly services = new Map<string, Service>();
  private readonly slices = new Map<string, EndpointSlice>();
  private initialized = false;
  private stopped = false;
  private timer: TimerHandle | undefined;
  private periodic: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** failures counts consecutive failed syncs; retries back off up to one sync period. */
  private failures = 0;
  private lastSyncStart = 0;
  private lastApplied = '';
  private lastState = new Map<string, ServicePortState>();
  /** lastSyncSuccess is the time (ms) of the last successful sync, 0 before the first. */
  lastSyncSuccess = 0;
  /** lastChange is the time (ms) of the oldest change not yet synced, 0 when all are. */
  lastChange = 0;

  constructor(opts: ProxierOptions) {
    this.opts = opts;
    this.tag = opts.tag;
    this.names = chainNames(opts.tag);
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
  }

  /** onServiceUpdate records a Service (add or update). */
  onServiceUpdate(svc: Service): void {
    this.services.set(objKey(svc), svc);
    this.changed();
  }

  /** onServiceDelete forgets a Service. */
  onServiceDelete(svc: Service): void {
    this.services.delete(objKey(svc));
    this.changed();
  }

  /** onEndpointSliceUpdate records an EndpointSlice (add or update). */
  onEndpointSliceUpdate(slice: EndpointSlice): void {
    this.slices.set(objKey(slice), slice);
    this.changed();
  }

  /** onEndpointSliceDelete forgets an EndpointSlice. */
  onEndpointSliceDelete(slice: EndpointSlice): void {
    this.slices.delete(objKey(slice));
    this.changed();
  }

  /** setInitialized allows syncs (call once both caches have synced) and schedules the first one. */
  setInitialized(): void {
    this.initialized = true;
    this.schedulePeriodic();
    this.requestSync();
  }

  private changed(): void {
    if (this.lastChange === 0) this.lastChange = this.clock.now();
    this.requestSync();
  }

  private schedulePeriodic(): void {
    if (this.stopped) return;
    this.periodic = this.clock.setTimeout(() => {
      this.lastApplied = '';
      this.requestSync();
      this.schedulePeriodic();
    }, this.opts.syncPeriodMs ?? 30_000, { background: true });
  }

  /** requestSync schedules a sync no sooner than `minSyncPeriodMs` after the last one started. */
  requestSync(): void {
    if (!this.initialized || this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const min = this.opts.minSyncPeriodMs ?? 1000;
    const gap = this.failures > 0 ? Math.min(this.opts.syncPeriodMs ?? 30_000, min * 2 ** Math.min(this.failures, 10)) : min;
    const wait = Math.max(0, this.lastSyncStart + gap - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.syncNow();
    }, wait);
  }

  /** syncNow runs one sync now (or joins the running one); it never rejects. */
  syncNow(): Promise<void> {
    if (this.running) return this.running;
    this.again = false;
    this.running = this.syncProxyRules().finally(() => {
      this.running = undefined;
      if (this.again) this.requestSync();
    });
    return this.running;
  }

  /** desiredState computes the service ports and endpoints from the caches. */
  private desiredState(): { services: ServicePortInfo[]; endpoints: Map<string, Endpoint[]> } {
    const services = [...this.services.values()].flatMap((s) => servicePortsFromService(s));
    const endpoints = endpointsFromSlices([...this.slices.values()], this.opts.nodeName);
    return { services, endpoints };
  }

  private async syncProxyRules(): Promise<void> {
    const start = this.clock.now();
    this.lastSyncStart = start;
    const changeAt = this.lastChange;
    this.lastChange = 0;
    let restored = false;
    try {
      const { services, endpoints } = this.desiredState();
      const [natSave, filterSave] = [await this.opts.iptables.save('nat'), await this.opts.iptables.save('filter')];
      const existing = { nat: chainsInSave(natSave).filter((c) => ownsChain(this.tag, c)), filter: chainsInSave(filterSave).filter((c) => ownsChain(this.tag, c)) };
      const rendered = renderRules({ tag: this.tag, services, endpoints, clusterCIDR: this.opts.clusterCIDR, masqueradeAll: this.opts.masqueradeAll, existingChains: existing });
      const complete = rendered.natChains.every((c) => existing.nat.includes(c)) && rendered.filterChains.every((c) => existing.filter.includes(c));
      if (rendered.text !== this.lastApplied || !complete) {
        await this.opts.iptables.restore(rendered.text);
        this.lastApplied = rendered.text;
        restored = true;
      }
      for (const j of topLevelJumps(this.names)) {
        const save = j.table === 'nat' ? natSave : filterSave;
        const target = j.args[j.args.length - 1];
        const present = save.split('\n').some((l) => l.startsWith(`-A ${j.chain} `) && l.endsWith(`-j ${target}`) && l.includes(`kubets ${this.tag} `));
        if (!present && (await this.opts.iptables.ensureRule(j.table, j.chain, j.args))) this.log.info({ table: j.table, chain: j.chain, target }, 'inserted jump rule');
      }
      const state = new Map<string, ServicePortState>();
      for (const svc of services) {
        const key = endpointsKey(svc.servicePortName, svc.protocol);
        state.set(key, { svc, endpoints: rendered.serviceEndpoints.get(key) ?? [] });
      }
      const stale = staleUdpEntries(this.lastState, state);
      this.lastState = state;
      if (this.opts.conntrack && (stale.serviceIPs.length || stale.nodePorts.length || stale.nat.length)) await this.opts.conntrack.clear(stale);
      this.lastSyncSuccess = this.clock.now();
      this.failures = 0;
      this.log.debug({ services: services.length, restored, elapsedMs: this.clock.now() - start }, 'synced proxy rules');
      this.opts.onSync?.({ ok: true, durationMs: this.clock.now() - start, restored });
    } catch (err) {
      if (this.lastChange === 0) this.lastChange = changeAt || start;
      this.lastApplied = '';
      this.failures++;
      this.log.error({ err: String(err), failures: this.failures }, 'sync proxy rules failed; retrying');
      this.opts.onSync?.({ ok: false, durationMs: this.clock.now() - start, restored });
      this.again = true;
    }
  }

  /** stop ends syncing (no rules change); {@link cleanupInstance} removes them. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    if (this.periodic) this.clock.clearTimeout(this.periodic);
    this.timer = this.periodic = undefined;
    await this.running;
  }
}

function objKey(o: { metadata?: { namespace?: string; name?: string } }): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * splitRuleArgs splits an `iptables-save` rule line into arguments, honouring double quotes
 * (comments), so the rule can be given back to `iptables -D`.
 */
export function splitRuleArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

/**
 * cleanupInstance removes everything an instance owns (upstream `CleanupLeftovers`, for one
 * tag): every rule in any chain that jumps to one of its chains, then its chains. Other
 * instances' rules and CNI-HOSTPORT-* are untouched. Safe to run when nothing is there.
 */
export async function cleanupInstance(iptables: IptablesRunner, tag: string): Promise<{ rules: number; chains: number }> {
  let rules = 0;
  const existing = { nat: [] as string[], filter: [] as string[] };
  for (const table of ['nat', 'filter'] as const) {
    const save = await iptables.save(table);
    const mine = new Set(chainsInSave(save).filter((c) => ownsChain(tag, c)));
    existing[table] = [...mine];
    for (const line of save.split('\n')) {
      if (!line.startsWith('-A ')) continue;
      const args = splitRuleArgs(line);
      const chain = args[1];
      if (mine.has(chain)) continue; // goes with its chain
      const j = args.indexOf('-j');
      if (j < 0 || !mine.has(args[j + 1])) continue;
      if (await iptables.deleteRule(table, chain, args.slice(2))) rules++;
    }
  }
  const chains = existing.nat.length + existing.filter.length;
  if (chains > 0) await iptables.restore(cleanupRules(tag, existing));
  return { rules, chains };
}
