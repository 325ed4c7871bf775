/**
 * Public surface of `impl/apiserver`: start the API server, and the pieces other components
 * (`kubets up`, tests, benchmarks) reuse.
 */
export { startApiServer, type ApiServerOptions, type RunningApiServer } from './server.ts';
export { ensurePki, issueClientCert, buildKubeconfig, type Pki } from './pki.ts';
export { newApiHandler, KUBERNETES_VERSION } from './handler.ts';
export { buildControlPlane, parseRuntimeConfig } from './controlplane.ts';
export { Store } from './registry/generic/store.ts';
export type { Strategy, KubeObject, RequestContext } from './registry/rest/strategy.ts';
