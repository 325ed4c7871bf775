/**
 * Service account tokens in pods: upstream auth/service_accounts.go ("should mount an API
 * token into pods", "should allow opting out of API token automount", "should mount projected
 * service account token"). Upstream reads the mounted files with `kubectl exec cat`; here the
 * container prints them (base64, one `name:value` line each) before sleeping, and the case reads
 * its log, so the same three files are compared with the same expectations.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { expectDefined, expectEqual, fail } from '../framework/expect.ts';
import { fileContent } from '../framework/mounttest.ts';
import { podLogs, testContainerOutput, waitForPodRunning } from '../framework/pods.ts';

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

export const cases = [
  defineCase(import.meta.url, {
    id: 'AU-03',
    codename: '[sig-auth] ServiceAccounts should allow opting out of API token automount [Conformance]',
    async run(ctx) {
      const mountSA = await ctx.core('serviceaccounts').create({ metadata: { name: 'mount' }, automountServiceAccountToken: true });
      const nomountSA = await ctx.core('serviceaccounts').create({ metadata: { name: 'nomount' }, automountServiceAccountToken: false });
      const m = String(mountSA.metadata?.name);
      const n = String(nomountSA.metadata?.name);
      const testcases: Array<[podName: string, sa: string, automount: boolean | undefined, expectTokenVolume: boolean]> = [
        ['pod-service-account-defaultsa', '', undefined, true],
        ['pod-service-account-mountsa', m, undefined, true],
        ['pod-service-account-nomountsa', n, undefined, false],
        // the pod spec wins when opting in
        ['pod-service-account-defaultsa-mountspec', '', true, true],
        ['pod-service-account-mountsa-mountspec', m, true, true],
        ['pod-service-account-nomountsa-mountspec', n, true, true],
        // the pod spec wins when opting out
        ['pod-service-account-defaultsa-nomountspec', '', false, false],
        ['pod-service-account-mountsa-nomountspec', m, false, false],
        ['pod-service-account-nomountsa-nomountspec', n, false, false],
      ];
      for (const [podName, sa, automount, expectTokenVolume] of testcases) {
        const created = await ctx.core('pods').create({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: podName },
          spec: {
            containers: [{ name: 'token-test', image: ctx.images.pause }],
            restartPolicy: 'Never',
            ...(sa ? { serviceAccountName: sa } : {}),
            ...(automount !== undefined ? { automountServiceAccountToken: automount } : {}),
          },
        });
        ctx.log(`created pod ${podName}`);
        const has = (created.spec?.containers ?? []).some((c: KubeObject) => (c.volumeMounts ?? []).some((vm: KubeObject) => vm.mountPath === TOKEN_MOUNT_PATH));
        if (has !== expectTokenVolume) fail(`${podName}: expected volume=${expectTokenVolume}, got ${has} (${JSON.stringify(created.spec)})`);
        ctx.log(`pod ${podName} service account token volume mount: ${has}`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-05',
    codename: '[sig-auth] ServiceAccounts should mount an API token into pods [Conformance]',
    async run(ctx) {
      const sa = await ctx.core('serviceaccounts').create({ metadata: { name: 'mount-test' } });
      const podName = `pod-service-account-${ctx.uid}`;
      const files = ['token', 'ca.crt', 'namespace'];
      const script = `${files.map((f) => `echo "${f}:$(base64 -w0 ${TOKEN_MOUNT_PATH}/${f})"`).join('; ')}; sleep 100000`;
      await ctx.core('pods').create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName },
        spec: { serviceAccountName: sa.metadata?.name, containers: [{ name: 'test', image: ctx.images.busybox, command: ['sh', '-c', script] }], terminationGracePeriodSeconds: 0, restartPolicy: 'Never' },
      });
      await waitForPodRunning(ctx, podName);

      ctx.step('reading the mounted token, ca.crt and namespace');
      const read = await ctx.waitFor(async () => {
        const log = await podLogs(ctx, podName, 'test');
        const out = new Map<string, string>();
        for (const line of log.split('\n')) {
          const i = line.indexOf(':');
          if (i > 0 && files.includes(line.slice(0, i))) out.set(line.slice(0, i), Buffer.from(line.slice(i + 1), 'base64').toString('utf8'));
        }
        return out.size === files.length ? out : undefined;
      }, { timeoutMs: 30_000, intervalMs: 1000, message: 'the container to print the mounted service account files' });
      const mountedToken = read.get('token') ?? '';
      const mountedCA = read.get('ca.crt') ?? '';
      const mountedNamespace = read.get('namespace') ?? '';

      // CA and namespace should be identical
      const rootCA = await ctx.core('configmaps').get('kube-root-ca.crt');
      ctx.log(`Got root ca configmap in namespace "${ctx.ns}"`);
      expectEqual(mountedCA, rootCA.data?.['ca.crt'], 'mounted ca.crt vs configmap kube-root-ca.crt');
      expectEqual(mountedNamespace, ctx.ns, 'mounted namespace');

      // Token should be a valid credential that identifies the pod's service account
      const review = await ctx.api('authentication.k8s.io', 'v1', 'tokenreviews').create({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: mountedToken } });
      if (!review.status?.authenticated) fail(`tokenReview is not authenticated: ${JSON.stringify(review.status)}`);
      expectEqual(review.status?.error ?? '', '', 'tokenReview status.error');
      const user = expectDefined(review.status?.user, 'tokenReview status.user');
      expectEqual(user.username, `system:serviceaccount:${ctx.ns}:${sa.metadata?.name}`, 'tokenReview username');
      const groups = new Set<string>(user.groups ?? []);
      for (const g of ['system:authenticated', 'system:serviceaccounts', `system:serviceaccounts:${ctx.ns}`]) {
        if (!groups.has(g)) fail(`expected ${g} group, had ${JSON.stringify([...groups])}`);
      }
    },
  }),

  defineCase(import.meta.url, {
    id: 'AU-06',
    codename: '[sig-auth] ServiceAccounts should mount projected service account token [Conformance]',
    async run(ctx) {
      const podName = `test-pod-${ctx.uid}`;
      const tokenVolumePath = '/test-volume/token';
      const pod: KubeObject = {
        metadata: { name: podName },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'test-volume', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }] } }],
          containers: [{ name: 'agnhost-container', image: ctx.images.busybox, command: ['sh', '-c', fileContent(tokenVolumePath)], volumeMounts: [{ name: 'test-volume', mountPath: '/test-volume', readOnly: true }] }],
        },
      };
      ctx.log('created pod');
      await testContainerOutput(ctx, 'service account token: ', pod, 0, [/[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*/]);
    },
  }),
];
