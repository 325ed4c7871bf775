/**
 * Admission for connect subresources (pods/exec, attach, portforward, proxy; nodes/proxy): before
 * the connection is served, the chain sees a CONNECT with the options object decoded from the
 * query (PodExecOptions, PodAttachOptions, ...), as upstream's ConnectResource does, so admission
 * webhooks registered for `pods/attach` or `pods/exec` can deny them.
 *
 * upstream: staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go (ConnectResource:
 * admit.Admit/Validate with admission.Connect), pkg/apis/core/v1 conversion of the options.
 */
import type { ConnectRequest } from '../../../../endpoints/handlers/connect.ts';
import type { AdmissionCall, StoreAdmission } from '../../../generic/store.ts';
import type { KubeObject, RequestContext } from '../../../rest/strategy.ts';

type ConnectFn = (ctx: RequestContext, name: string, r: ConnectRequest) => Promise<void>;

const bool = (q: URLSearchParams, k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';

/** connectOptions decodes the query of `subresource` into its v1 options object. */
export function connectOptions(resource: string, subresource: string, r: Pick<ConnectRequest, 'query' | 'path'>): Record<string, unknown> {
  const q = r.query;
  const meta = { apiVersion: 'v1' };
  if (subresource === 'exec' || subresource === 'attach') {
    return {
      ...meta,
      kind: subresource === 'exec' ? 'PodExecOptions' : 'PodAttachOptions',
      stdin: bool(q, 'stdin'),
      stdout: bool(q, 'stdout'),
      stderr: bool(q, 'stderr'),
      tty: bool(q, 'tty'),
      ...(q.get('container') ? { container: q.get('container') } : {}),
      ...(subresource === 'exec' ? { command: q.getAll('command') } : {}),
    };
  }
  if (subresource === 'portforward') return { ...meta, kind: 'PodPortForwardOptions', ...(q.getAll('ports').length ? { ports: q.getAll('ports').map(Number) } : {}) };
  return { ...meta, kind: resource === 'nodes' ? 'NodeProxyOptions' : 'PodProxyOptions', path: q.get('path') ?? r.path };
}

/**
 * withConnectAdmission runs the admission chain (admit, then validate) on a CONNECT of
 * `resource/subresource` before `connect` serves it.
 */
export function withConnectAdmission(connect: ConnectFn, o: { resource: string; subresource: string; admission?: () => StoreAdmission | undefined }): ConnectFn {
  return async (ctx, name, r) => {
    const admission = o.admission?.();
    if (admission) {
      const object = connectOptions(o.resource, o.subresource, r);
      const call: AdmissionCall = {
        operation: 'CONNECT',
        resource: { group: '', version: 'v1', resource: o.resource },
        kind: { group: '', version: 'v1', kind: object['kind'] as string },
        subresource: o.subresource,
        name,
        namespace: ctx.namespace,
        // Options objects have no metadata; the chain reads them as the request object.
        object: object as unknown as KubeObject,
        dryRun: false,
      };
      await admission.admit(ctx, call);
      await admission.validate(ctx, call);
    }
    return connect(ctx, name, r);
  };
}
