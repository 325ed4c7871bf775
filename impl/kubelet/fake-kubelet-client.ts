/**
 * FakeKubeletClient is an in-memory {@link KubeletClient} for unit tests: pods live in a
 * FakeListWatch (so the pod source's informer lists and watches them), nodes, leases,
 * ConfigMaps and Secrets in maps. Errors are impl/client ApiErrors with upstream reasons, so
 * `isNotFound`/`isConflict` work as against a real apiserver. Field selectors are not applied:
 * put only this node's pods in it.
 */
import type { ConfigMap, Lease, Node, PersistentVolume, PersistentVolumeClaim, Pod, Secret, Service, TokenRequest } from '#generated/k8s/index.ts';
import { ApiError } from '#impl/client/index.ts';
import { FakeListWatch, type ListerWatcher } from '#impl/client/tools/cache/index.ts';
import type { KubeletClient } from './kubelet-client.ts';

function apiError(code: number, reason: string, message: string): ApiError {
  return new ApiError({ code, status: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message }, request: 'fake', body: '' });
}

/** FakeKubeletClient: see the module comment. */
export class FakeKubeletClient implements KubeletClient {
  readonly pods = new FakeListWatch<Pod>({ kind: 'Pod', apiVersion: 'v1' });
  readonly services = new FakeListWatch<Service>({ kind: 'Service', apiVersion: 'v1' });
  readonly nodes = new Map<string, Node>();
  readonly leases = new Map<string, Lease>();
  readonly configMaps = new Map<string, ConfigMap>();
  readonly secrets = new Map<string, Secret>();
  readonly pvcs = new Map<string, PersistentVolumeClaim>();
  readonly pvs = new Map<string, PersistentVolume>();
  /** tokenRequests lists `ns/sa audience` of every TokenRequest; tokens are `token-<n>`. */
  readonly tokenRequests: string[] = [];
  /** statusWrites lists `ns/name phase` of every pods/status write. */
  readonly statusWrites: string[] = [];
  /** deletes lists `ns/name grace=N` of every pod delete. */
  readonly deletes: string[] = [];
  private uidSeq = 0;

  /** snapshot mirrors the FakeListWatch's objects for direct reads by key. */
  private readonly snapshot = new Map<string, Pod>();
  private podMap(): Map<string, Pod> {
    return this.snapshot;
  }

  /** addPod adds a pod (assigning uid and creationTimestamp) and returns it. */
  addPod(pod: Pod): Pod {
    const p: Pod = structuredClone(pod);
    p.metadata = { namespace: 'default', creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...p.metadata, uid: p.metadata?.uid ?? `uid-${++this.uidSeq}` };
    const stored = this.pods.create(p);
    this.snapshot.set(`${p.metadata?.namespace}/${p.metadata?.name}`, stored);
    return stored;
  }

  /** markPodDeleted sets deletionTimestamp and deletionGracePeriodSeconds, as a graceful DELETE does. */
  markPodDeleted(namespace: string, name: string, gracePeriodSeconds = 30): Pod {
    const p = this.mustGet(namespace, name);
    const next = { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), deletionGracePeriodSeconds: gracePeriodSeconds } };
    const stored = this.pods.update(next);
    this.snapshot.set(`${namespace}/${name}`, stored);
    return stored;
  }

  /** pod returns the stored pod, if any. */
  pod(namespace: string, name: string): Pod | undefined {
    return this.podMap().get(`${namespace}/${name}`);
  }

  private mustGet(namespace: string, name: string): Pod {
    const p = this.pod(namespace, name);
    if (!p) throw apiError(404, 'NotFound', `pods "${name}" not found`);
    return p;
  }

  async getNode(name: string): Promise<Node> {
    const n = this.nodes.get(name);
    if (!n) throw apiError(404, 'NotFound', `nodes "${name}" not found`);
    return structuredClone(n);
  }
  async createNode(node: Node): Promise<Node> {
    const name = node.metadata?.name ?? '';
    if (this.nodes.has(name)) throw apiError(409, 'AlreadyExists', `nodes "${name}" already exists`);
    const n = structuredClone(node);
    n.metadata = { ...n.metadata, uid: `node-${name}`, resourceVersion: '1' };
    this.nodes.set(name, n);
    return structuredClone(n);
  }
  async updateNodeStatus(node: Node): Promise<Node> {
    const name = node.metadata?.name ?? '';
    const cur = this.nodes.get(name);
    if (!cur) throw apiError(404, 'NotFound', `nodes "${name}" not found`);
    if (node.metadata?.resourceVersion && node.metadata.resourceVersion !== cur.metadata?.resourceVersion) {
      throw apiError(409, 'Conflict', `Operation cannot be fulfilled on nodes "${name}": the object has been modified`);
    }
    const next = { ...cur, status: structuredClone(node.status), metadata: { ...cur.metadata, resourceVersion: String(Number(cur.metadata?.resourceVersion ?? 0) + 1) } };
    this.nodes.set(name, next);
    return structuredClone(next);
  }
  async getLease(namespace: string, name: string): Promise<Lease> {
    const l = this.leases.get(`${namespace}/${name}`);
    if (!l) throw apiError(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
    return structuredClone(l);
  }
  async createLease(lease: Lease): Promise<Lease> {
    const key = `${lease.metadata?.namespace}/${lease.metadata?.name}`;
    if (this.leases.has(key)) throw apiError(409, 'AlreadyExists', 'exists');
    const l = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: '1' } };
    this.leases.set(key, l);
    return structuredClone(l);
  }
  async updateLease(lease: Lease): Promise<Lease> {
    const key = `${lease.metadata?.namespace}/${lease.metadata?.name}`;
    const cur = this.leases.get(key);
    if (!cur) throw apiError(404, 'NotFound', 'not found');
    const l = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(Number(cur.metadata?.resourceVersion ?? 0) + 1) } };
    this.leases.set(key, l);
    return structuredClone(l);
  }
  podListWatch(): ListerWatcher<Pod> {
    return this.pods;
  }
  serviceListWatch(): ListerWatcher<Service> {
    return this.services;
  }
  async createPod(pod: Pod): Promise<Pod> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (this.pod(ns, name)) throw apiError(409, 'AlreadyExists', `pods "${name}" already exists`);
    return structuredClone(this.addPod({ ...pod, metadata: { ...pod.metadata, namespace: ns, uid: undefined } }));
  }
  async getPod(namespace: string, name: string): Promise<Pod> {
    return structuredClone(this.mustGet(namespace, name));
  }
  async updatePodStatus(pod: Pod): Promise<Pod> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const cur = this.mustGet(ns, name);
    if (pod.metadata?.resourceVersion && pod.metadata.resourceVersion !== cur.metadata?.resourceVersion) {
      throw apiError(409, 'Conflict', `Operation cannot be fulfilled on pods "${name}": the object has been modified`);
    }
    const stored = this.pods.update({ ...cur, status: structuredClone(pod.status) });
    this.snapshot.set(`${ns}/${name}`, stored);
    this.statusWrites.push(`${ns}/${name} ${pod.status?.phase}`);
    return structuredClone(stored);
  }
  async deletePod(namespace: string, name: string, opts: { gracePeriodSeconds: number; uid: string }): Promise<void> {
    const cur = this.mustGet(namespace, name);
    if (cur.metadata?.uid !== opts.uid) throw apiError(409, 'Conflict', 'Precondition failed: UID in precondition does not match');
    this.deletes.push(`${namespace}/${name} grace=${opts.gracePeriodSeconds}`);
    this.pods.delete(`${namespace}/${name}`);
    this.snapshot.delete(`${namespace}/${name}`);
  }
  async getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return this.configMaps.get(`${namespace}/${name}`);
  }
  async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return this.secrets.get(`${namespace}/${name}`);
  }
  async createToken(namespace: string, sa: string, req: TokenRequest): Promise<TokenRequest> {
    this.tokenRequests.push(`${namespace}/${sa} ${(req.spec?.audiences ?? []).join(',')}`);
    const exp = new Date(Date.now() + (req.spec?.expirationSeconds ?? 3600) * 1000).toISOString();
    return { ...req, status: { token: `token-${this.tokenRequests.length}`, expirationTimestamp: exp } };
  }
  async getPVC(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return this.pvcs.get(`${namespace}/${name}`);
  }
  async getPV(name: string): Promise<PersistentVolume | undefined> {
    return this.pvs.get(name);
  }
}
