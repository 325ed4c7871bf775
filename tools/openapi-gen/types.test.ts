/**
 * Type-level contract of `generated/k8s/index.ts`, checked by `npx tsc` (every `@ts-expect-error`
 * must be an error, everything else must compile) and run by ava for the runtime shape of the values.
 */
import test from 'ava';
import type {
  CustomResourceDefinition,
  Deployment,
  Event,
  HorizontalPodAutoscaler,
  ObjectMeta,
  Pod,
  Status,
  Table,
  WatchEvent,
  APIResourceList,
  ConfigMap,
  ResourceClaim,
  apps,
  autoscaling,
  core,
  events,
  rbac,
  flowcontrol,
  apimachinery,
} from '#generated/k8s/index.ts';

/** Equal is true when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(value: T): T => value;
const assertNotType = <T extends false>(value: T): T => value;

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    restartPolicy: 'Always',
    containers: [
      {
        name: 'web',
        image: 'busybox',
        command: ['httpd', '-f'],
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
        readinessProbe: { httpGet: { path: '/', port: 80 } },
      },
    ],
  },
};

const deployment: Deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'busybox' }] },
    },
  },
};

const crd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        },
        subresources: { status: {} },
      },
    ],
  },
};

// Misspelled fields are errors (excess property checks on the literals).
// @ts-expect-error `nmae` is not an ObjectMeta field
const badPod: Pod = { metadata: { nmae: 'web' } };
// @ts-expect-error `replicsa` is not a DeploymentSpec field
const badDeployment: Deployment = { spec: { replicsa: 1, selector: {}, template: {} } };
// @ts-expect-error `scpoe` is not a CustomResourceDefinitionSpec field
const badCrd: CustomResourceDefinition = { spec: { group: 'g', names: { plural: 'ps', kind: 'P' }, scpoe: 'Cluster', versions: [] } };
// @ts-expect-error a container needs a name
const nameless: Pod = { spec: { containers: [{ image: 'busybox' }] } };
// @ts-expect-error a Deployment spec needs a selector and a template
const emptySpec: Deployment = { spec: {} };

// Bare names pick the preferred schema; qualified names reach every version.
assertType<Equal<Deployment, apps.v1.Deployment>>(true);
assertType<Equal<Pod, core.v1.Pod>>(true);
assertType<Equal<HorizontalPodAutoscaler, autoscaling.v2.HorizontalPodAutoscaler>>(true);
assertNotType<Equal<HorizontalPodAutoscaler, autoscaling.v1.HorizontalPodAutoscaler>>(false);
assertType<Equal<Event, core.v1.Event>>(true);
assertNotType<Equal<Event, events.v1.Event>>(false);
assertType<Equal<ObjectMeta, apimachinery.ObjectMeta>>(true);
assertType<Equal<Pod['metadata'], ObjectMeta | undefined>>(true);
// A kind wins over a non-kind of the same name (core/v1 ResourceClaim is a container's claim reference).
assertNotType<Equal<ResourceClaim, core.v1.ResourceClaim>>(false);
// Names that tie across groups are only qualified.
const subject: rbac.v1.Subject = { kind: 'User', name: 'alice' };
const fcSubject: flowcontrol.v1.Subject = { kind: 'User', user: { name: 'alice' } };

const status: Status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, details: { name: 'web', kind: 'pods' } };
const table: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 }],
  rows: [{ cells: ['web'], object: { kind: 'PartialObjectMetadata' } }],
};
const watchEvent: WatchEvent = { type: 'ADDED', object: pod };
const discovery: APIResourceList = {
  groupVersion: 'v1',
  resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get'] }],
};
const configMap: ConfigMap = { metadata: { name: 'c' }, data: { key: 'value' } };

const cases: { name: string; value: { kind?: string } | undefined; kind: string | undefined }[] = [
  { name: 'a Pod literal typechecks', value: pod, kind: 'Pod' },
  { name: 'a Deployment literal typechecks', value: deployment, kind: 'Deployment' },
  { name: 'a CustomResourceDefinition literal typechecks', value: crd, kind: 'CustomResourceDefinition' },
  { name: 'a Status literal typechecks', value: status, kind: 'Status' },
  { name: 'a Table literal typechecks (extra meta/v1 schema)', value: table, kind: 'Table' },
  { name: 'misspelled fields are type errors but still plain objects', value: badPod, kind: undefined },
];
for (const tc of cases) {
  test(tc.name, (t) => {
    t.is(tc.value?.kind, tc.kind);
  });
}

test('the other literals are plain JSON values', (t) => {
  for (const v of [badDeployment, badCrd, nameless, emptySpec, subject, fcSubject, watchEvent, discovery, configMap]) {
    t.deepEqual(JSON.parse(JSON.stringify(v)), v);
  }
});
