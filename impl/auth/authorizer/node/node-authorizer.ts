/**
 * The Node authorizer: a kubelet (`system:node:NAME` in `system:nodes`) may read only the
 * Secrets, ConfigMaps, PVCs, PVs and ServiceAccount tokens of pods bound to its node, write only
 * its own Node and Lease and the status of its pods, and otherwise gets the `system:node` rules.
 *
 * upstream: plugin/pkg/auth/authorizer/node/node_authorizer.go (NodeAuthorizer.Authorize) and
 * graph.go (the pod -> object graph)
 */
import type { Pod, PolicyRule } from '#generated/k8s/index.ts';
import { NODES_GROUP, type UserInfo } from '../../user/user.ts';
import { allow, noOpinion, type Attributes, type Authorizer, type Decision } from '../interfaces.ts';
import { ruleAllows } from '../rbac/rule-matching.ts';

/** NODE_USER_PREFIX prefixes kubelet user names. */
export const NODE_USER_PREFIX = 'system:node:';
/** NODE_LEASE_NAMESPACE holds node heartbeats. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** VertexKind is an object kind the graph relates to nodes. */
export type VertexKind = 'secret' | 'configmap' | 'pvc' | 'pv' | 'serviceaccount' | 'pod';

/**
 * NodeGraph answers whether a node has a path to an object: the object is used by a pod bound
 * to the node (pod -> secret/configmap/pvc/serviceaccount, pvc -> pv), or is such a pod.
 */
export interface NodeGraph {
  hasPathFrom(nodeName: string, kind: VertexKind, namespace: string, name: string): boolean;
}

/** nodeIdentity returns the node name of a kubelet user, '' for an unnamed node, or undefined for non-nodes (upstream NodeIdentifier). */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  if (!user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

/** NodeAuthorizerOptions configures {@link newNodeAuthorizer}. */
export interface NodeAuthorizerOptions {
  graph: NodeGraph;
  /** The rules nodes get for everything else (the `system:node` ClusterRole's rules). */
  nodeRules: readonly PolicyRule[];
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** newNodeAuthorizer builds the Node authorizer; non-node users always get no opinion. */
export function newNodeAuthorizer(opts: NodeAuthorizerOptions): Authorizer {
  const { graph } = opts;
  const readObject = (node: string, kind: VertexKind, a: Attributes, namespaced = true): Decision => {
    if (!READ_VERBS.has(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (namespaced && !a.namespace) return noOpinion('can only read namespaced object of this type');
    return related(node, kind, a);
  };
  const related = (node: string, kind: VertexKind, a: Attributes): Decision => {
    if (!a.name) return noOpinion('No Object name found');
    if (!graph.hasPathFrom(node, kind, a.namespace, a.name)) return noOpinion(`no relationship found between node '${node}' and this object`);
    return allow('');
  };
  return {
    authorize(a: Attributes): Decision {
      const node = nodeIdentity(a.user);
      if (node === undefined) return noOpinion('');
      if (node === '') return noOpinion(`unknown node for user "${a.user.name}"`);
      if (a.resourceRequest) {
        const gr = `${a.apiGroup}/${a.resource}`;
        switch (gr) {
          case '/secrets':
            return readObject(node, 'secret', a);
          case '/configmaps':
            return readObject(node, 'configmap', a);
          case '/persistentvolumeclaims':
            if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) return related(node, 'pvc', a);
            return readObject(node, 'pvc', a);
          case '/persistentvolumes':
            return readObject(node, 'pv', a, false);
          case '/serviceaccounts':
            if (a.verb !== 'create' || a.subresource !== 'token') return noOpinion('can only create tokens for individual service accounts');
            return related(node, 'serviceaccount', a);
          case 'coordination.k8s.io/leases':
            if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
            if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
            if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
            return allow('');
          case '/nodes':
            // kubets folds NodeRestriction's "own Node only" check into the authorizer for writes.
            if (['update', 'patch', 'delete'].includes(a.verb) && a.name !== node) return noOpinion(`node '${node}' cannot modify node '${a.name}'`);
            break;
          case '/pods':
            if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) return related(node, 'pod', a);
            break;
        }
      }
      if (opts.nodeRules.some((r) => ruleAllows(a, r))) return allow('');
      return noOpinion('');
    },
  };
}

/** podReferences lists the objects a pod uses, as the graph populator does (upstream graph_populator / AddPod). */
export function podReferences(pod: Pod): { secrets: string[]; configmaps: string[]; pvcs: string[]; serviceAccount: string } {
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const pvcs = new Set<string>();
  const spec = pod.spec;
  for (const s of spec?.imagePullSecrets ?? []) if (s.name) secrets.add(s.name);
  for (const v of spec?.volumes ?? []) {
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    if (v.configMap?.name) configmaps.add(v.configMap.name);
    if (v.persistentVolumeClaim?.claimName) pvcs.add(v.persistentVolumeClaim.claimName);
    for (const src of v.projected?.sources ?? []) {
      if (src.secret?.name) secrets.add(src.secret.name);
      if (src.configMap?.name) configmaps.add(src.configMap.name);
    }
    const ref = (x: { secretRef?: { name?: string } } | undefined) => x?.secretRef?.name;
    for (const n of [ref(v.cephfs), ref(v.cinder), ref(v.flexVolume), ref(v.rbd), ref(v.iscsi), ref(v.scaleIO), ref(v.storageos), v.azureFile?.secretName, v.csi?.nodePublishSecretRef?.name]) if (n) secrets.add(n);
    if (v.ephemeral) pvcs.add(`${pod.metadata?.name ?? ''}-${v.name}`);
  }
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...((spec?.ephemeralContainers ?? []) as NonNullable<Pod["spec"]>["containers"])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) configmaps.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) secrets.add(e.secretRef.name);
      if (e.configMapRef?.name) configmaps.add(e.configMapRef.name);
    }
  }
  return { secrets: [...secrets], configmaps: [...configmaps], pvcs: [...pvcs], serviceAccount: spec?.serviceAccountName || 'default' };
}

/**
 * newPodNodeGraph builds a {@link NodeGraph} from lookups (usually informer listers):
 * `podsOnNode(node)` lists pods with `spec.nodeName == node`; `pvcVolumeName(ns, claim)` resolves
 * a claim's bound PV. It recomputes on each call, which is fine for a node's few pods; a cached
 * graph can replace it behind the same interface.
 */
export function newPodNodeGraph(lookup: { podsOnNode(node: string): readonly Pod[]; pvcVolumeName?(namespace: string, claim: string): string | undefined }): NodeGraph {
  return {
    hasPathFrom(node, kind, namespace, name) {
      for (const pod of lookup.podsOnNode(node)) {
        if (pod.spec?.nodeName !== node) continue;
        const ns = pod.metadata?.namespace ?? '';
        if (kind === 'pod') {
          if (ns === namespace && pod.metadata?.name === name) return true;
          continue;
        }
        const refs = podReferences(pod);
        if (kind === 'pv') {
          if (refs.pvcs.some((c) => lookup.pvcVolumeName?.(ns, c) === name)) return true;
          continue;
        }
        if (ns !== namespace) continue;
        if (kind === 'secret' && refs.secrets.includes(name)) return true;
        if (kind === 'configmap' && refs.configmaps.includes(name)) return true;
        if (kind === 'pvc' && refs.pvcs.includes(name)) return true;
        if (kind === 'serviceaccount' && refs.serviceAccount === name) return true;
      }
      return false;
    },
  };
}
