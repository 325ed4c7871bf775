/**
 * impl/admission: the admission chain runner and the upstream plugins. See README.md for how the
 * apiserver's Store calls it.
 */
export * from './interfaces.ts';
export * from './metrics.ts';
export * from './chain.ts';
export * from './plugins/namespacelifecycle/admission.ts';
export * from './plugins/limitranger/admission.ts';
export * from './plugins/serviceaccount/admission.ts';
export * from './plugins/podsecurity/admission.ts';
export * as podSecurityChecks from './plugins/podsecurity/checks.ts';
export * from './plugins/priority/admission.ts';
export * from './plugins/defaulttolerationseconds/admission.ts';
export * from './plugins/defaultstorageclass/admission.ts';
export * from './plugins/resourcequota/admission.ts';
export * from './plugins/mutatingadmissionwebhook/admission.ts';
export * from './plugins/validatingadmissionwebhook/admission.ts';
export * from './plugins/webhook/admission-review.ts';
export * from './plugins/webhook/dispatcher.ts';
export * from './plugins/webhook/matcher.ts';
export * from './plugins/noderestriction/admission.ts';
export * from './plugins/storageobjectinuseprotection/admission.ts';
export * from './plugins/defaultingressclass/admission.ts';
export * from './plugins/runtimeclass/admission.ts';
export * from './plugins/webhook/match-conditions.ts';
export * from './plugins/validatingadmissionpolicy/admission.ts';
