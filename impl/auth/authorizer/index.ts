/** impl/auth/authorizer: the Authorizer interface, union, built-in modes, RBAC, Node, ABAC, Webhook and the review helpers. */
export * from './interfaces.ts';
export * from './union.ts';
export * from './always.ts';
export * from './forbidden.ts';
