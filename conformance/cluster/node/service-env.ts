/**
 * Service environment variables in containers: upstream common/node/pods.go ("should contain
 * environment variables for services"). Only the variables are checked, so no traffic flows;
 * the server pod runs the test server where upstream runs agnhost.
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podLogs, waitForPodRunning, waitForPodSuccess } from '../framework/pods.ts';

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-46',
    codename: '[sig-node] Pods should contain environment variables for services [Conformance] [NodeConformance]',
    async run(ctx) {
      // Make a pod that will be a service.
      const serverName = `server-envvars-${ctx.uid}`;
      await createPod(ctx, { metadata: { name: serverName, labels: { name: serverName } }, spec: { containers: [{ name: 'srv', image: ctx.images.testServer, ports: [{ containerPort: 8080 }] }] } });
      await waitForPodRunning(ctx, serverName);

      // This service exposes port 8080 of the test pod as a service on port 8765.
      await ctx.core('services').create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'fooservice', labels: { name: 'fooservice' } }, spec: { ports: [{ port: 8765, targetPort: 8080 }], selector: { name: serverName } } });

      const expectedVars = [
        'FOOSERVICE_SERVICE_HOST=',
        'FOOSERVICE_SERVICE_PORT=',
        'FOOSERVICE_PORT=',
        'FOOSERVICE_PORT_8765_TCP_PORT=',
        'FOOSERVICE_PORT_8765_TCP_PROTO=',
        'FOOSERVICE_PORT_8765_TCP=',
        'FOOSERVICE_PORT_8765_TCP_ADDR=',
      ];
      // The pod may start before the kubelet sees the new service: upstream retries 3 times.
      let lastProblem = '';
      for (let attempt = 1; attempt <= 3; attempt++) {
        const podName = `client-envvars-${ctx.uid}-${attempt}`;
        const pod: KubeObject = { metadata: { name: podName, labels: { name: podName } }, spec: { restartPolicy: 'Never', containers: [{ name: 'env3cont', image: ctx.images.busybox, command: ['sh', '-c', 'env'] }] } };
        ctx.step(`Creating a pod to test service environment variables (attempt ${attempt})`);
        await createPod(ctx, pod);
        await waitForPodSuccess(ctx, podName);
        const logs = await podLogs(ctx, podName, 'env3cont');
        await ctx.core('pods').delete(podName, { gracePeriodSeconds: 0 }).catch(() => undefined);
        const missing = expectedVars.filter((v) => !logs.includes(v));
        if (missing.length === 0) return;
        lastProblem = `missing ${missing.join(', ')}; output was:\n${logs}`;
        ctx.log(`attempt ${attempt}: ${lastProblem}`);
      }
      fail(`Container should have service environment variables set: ${lastProblem}`);
    },
  }),
];
