import test from 'ava';
import { protoArrayWrappers, protoKinds, protoMessages, type ProtoField } from '#generated/protobuf/kubernetes.ts';

// The decisions the generator takes from the OpenAPI documents, pinned on its committed output
// (CI regenerates and diffs it, so this checks the generator).
const field = (message: string, json: string): ProtoField | undefined => protoMessages[message]?.find((f) => f[1] === json);

const cases: { name: string; check: () => boolean }[] = [
  { name: 'kinds map apiVersion and kind to messages', check: () => protoKinds['apps/v1 Deployment'] === 'k8s.io.api.apps.v1.Deployment' && protoKinds['v1 Pod'] === 'k8s.io.api.core.v1.Pod' },
  { name: 'subresource kinds are present', check: () => ['authentication.k8s.io/v1 TokenRequest', 'policy/v1 Eviction', 'autoscaling/v1 Scale', 'v1 Binding'].every((k) => protoKinds[k]) },
  { name: 'embedded Go structs are inline', check: () => field('k8s.io.api.core.v1.Volume', 'volumeSource')?.[3] === 'i' && field('k8s.io.api.networking.v1.IngressRule', 'ingressRuleValue')?.[3] === 'i' },
  { name: 'proto names differing in case take the JSON name', check: () => field('k8s.io.api.admissionregistration.v1.ValidatingWebhookConfiguration', 'webhooks') !== undefined && field('k8s.io.api.authentication.v1.BoundObjectReference', 'uid') !== undefined },
  { name: 'ExtraValue and Verbs are array wrappers, DownwardAPIProjection is not', check: () => protoArrayWrappers.has('k8s.io.api.authorization.v1.ExtraValue') && protoArrayWrappers.has('k8s.io.apimachinery.pkg.apis.meta.v1.Verbs') && !protoArrayWrappers.has('k8s.io.api.core.v1.DownwardAPIProjection') },
  { name: 'pointer fields are not zero-dropped (replicas)', check: () => field('k8s.io.api.apps.v1.DeploymentSpec', 'replicas')?.length === 3 },
  { name: 'non-pointer optional fields are zero-dropped (minReadySeconds, nodePort)', check: () => field('k8s.io.api.apps.v1.DeploymentSpec', 'minReadySeconds')?.[3] === 'z' && field('k8s.io.api.core.v1.ServicePort', 'nodePort')?.[3] === 'z' },
  { name: 'required non-pointer fields keep their zero value (PriorityClass value, Container name)', check: () => field('k8s.io.api.scheduling.v1.PriorityClass', 'value')?.length === 3 && field('k8s.io.api.core.v1.Container', 'name')?.length === 3 },
  { name: 'maps record key and value types', check: () => JSON.stringify(field('k8s.io.api.core.v1.Secret', 'data')) === JSON.stringify([2, 'data', 'string', 'm', 'bytes']) },
];

for (const tc of cases) test(tc.name, (t) => t.true(tc.check()));
