/** impl/auth/authorizer: the Authorizer interface, union, built-in modes, RBAC, Node, ABAC, Webhook and the review helpers. */
export * from './interfaces.ts';
export * from './union.ts';
export * from './always.ts';
export * from './forbidden.ts';
export * from './config.ts';
export * from './reviews.ts';
export * from './rbac/rule-matching.ts';
export * from './rbac/rbac.ts';
export * from './rbac/escalation.ts';
export * from './rbac/aggregation.ts';
export * as bootstrapPolicy from './rbac/bootstrappolicy/bootstrap-policy.ts';
export * from './node/node-authorizer.ts';
export * from './abac/abac.ts';
export * from './webhook/webhook-authorizer.ts';
