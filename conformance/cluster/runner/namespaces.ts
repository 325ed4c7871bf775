/**
 * NamespaceTracker creates the per-case namespaces the way the e2e framework does
 * (generateName `<base>-`, labels, then wait for the `default` ServiceAccount), remembers
 * them, deletes them after each case and verifies at the end that none is left behind.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, type RestClient } from '#impl/client/index.ts';
import type { NamespaceManager } from '../framework/context.ts';

/** RUN_LABEL marks every namespace the suite creates with the run's id. */
export const RUN_LABEL = 'conformance.kubets.io/run';

/** NamespaceTrackerOptions configure a {@link NamespaceTracker}. */
export interface NamespaceTrackerOptions {
  client: RestClient;
  runId: string;
  /** How long to wait for the default ServiceAccount when a ServiceAccount controller exists (ms). */
  serviceAccountWaitMs?: number;
}

/** NamespaceTracker implements {@link NamespaceManager} for the runner. */
export class NamespaceTracker implements NamespaceManager {
  private readonly client: RestClient;
  private readonly runId: string;
  private readonly saWaitMs: number;
  /** Every namespace created in this run, in creation order. */
  readonly created: string[] = [];
  private saController: Promise<boolean> | undefined;

  constructor(opts: NamespaceTrackerOptions) {
    this.client = opts.client;
    this.runId = opts.runId;
    this.saWaitMs = opts.serviceAccountWaitMs ?? 60_000;
  }

  /**
   * hasServiceAccountController guesses whether a ServiceAccount controller runs: it does when
   * `default/default` exists. Once seen, remembered for the run.
   */
  async hasServiceAccountController(): Promise<boolean> {
    // A positive answer is kept; a negative one is checked again (the controller may start late).
    if (this.saController && (await this.saController)) return true;
    this.saController = this.client
      .resource('', 'v1', 'serviceaccounts')
      .namespace('default')
      .get('default')
      .then(() => true, () => false);
    return this.saController;
  }

  /** create makes a namespace `<baseName>-xxxxx` and waits for its default ServiceAccount. */
  async create(baseName: string, labels: Record<string, string> = {}, signal?: AbortSignal, onCreated?: (name: string) => void): Promise<string> {
    const ns = await this.client.resource('', 'v1', 'namespaces').create(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          generateName: `${baseName}-`,
          labels: {
            'e2e-framework': baseName,
            [RUN_LABEL]: this.runId,
            'pod-security.kubernetes.io/enforce': 'privileged',
            ...labels,
          },
        },
      },
      { signal },
    );
    const name = ns.metadata?.name;
    if (!name) throw new Error(`namespace create for ${baseName} returned no name`);
    this.created.push(name);
    onCreated?.(name);
    await this.waitForDefaultServiceAccount(name, signal);
    return name;
  }

  private async waitForDefaultServiceAccount(ns: string, signal?: AbortSignal): Promise<void> {
    const sas = this.client.resource('', 'v1', 'serviceaccounts').namespace(ns);
    const exists = (): Promise<boolean> => sas.get('default', { signal }).then(() => true, (err) => {
      if (isNotFound(err)) return false;
      throw err;
    });
    if (await exists()) return;
    // No controller: proceed without the account (cases that need it will say so).
    if (!(await this.hasServiceAccountController())) return;
    const deadline = Date.now() + this.saWaitMs;
    while (Date.now() < deadline) {
      await sleep(200, undefined, { signal });
      if (await exists()) return;
    }
    throw new Error(`timed out after ${this.saWaitMs}ms waiting for the default ServiceAccount in namespace ${ns}`);
  }

  /** deleteNamespaces issues deletes (errors other than NotFound are returned as text). */
  async deleteNamespaces(names: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    const nsr = this.client.resource('', 'v1', 'namespaces');
    await Promise.all(
      names.map(async (n) => {
        try {
          await nsr.delete(n, { timeoutMs: 30_000 });
        } catch (err) {
          if (!isNotFound(err)) problems.push(`delete namespace ${n}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    return problems;
  }

  /**
   * leftovers waits up to `timeoutMs` for every namespace labelled with this run to be gone
   * and returns the names still present (with their phase).
   */
  async leftovers(timeoutMs: number): Promise<string[]> {
    const nsr = this.client.resource('', 'v1', 'namespaces');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let left: string[];
      try {
        const list = await nsr.list({ labelSelector: `${RUN_LABEL}=${this.runId}`, timeoutMs: 30_000 });
        left = list.items.map((n) => `${n.metadata?.name ?? '?'} (${(n.status as { phase?: string } | undefined)?.phase ?? 'unknown phase'})`);
      } catch (err) {
        return [`could not list namespaces: ${err instanceof Error ? err.message : String(err)}`];
      }
      if (left.length === 0 || Date.now() >= deadline) return left;
      await sleep(500);
    }
  }
}
