/**
 * NodeRestriction: a kubelet (`system:node:NAME`) may only create mirror pods bound to itself,
 * change the status of its own pods, evict and delete its own pods, write its own Node (without
 * restricted labels or taint changes), its own Lease and CSINode, and request tokens only for
 * service accounts of pods on its node.
 *
 * upstream: plugin/pkg/admission/noderestriction/admission.go and
 * pkg/kubelet/apis/well_known_labels.go (IsKubeletLabel)
 */
import type { Node, Pod, TokenRequest } from '#generated/k8s/index.ts';
import { notFound } from '#impl/apimachinery/index.ts';
import { nodeIdentity } from '#impl/auth/authorizer/node/node-authorizer.ts';
import { admissionForbidden, handlesOps, type AdmissionAttributes, type ValidatingPlugin } from '../../interfaces.ts';

export const NODE_RESTRICTION_NAME = 'NodeRestriction';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

function labelNamespace(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? '' : key.slice(0, i);
}

/** isKubeletLabel: labels a kubelet may set on its Node (upstream IsKubeletLabel). */
export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((n) => ns === n || ns.endsWith(`.${n}`));
}

/** isRestrictedLabel: kubernetes.io / k8s.io labels that are not kubelet labels, and node-restriction.kubernetes.io. */
function isRestrictedLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (ns === 'node-restriction.kubernetes.io' || ns.endsWith('.node-restriction.kubernetes.io')) return true;
  const k8s = ns === 'kubernetes.io' || ns.endsWith('.kubernetes.io') || ns === 'k8s.io' || ns.endsWith('.k8s.io');
  return k8s && !isKubeletLabel(key);
}

/** newNodeRestriction builds the plugin; `getPod` reads a pod (for evictions, deletes and token requests). */
export function newNodeRestriction(opts: { getPod(namespace: string, name: string): Pod | undefined | Promise<Pod | undefined> }) {
  const forbidden = (a: AdmissionAttributes, msg: string) => admissionForbidden(a, msg);
  return {
    name: NODE_RESTRICTION_NAME,
    handles: handlesOps('CREATE', 'UPDATE', 'DELETE'),
    async validate(a: AdmissionAttributes): Promise<void> {
      const node = nodeIdentity(a.userInfo);
      if (node === undefined) return;
      const gr = `${a.resource.group}/${a.resource.resource}`;
      if (node === '') {
        if (['/pods', '/nodes', 'coordination.k8s.io/leases', 'storage.k8s.io/csinodes', '/serviceaccounts'].includes(gr)) throw forbidden(a, `could not determine node from user "${a.userInfo.name}"`);
        return;
      }
      switch (gr) {
        case '/pods':
          return admitPod(a, node);
        case '/nodes':
          return admitNode(a, node);
        case 'coordination.k8s.io/leases':
          if (a.namespace === 'kube-node-lease' && (a.object?.metadata?.name ?? a.name) !== node) throw forbidden(a, 'can only access node lease with the same name as the requesting node');
          return;
        case 'storage.k8s.io/csinodes':
          if ((a.object?.metadata?.name ?? a.name) !== node) throw forbidden(a, 'can only access CSINode with the same name as the requesting node');
          return;
        case '/serviceaccounts':
          if (a.subresource === 'token' && a.operation === 'CREATE') {
            const ref = (a.object as TokenRequest | undefined)?.spec?.boundObjectRef;
            if (!ref || (ref.apiVersion ?? 'v1') !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(a, 'node requested token not bound to a pod');
            if (!ref.uid) throw forbidden(a, 'node requested token with a pod binding without a uid');
            const pod = await opts.getPod(a.namespace, ref.name);
            if (!pod) throw notFound({ group: '', resource: 'pods' }, ref.name);
            if (pod.metadata?.uid !== ref.uid) throw forbidden(a, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
            if (pod.spec?.nodeName !== node) throw forbidden(a, 'node requested token bound to a pod scheduled on a different node');
          }
          return;
      }
    },
  } satisfies ValidatingPlugin;

  async function admitPod(a: AdmissionAttributes, node: string): Promise<void> {
    if (a.subresource === '') {
      if (a.operation === 'CREATE') {
        const pod = a.object as Pod;
        if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) throw forbidden(a, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
        if (pod.spec?.nodeName !== node) throw forbidden(a, `node "${node}" can only create pods with spec.nodeName set to itself`);
        for (const o of pod.metadata?.ownerReferences ?? []) {
          if (o.kind !== 'Node' || o.name !== node) throw forbidden(a, `node "${node}" can only create pods with an owner reference set to itself`);
        }
        if (pod.spec?.serviceAccountName) throw forbidden(a, `node "${node}" can not create pods that reference a service account`);
        for (const v of pod.spec?.volumes ?? []) {
          if (v.secret) throw forbidden(a, `node "${node}" can not create pods that reference secrets`);
          if (v.configMap) throw forbidden(a, `node "${node}" can not create pods that reference configmaps`);
          if (v.persistentVolumeClaim) throw forbidden(a, `node "${node}" can not create pods that reference persistentvolumeclaims`);
        }
        return;
      }
      if (a.operation === 'DELETE') {
        const pod = (a.oldObject as Pod | undefined) ?? (await opts.getPod(a.namespace, a.name));
        if (pod && pod.spec?.nodeName !== node) throw forbidden(a, `node "${node}" can only delete pods with spec.nodeName set to itself`);
        return;
      }
      throw forbidden(a, `unexpected operation ${a.operation}, node "${node}" can only create and delete mirror pods`);
    }
    if (a.subresource === 'status') {
      const old = a.oldObject as Pod | undefined;
      if (!old || old.spec?.nodeName !== node) throw forbidden(a, `node "${node}" cannot update pod status for pods on other nodes`);
      return;
    }
    if (a.subresource === 'eviction') {
      const pod = await opts.getPod(a.namespace, a.name);
      if (pod && pod.spec?.nodeName !== node) throw forbidden(a, `node "${node}" can only evict pods with spec.nodeName set to itself`);
    }
  }

  function admitNode(a: AdmissionAttributes, node: string): void {
    const name = a.object?.metadata?.name ?? a.name;
    if (name !== node) throw forbidden(a, `node "${node}" is not allowed to modify node "${name}"`);
    if (a.operation === 'DELETE' || a.subresource !== '') return;
    const obj = a.object as Node;
    const old = a.oldObject as Node | undefined;
    const labels = obj.metadata?.labels ?? {};
    const oldLabels = old?.metadata?.labels ?? {};
    if (a.operation === 'CREATE') {
      const bad = Object.keys(labels).filter(isRestrictedLabel).sort();
      if (bad.length) throw forbidden(a, `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
      return;
    }
    if (JSON.stringify(obj.spec?.taints ?? []) !== JSON.stringify(old?.spec?.taints ?? [])) throw forbidden(a, `node "${node}" is not allowed to modify taints`);
    // Added, changed and removed labels alike (upstream getModifiedLabels).
    const modified = new Set([...Object.keys(labels).filter((k) => labels[k] !== oldLabels[k]), ...Object.keys(oldLabels).filter((k) => !(k in labels))]);
    const bad = [...modified].filter(isRestrictedLabel).sort();
    if (bad.length) throw forbidden(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
}
