/** Apps API specs that need no running pods: CronJob API (cronjob.go), Job lifecycle (job.go), PDB CRUD (disruption.go). */
import { defineCase } from '../framework/case.ts';
import { verifyApiOperations } from '../framework/api-operations.ts';
import { expectApiError, expectEqual } from '../framework/expect.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'AP-06',
    codename: '[sig-apps] CronJob should support CronJob API operations [Conformance]',
    run: (ctx) =>
      verifyApiOperations(ctx, {
        group: 'batch',
        version: 'v1',
        resource: 'cronjobs',
        namespaced: true,
        make: (name, labels) => ({
          metadata: { name, labels },
          spec: {
            schedule: '@every 1m',
            suspend: true,
            jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: ctx.images.busybox, command: ['sleep', '300'] }] } } } },
          },
        }),
        status: {
          patch: { status: { lastScheduleTime: '2021-01-01T00:00:00Z' } },
          update: (o) => ({ ...o, status: { ...o.status, lastScheduleTime: '2021-01-02T00:00:00Z' } }),
          check: (o, phase) => {
            const want = phase === 'patched' ? '2021-01-01T00:00:00Z' : '2021-01-02T00:00:00Z';
            return o.status?.lastScheduleTime === want ? undefined : `status.lastScheduleTime is ${o.status?.lastScheduleTime}, want ${want}`;
          },
        },
      }),
  }),

  defineCase(import.meta.url, {
    id: 'AP-33',
    codename: '[sig-apps] Job should manage the lifecycle of a job [Conformance]',
    async run(ctx) {
      const jobs = ctx.api('batch', 'v1', 'jobs', true);
      const name = `e2e-job-${ctx.uid}`;
      const selector = `e2e-job-label=${name}`;
      ctx.step('Creating a suspended job');
      await jobs.create({
        metadata: { name, labels: { 'e2e-job-label': name } },
        spec: { suspend: true, parallelism: 1, completions: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: ctx.images.busybox, command: ['sleep', '300'] }] } } },
      });
      ctx.step('Patching the Job');
      const p = await jobs.patch(name, { metadata: { labels: { [`${name}-patched`]: 'true' } } }, { type: 'strategic' });
      expectEqual(p.metadata?.labels?.[`${name}-patched`], 'true', 'patched label');
      ctx.step('Updating the job');
      const cur = await jobs.get(name);
      cur.metadata = { ...cur.metadata, annotations: { updated: 'true' } };
      const u = await jobs.update(cur);
      expectEqual(u.metadata?.annotations?.updated, 'true', 'updated annotation');
      ctx.step('Listing all Jobs with LabelSelector');
      const all = await ctx.api('batch', 'v1', 'jobs').list({ labelSelector: selector });
      expectEqual(all.items.length, 1, 'Jobs listed across namespaces by label');
      ctx.step('Deleting the Job by collection');
      await jobs.deleteCollection({ labelSelector: selector, propagationPolicy: 'Background' });
      await ctx.waitFor(async () => (await jobs.list({ labelSelector: selector })).items.length === 0, { timeoutMs: 60_000, message: 'Jobs to be deleted by deletecollection' });
    },
  }),

  defineCase(import.meta.url, {
    id: 'AP-24',
    codename: '[sig-apps] DisruptionController should create a PodDisruptionBudget [Conformance]',
    async run(ctx) {
      const pdbs = ctx.api('policy', 'v1', 'poddisruptionbudgets', true);
      ctx.step('creating the pdb');
      await pdbs.create({ metadata: { name: 'foo' }, spec: { selector: { matchLabels: { foo: 'bar' } }, minAvailable: 2 } });
      ctx.step('Waiting for the pdb to be processed');
      await ctx.waitFor(async () => (await pdbs.get('foo')).status?.observedGeneration >= 1, { timeoutMs: 60_000, message: 'PDB foo to be processed (status.observedGeneration set by the disruption controller)' });
      ctx.step('updating the pdb');
      const cur = await pdbs.get('foo');
      cur.metadata = { ...cur.metadata, annotations: { updated: 'true' } };
      cur.spec.minAvailable = 3;
      const u = await pdbs.update(cur);
      expectEqual(u.spec?.minAvailable, 3, 'spec.minAvailable after the update');
      ctx.step('patching the pdb');
      const p = await pdbs.patch('foo', { spec: { minAvailable: 4 } }, { type: 'merge' });
      expectEqual(p.spec?.minAvailable, 4, 'spec.minAvailable after the patch');
      ctx.step('deleting the pdb');
      await pdbs.delete('foo');
      await expectApiError(pdbs.get('foo'), { code: 404 }, 'get the deleted PDB');
    },
  }),
];
