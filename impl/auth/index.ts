/**
 * impl/auth: authentication (request -> user), authorization (attributes -> decision) and audit,
 * as libraries the apiserver's handler chain calls. See README.md for the integration points.
 */
export * from './user/user.ts';
export * from './authenticator/interfaces.ts';
export * from './authenticator/union.ts';
export * from './authenticator/bearer-token.ts';
export * from './authenticator/x509.ts';
export * from './authenticator/token-file.ts';
export * from './authenticator/anonymous.ts';
export * from './authenticator/bootstrap-token.ts';
export * from './authenticator/webhook-token.ts';
export * from './authenticator/oidc.ts';
export * from './authenticator/impersonation.ts';
export * from './authenticator/config.ts';
export * from './serviceaccount/keys.ts';
export * from './serviceaccount/claims.ts';
export * from './serviceaccount/jwt.ts';
export * from './serviceaccount/token-request.ts';
export * from './serviceaccount/oidc-discovery.ts';
export * from './webhook/webhook-client.ts';
export * from './authorizer/index.ts';
export * as audit from './audit/index.ts';
