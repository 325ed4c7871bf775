/**
 * The kubets client library: kubeconfig loading, the REST client, the dynamic resource
 * client, watch streams and polling helpers. Informers and workqueues live beside it.
 */
export * from './api-error.ts';
export * from './kubeconfig.ts';
export * from './rest-client.ts';
export * from './resource-client.ts';
export * from './watch.ts';
export * from './wait.ts';
export * from './util/workqueue/index.ts';
export * from './tools/cache/index.ts';
export * from './tools/leaderelection/index.ts';
export * from './tools/record/index.ts';
