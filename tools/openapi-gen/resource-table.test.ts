import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resourceTable, findResource, type ResourceTableEntry } from '#generated/k8s/resource-table.ts';
import { buildResourceTable, unusedOverlayKeys, KUBE_VERBS } from './resource-table.ts';
import { loadSpecDocuments, stabilityOf } from './spec-documents.ts';
import { fakeSpecDocument } from './fake-spec-document.ts';
import { OVERLAY_FILE, readOverlay } from './generate.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const specDir = path.join(repoRoot, 'spec');

const entry = (group: string, version: string, resource: string): ResourceTableEntry => {
  const e = findResource(group, version, resource);
  if (!e) throw new Error(`no ${group}/${version}/${resource} in the resource table`);
  return e;
};

// --- the generated table (generated/k8s/resource-table.ts), against the acceptance list of issue 2 ---

test('pods: namespaced Pod with watch and deletecollection', (t) => {
  const pods = entry('', 'v1', 'pods');
  t.true(pods.namespaced);
  t.is(pods.kind, 'Pod');
  t.is(pods.listKind, 'PodList');
  t.is(pods.singular, 'pod');
  t.is(pods.schema, 'io.k8s.api.core.v1.Pod');
  t.deepEqual(pods.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
  t.deepEqual(pods.shortNames, ['po']);
  t.deepEqual(pods.categories, ['all']);
  t.is(pods.stability, 'ga');
});

const podSubresources: { name: string; kind: string; group: string; verbs: string[] }[] = [
  { name: 'status', kind: 'Pod', group: '', verbs: ['get', 'patch', 'update'] },
  { name: 'binding', kind: 'Binding', group: '', verbs: ['create'] },
  { name: 'eviction', kind: 'Eviction', group: 'policy', verbs: ['create'] },
  { name: 'log', kind: 'Pod', group: '', verbs: ['get'] },
  { name: 'exec', kind: 'PodExecOptions', group: '', verbs: ['create', 'get'] },
  { name: 'attach', kind: 'PodAttachOptions', group: '', verbs: ['create', 'get'] },
  { name: 'portforward', kind: 'PodPortForwardOptions', group: '', verbs: ['create', 'get'] },
  { name: 'proxy', kind: 'PodProxyOptions', group: '', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  { name: 'ephemeralcontainers', kind: 'Pod', group: '', verbs: ['get', 'patch', 'update'] },
  { name: 'resize', kind: 'Pod', group: '', verbs: ['get', 'patch', 'update'] },
];
for (const tc of podSubresources) {
  test(`pods/${tc.name} is a ${tc.kind} subresource with verbs ${tc.verbs.join(',')}`, (t) => {
    const sub = entry('', 'v1', 'pods').subresources.find((s) => s.name === tc.name);
    t.truthy(sub, `pods/${tc.name} missing`);
    t.is(sub?.kind, tc.kind);
    t.is(sub?.group, tc.group);
    t.deepEqual(sub?.verbs, tc.verbs);
  });
}

const subresourceCases: { name: string; resource: [string, string, string]; subresource: string; kind: string; group: string }[] = [
  { name: 'deployments/status', resource: ['apps', 'v1', 'deployments'], subresource: 'status', kind: 'Deployment', group: 'apps' },
  { name: 'deployments/scale', resource: ['apps', 'v1', 'deployments'], subresource: 'scale', kind: 'Scale', group: 'autoscaling' },
  { name: 'serviceaccounts/token', resource: ['', 'v1', 'serviceaccounts'], subresource: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io' },
  { name: 'namespaces/finalize', resource: ['', 'v1', 'namespaces'], subresource: 'finalize', kind: 'Namespace', group: '' },
  { name: 'certificatesigningrequests/approval', resource: ['certificates.k8s.io', 'v1', 'certificatesigningrequests'], subresource: 'approval', kind: 'CertificateSigningRequest', group: 'certificates.k8s.io' },
  { name: 'nodes/proxy', resource: ['', 'v1', 'nodes'], subresource: 'proxy', kind: 'NodeProxyOptions', group: '' },
  { name: 'services/proxy', resource: ['', 'v1', 'services'], subresource: 'proxy', kind: 'ServiceProxyOptions', group: '' },
];
for (const tc of subresourceCases) {
  test(`${tc.name} is served with kind ${tc.kind}`, (t) => {
    const sub = entry(...tc.resource).subresources.find((s) => s.name === tc.subresource);
    t.is(sub?.kind, tc.kind);
    t.is(sub?.group, tc.group);
  });
}

const scopeCases: { name: string; resource: [string, string, string]; namespaced: boolean }[] = [
  { name: 'nodes are cluster-scoped', resource: ['', 'v1', 'nodes'], namespaced: false },
  { name: 'namespaces are cluster-scoped', resource: ['', 'v1', 'namespaces'], namespaced: false },
  { name: 'persistentvolumes are cluster-scoped', resource: ['', 'v1', 'persistentvolumes'], namespaced: false },
  { name: 'customresourcedefinitions are cluster-scoped', resource: ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions'], namespaced: false },
  { name: 'clusterroles are cluster-scoped', resource: ['rbac.authorization.k8s.io', 'v1', 'clusterroles'], namespaced: false },
  { name: 'deployments are namespaced', resource: ['apps', 'v1', 'deployments'], namespaced: true },
  { name: 'localsubjectaccessreviews are namespaced', resource: ['authorization.k8s.io', 'v1', 'localsubjectaccessreviews'], namespaced: true },
  { name: 'bindings are namespaced', resource: ['', 'v1', 'bindings'], namespaced: true },
];
for (const tc of scopeCases) {
  test(tc.name, (t) => {
    t.is(entry(...tc.resource).namespaced, tc.namespaced);
  });
}

const verbCases: { name: string; resource: [string, string, string]; verbs: string[] }[] = [
  { name: 'tokenreviews are create-only', resource: ['authentication.k8s.io', 'v1', 'tokenreviews'], verbs: ['create'] },
  { name: 'subjectaccessreviews are create-only', resource: ['authorization.k8s.io', 'v1', 'subjectaccessreviews'], verbs: ['create'] },
  { name: 'bindings are create-only', resource: ['', 'v1', 'bindings'], verbs: ['create'] },
  { name: 'componentstatuses are get and list only (no watch, as upstream)', resource: ['', 'v1', 'componentstatuses'], verbs: ['get', 'list'] },
  { name: 'namespaces have no deletecollection', resource: ['', 'v1', 'namespaces'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
];
for (const tc of verbCases) {
  test(tc.name, (t) => {
    t.deepEqual(entry(...tc.resource).verbs, tc.verbs);
  });
}

test('create-only resources have no list kind', (t) => {
  t.is(entry('authentication.k8s.io', 'v1', 'tokenreviews').listKind, '');
  t.is(entry('authentication.k8s.io', 'v1', 'tokenreviews').schema, 'io.k8s.api.authentication.v1.TokenReview');
});

const shortNameCases: [string, string, string][] = [
  ['po', '', 'pods'], ['svc', '', 'services'], ['deploy', 'apps', 'deployments'], ['rs', 'apps', 'replicasets'],
  ['ds', 'apps', 'daemonsets'], ['sts', 'apps', 'statefulsets'], ['cm', '', 'configmaps'], ['ns', '', 'namespaces'],
  ['no', '', 'nodes'], ['pv', '', 'persistentvolumes'], ['pvc', '', 'persistentvolumeclaims'], ['sa', '', 'serviceaccounts'],
  ['ep', '', 'endpoints'], ['ev', '', 'events'], ['ing', 'networking.k8s.io', 'ingresses'],
  ['netpol', 'networking.k8s.io', 'networkpolicies'], ['pdb', 'policy', 'poddisruptionbudgets'],
  ['hpa', 'autoscaling', 'horizontalpodautoscalers'], ['cj', 'batch', 'cronjobs'],
  ['crd', 'apiextensions.k8s.io', 'customresourcedefinitions'], ['csr', 'certificates.k8s.io', 'certificatesigningrequests'],
  ['limits', '', 'limitranges'], ['quota', '', 'resourcequotas'], ['rc', '', 'replicationcontrollers'],
  ['pc', 'scheduling.k8s.io', 'priorityclasses'], ['sc', 'storage.k8s.io', 'storageclasses'],
];
for (const [shortName, group, resource] of shortNameCases) {
  test(`short name ${shortName} resolves to ${resource}${group ? `.${group}` : ''}`, (t) => {
    const hits = resourceTable.filter((r) => r.shortNames.includes(shortName)).map((r) => `${r.resource}.${r.group}`);
    t.true(hits.length > 0, `no resource has short name ${shortName}`);
    t.deepEqual([...new Set(hits)].filter((h) => h !== `${resource}.${group}` && !(shortName === 'ev' && h === 'events.events.k8s.io')), []);
  });
}

test('category all is what kubectl get all expands to', (t) => {
  const all = [...new Set(resourceTable.filter((r) => r.categories.includes('all')).map((r) => `${r.resource}.${r.group}`))].sort();
  t.deepEqual(all, [
    'cronjobs.batch', 'daemonsets.apps', 'deployments.apps', 'horizontalpodautoscalers.autoscaling', 'jobs.batch',
    'pods.', 'replicasets.apps', 'replicationcontrollers.', 'services.', 'statefulsets.apps',
  ]);
});

test('category api-extensions holds CRDs, APIServices and admission configuration', (t) => {
  const ext = new Set(resourceTable.filter((r) => r.categories.includes('api-extensions')).map((r) => r.resource));
  for (const r of ['customresourcedefinitions', 'apiservices', 'mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies']) {
    t.true(ext.has(r), r);
  }
});

// --- the table against spec/ ---

test('every GA group-version in spec/ appears, and the generated table is up to date', async (t) => {
  const docs = await loadSpecDocuments(specDir);
  const ga = docs.filter((d) => stabilityOf(d.version) === 'ga');
  t.true(ga.length >= 20);
  for (const d of ga) {
    t.true(resourceTable.some((r) => r.group === d.group && r.version === d.version), `${d.group}/${d.version} missing`);
  }
  const overlay = await readOverlay(OVERLAY_FILE);
  t.deepEqual(JSON.parse(JSON.stringify(resourceTable)), buildResourceTable(docs, overlay), 'generated/k8s/resource-table.ts is stale: run npm run generate');
  t.deepEqual(unusedOverlayKeys(buildResourceTable(docs, overlay), overlay), [], 'overlay keys must match resources');
});

test('every entry is well formed', (t) => {
  const seen = new Set<string>();
  for (const r of resourceTable) {
    const id = `${r.group}/${r.version}/${r.resource}`;
    t.false(seen.has(id), `duplicate ${id}`);
    seen.add(id);
    t.regex(r.resource, /^[a-z0-9]+$/, id);
    t.regex(r.kind, /^[A-Z][A-Za-z0-9]*$/, id);
    t.true(r.verbs.length > 0, id);
    t.truthy(r.schema, id);
    for (const v of r.verbs) t.true((KUBE_VERBS as readonly string[]).includes(v), `${id} ${v}`);
  }
});

// --- buildResourceTable on small documents ---

const builderCases: {
  name: string;
  doc: Parameters<typeof fakeSpecDocument>[0];
  check: (t: import('ava').ExecutionContext, table: ReturnType<typeof buildResourceTable>) => void;
}[] = [
  {
    name: 'scope comes from the namespaces/{namespace}/<resource> path shape',
    doc: {
      group: 'example.io',
      version: 'v1',
      resources: [
        { resource: 'widgets', kind: 'Widget', namespaced: true },
        { resource: 'gadgets', kind: 'Gadget', namespaced: false },
      ],
    },
    check: (t, table) => {
      t.deepEqual(table.map((r) => [r.resource, r.namespaced]), [['gadgets', false], ['widgets', true]]);
      t.is(table[0]!.listKind, 'GadgetList');
      t.is(table[0]!.schema, 'io.k8s.api.example.v1.Gadget');
    },
  },
  {
    name: 'watch comes from /watch/ paths when the document has them',
    doc: { group: 'example.io', version: 'v1beta1', resources: [{ resource: 'widgets', kind: 'Widget', namespaced: true }] },
    check: (t, table) => {
      t.deepEqual(table[0]!.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
      t.is(table[0]!.stability, 'beta');
    },
  },
  {
    name: 'without any /watch/ path, watch comes from the list watch parameter',
    doc: { group: 'example.io', version: 'v2alpha1', watchPaths: false, resources: [{ resource: 'widgets', kind: 'Widget', namespaced: false }] },
    check: (t, table) => {
      t.true(table[0]!.verbs.includes('watch'));
      t.is(table[0]!.stability, 'alpha');
    },
  },
  {
    name: 'connect subresources take verbs from HTTP methods, HEAD and OPTIONS add none',
    doc: {
      group: '',
      version: 'v1',
      resources: [
        {
          resource: 'pods',
          kind: 'Pod',
          namespaced: true,
          subresources: [
            { name: 'exec', kind: 'PodExecOptions', actions: { get: 'connect', post: 'connect' } },
            { name: 'proxy', kind: 'PodProxyOptions', actions: { get: 'connect', head: 'connect', options: 'connect', delete: 'connect' } },
            { name: 'eviction', kind: 'Eviction', group: 'policy', actions: { post: 'post' } },
          ],
        },
      ],
    },
    check: (t, table) => {
      t.deepEqual(table[0]!.subresources, [
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
        { name: 'exec', kind: 'PodExecOptions', group: '', version: 'v1', verbs: ['create', 'get'] },
        { name: 'proxy', kind: 'PodProxyOptions', group: '', version: 'v1', verbs: ['delete', 'get'] },
      ]);
    },
  },
  {
    name: 'create-only resources have only create and no list kind',
    doc: { group: 'authentication.k8s.io', version: 'v1', resources: [{ resource: 'tokenreviews', kind: 'TokenReview', namespaced: false, createOnly: true }] },
    check: (t, table) => {
      t.deepEqual(table[0]!.verbs, ['create']);
      t.is(table[0]!.listKind, '');
      t.false(table[0]!.namespaced);
    },
  },
];
for (const tc of builderCases) {
  test(`buildResourceTable: ${tc.name}`, (t) => {
    tc.check(t, buildResourceTable([fakeSpecDocument(tc.doc)]));
  });
}

test('buildResourceTable: the overlay adds short names and categories to every version', (t) => {
  const docs = [
    fakeSpecDocument({ group: 'example.io', version: 'v1', resources: [{ resource: 'widgets', kind: 'Widget', namespaced: true }] }),
    fakeSpecDocument({ group: 'example.io', version: 'v1beta1', resources: [{ resource: 'widgets', kind: 'Widget', namespaced: true }] }),
  ];
  const overlay = { 'widgets.example.io': { shortNames: ['wd'], categories: ['all'] }, 'typos.example.io': { shortNames: ['ty'] } };
  const table = buildResourceTable(docs, overlay);
  t.deepEqual(table.map((r) => [r.version, r.shortNames, r.categories]), [['v1', ['wd'], ['all']], ['v1beta1', ['wd'], ['all']]]);
  t.deepEqual(unusedOverlayKeys(table, overlay), ['typos.example.io']);
});
