/**
 * "should serve a basic image on each replica" for ReplicaSets and ReplicationControllers
 * (upstream test/e2e/apps/replica_set.go testReplicaSetServeImageOrFail and rc.go
 * TestReplicationControllerServeImageOrFail): one replica of agnhost `serve-hostname` on port
 * 9376; every pod must answer its own name through the apiserver's pods/proxy.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { agnhostImage } from '../framework/images.ts';

const REPLICAS = 1;

/** serveImage creates the controller, waits for its pods and checks each answers its name (upstream PodsResponding). */
async function serveImage(ctx: CaseContext, kind: 'ReplicaSet' | 'ReplicationController'): Promise<void> {
  const name = ctx.uniqueName('my-hostname-basic');
  const labels = { name };
  const template = { metadata: { labels }, spec: { containers: [{ name, image: agnhostImage(ctx), args: ['serve-hostname'], ports: [{ containerPort: 9376 }] }] } };
  ctx.step(`Creating ${kind} ${name}`);
  if (kind === 'ReplicaSet') await ctx.api('apps', 'v1', 'replicasets', true).create({ metadata: { name }, spec: { replicas: REPLICAS, selector: { matchLabels: labels }, template } });
  else await ctx.core('replicationcontrollers').create({ metadata: { name }, spec: { replicas: REPLICAS, selector: labels, template } });

  ctx.step('Ensuring each pod is running');
  const pods = await ctx.waitFor(
    async () => {
      const items = (await ctx.core('pods').list({ labelSelector: `name=${name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return items.length === REPLICAS && items.every((p) => p.status?.phase === 'Running') ? items : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, message: `${REPLICAS} running pod(s) of ${kind} ${name}` },
  );

  ctx.step('Trying to dial each unique pod');
  for (const pod of pods as KubeObject[]) {
    const podName = String(pod.metadata?.name);
    let last = '';
    await ctx.waitFor(
      async () => {
        const res = await ctx.client.requestRaw({ path: `/api/v1/namespaces/${ctx.ns}/pods/${podName}/proxy/`, accept: '*/*', timeoutMs: 10_000 });
        last = `${res.statusCode} ${res.body.slice(0, 200)}`;
        return res.statusCode === 200 && res.body.trim() === podName;
      },
      { timeoutMs: 120_000, intervalMs: 2000, message: `pod ${podName} to answer its name through pods/proxy`, describe: () => `last answer: ${last}` },
    );
    ctx.log(`Controller ${name}: Got expected result from replica ${podName}`);
  }
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-39',
    codename: '[sig-apps] ReplicaSet should serve a basic image on each replica with a public image [Conformance]',
    run: (ctx) => serveImage(ctx, 'ReplicaSet'),
  }),
  defineCase(import.meta.url, {
    id: 'AP-44',
    codename: '[sig-apps] ReplicationController should serve a basic image on each replica with a public image [Conformance]',
    run: (ctx) => serveImage(ctx, 'ReplicationController'),
  }),
];
