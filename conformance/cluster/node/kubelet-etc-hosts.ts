/**
 * KubeletManagedEtcHosts: upstream common/node/kubelet_etc_hosts.go. A pod network pod's
 * containers get the kubelet's /etc/hosts (header "# Kubernetes-managed hosts file."), except a
 * container that mounts /etc/hosts itself; a hostNetwork pod's containers get the node's file.
 * Each container also mounts the node's /etc/hosts at /etc/hosts-original to compare with.
 * The files are read through `pods/exec` over WebSocket (./websocket.ts). Deviation: the
 * containers run the test-server image's `pause` (upstream: agnhost, whose default is `pause`).
 */
import type { KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, waitForPodRunning } from '../framework/pods.ts';
import { execOrFail } from './websocket.ts';

const ETC_HOSTS_POD = 'test-pod';
const ETC_HOSTS_HOST_NETWORK_POD = 'test-host-network-pod';
const PARTIAL_CONTENT = '# Kubernetes-managed hosts file.';
const ETC_HOSTS = '/etc/hosts';
const ETC_HOSTS_ORIGINAL = '/etc/hosts-original';

const hostEtcHosts: KubeObject = { name: 'host-etc-hosts', hostPath: { path: ETC_HOSTS, type: 'FileOrCreate' } };
const originalMount: KubeObject = { name: 'host-etc-hosts', mountPath: ETC_HOSTS_ORIGINAL };

function agnhostContainer(ctx: CaseContext, name: string, volumeMounts: KubeObject[]): KubeObject {
  return { name, image: ctx.images.testServer, args: ['pause'], volumeMounts };
}

async function assertManagedStatus(ctx: CaseContext, pod: string, container: string, expectManaged: boolean): Promise<void> {
  // upstream retries for 30s (a workaround for mounts that appear late); a loaded node gets 60s.
  const until = Date.now() + 60_000;
  let content = '';
  let tries = 0;
  for (;;) {
    content = await execOrFail(ctx, pod, container, ['cat', ETC_HOSTS]);
    const original = await execOrFail(ctx, pod, container, ['cat', ETC_HOSTS_ORIGINAL]);
    if (content.length > 0 && original.length > 0) {
      const managed = content.startsWith(PARTIAL_CONTENT) && content !== original;
      if (managed === expectManaged) return;
    }
    tries++;
    if (Date.now() > until || ctx.signal.aborted) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  fail(`/etc/hosts file should ${expectManaged ? 'be' : 'no be'} kubelet managed (name: ${container}, retries: ${tries}). /etc/hosts contains ${JSON.stringify(content)}`);
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-34',
    codename: '[sig-node] KubeletManagedEtcHosts should test kubelet managed /etc/hosts file [Conformance] [NodeConformance]',
    async run(ctx) {
      ctx.step('Setting up the test');
      ctx.step('Creating hostNetwork=false pod');
      await createPod(ctx, {
        metadata: { name: ETC_HOSTS_POD },
        spec: {
          containers: [
            agnhostContainer(ctx, 'busybox-1', [originalMount]),
            agnhostContainer(ctx, 'busybox-2', [originalMount]),
            agnhostContainer(ctx, 'busybox-3', [originalMount, { name: 'host-etc-hosts', mountPath: ETC_HOSTS }]),
          ],
          volumes: [hostEtcHosts],
        },
      });
      await waitForPodRunning(ctx, ETC_HOSTS_POD);
      ctx.step('Creating hostNetwork=true pod');
      await createPod(ctx, {
        metadata: { name: ETC_HOSTS_HOST_NETWORK_POD },
        spec: {
          hostNetwork: true,
          securityContext: {},
          containers: [agnhostContainer(ctx, 'busybox-1', [originalMount]), agnhostContainer(ctx, 'busybox-2', [originalMount])],
          volumes: [hostEtcHosts],
        },
      });
      await waitForPodRunning(ctx, ETC_HOSTS_HOST_NETWORK_POD);

      ctx.step('Running the test');
      ctx.step('Verifying /etc/hosts of container is kubelet-managed for pod with hostNetwork=false');
      await assertManagedStatus(ctx, ETC_HOSTS_POD, 'busybox-1', true);
      await assertManagedStatus(ctx, ETC_HOSTS_POD, 'busybox-2', true);
      ctx.step('Verifying /etc/hosts of container is not kubelet-managed since container specifies /etc/hosts mount');
      await assertManagedStatus(ctx, ETC_HOSTS_POD, 'busybox-3', false);
      ctx.step('Verifying /etc/hosts content of container is not kubelet-managed for pod with hostNetwork=true');
      await assertManagedStatus(ctx, ETC_HOSTS_HOST_NETWORK_POD, 'busybox-1', false);
      await assertManagedStatus(ctx, ETC_HOSTS_HOST_NETWORK_POD, 'busybox-2', false);
    },
  }),
];
