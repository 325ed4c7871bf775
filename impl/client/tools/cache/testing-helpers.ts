/**
 * Small helpers shared by this folder's tests: `eventually` polls a condition across event-loop
 * turns, `cm` builds a ConfigMap.
 */
import type { KubeObject } from '../../resource-client.ts';

/** eventually waits (event-loop turns, up to `ms` real time) until `cond` is true. */
export async function eventually(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** cm builds a ConfigMap object. */
export function cm(name: string, namespace = 'default', data: Record<string, string> = {}, labels?: Record<string, string>): KubeObject {
  return { metadata: { name, namespace, ...(labels ? { labels } : {}) }, data };
}
