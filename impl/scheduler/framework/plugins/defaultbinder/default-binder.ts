/**
 * DefaultBinder binds a pod by POSTing a `Binding` to `pods/{name}/binding`.
 * upstream: pkg/scheduler/framework/plugins/defaultbinder/default_binder.go
 */
import type { Pod } from '#generated/k8s/index.ts';
import type { CycleState } from '../../cycle-state.ts';
import { asStatus, type BindPlugin, type Handle, type PluginFactory, type Status } from '../../interface.ts';
import * as names from '../names/names.ts';

/** NAME is the plugin name used in configuration. */
export const NAME = names.DefaultBinder;

/** newBinding builds the Binding object for a pod and node. */
export function newBinding(pod: Pod, nodeName: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    target: { kind: 'Node', name: nodeName },
  };
}

/** newDefaultBinder builds the plugin; it needs `handle.client`. */
export const newDefaultBinder: PluginFactory = (_args, handle: Handle) =>
  ({
    name: NAME,
    async bind(_state: CycleState, pod: Pod, nodeName: string, signal?: AbortSignal): Promise<Status | undefined> {
      const client = handle.client;
      if (!client) return asStatus(new Error('DefaultBinder: no API client'));
      try {
        await client
          .resource('', 'v1', 'pods')
          .namespace(pod.metadata?.namespace ?? 'default')
          .create(newBinding(pod, nodeName), { subresource: 'binding', name: pod.metadata?.name, signal });
        return undefined;
      } catch (err) {
        return asStatus(err);
      }
    },
  }) satisfies BindPlugin;
