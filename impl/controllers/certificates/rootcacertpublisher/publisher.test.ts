import test from 'ava';
import type { KubeObject } from '#impl/client/index.ts';
import { FakeClient } from '../../testing/fake-client.ts';
import { FakeInformer } from '../../testing/fake-informer.ts';
import { DESCRIPTION, DESCRIPTION_ANNOTATION, Publisher, ROOT_CA_CONFIGMAP_NAME } from './publisher.ts';

const CA = '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n';
const good = (): KubeObject => ({ metadata: { namespace: 'a', name: ROOT_CA_CONFIGMAP_NAME, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { 'ca.crt': CA } });

interface Case {
  name: string;
  namespace?: KubeObject;
  configMap?: KubeObject;
  wantWrites: string[];
  wantData?: Record<string, string>;
}

const cases: Case[] = [
  { name: 'creates the ConfigMap', namespace: { metadata: { name: 'a' } }, wantWrites: [`create configmaps a/${ROOT_CA_CONFIGMAP_NAME}`], wantData: { 'ca.crt': CA } },
  { name: 'up to date: no write', namespace: { metadata: { name: 'a' } }, configMap: good(), wantWrites: [] },
  {
    name: 'edited data is reverted',
    namespace: { metadata: { name: 'a' } },
    configMap: { ...good(), data: { 'ca.crt': 'other', extra: 'x' } },
    wantWrites: [`update configmaps a/${ROOT_CA_CONFIGMAP_NAME}`],
    wantData: { 'ca.crt': CA },
  },
  { name: 'terminating namespace: nothing', namespace: { metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }, wantWrites: [] },
  { name: 'unknown namespace: nothing', wantWrites: [] },
];

for (const c of cases) {
  test(`root-ca-cert-publisher reconcile: ${c.name}`, async (t) => {
    const client = new FakeClient(c.configMap ? [{ resource: 'configmaps', obj: c.configMap }] : []);
    const cmInformer = new FakeInformer(c.configMap ? [client.stored('configmaps', 'a', ROOT_CA_CONFIGMAP_NAME)!] : []);
    const p = new Publisher({ client, configMapInformer: cmInformer, namespaceInformer: new FakeInformer(c.namespace ? [c.namespace] : []), rootCA: CA });
    await p.reconcile('a');
    t.deepEqual(client.writes(), c.wantWrites);
    if (c.wantData) {
      const cm = client.stored('configmaps', 'a', ROOT_CA_CONFIGMAP_NAME);
      t.deepEqual(cm?.data, c.wantData);
      t.is(cm?.metadata?.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
    }
  });
}
