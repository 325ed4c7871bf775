/** impl/auth/audit: audit policy evaluation, per-request audit events and the JSON-lines log backend. */
export * from './policy.ts';
export * from './auditor.ts';
export * from './log-backend.ts';
