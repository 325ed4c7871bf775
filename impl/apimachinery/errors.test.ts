import test from 'ava';
import { fieldPath } from './field-path.ts';
import { invalidValue, required } from './field-errors.ts';
import * as errors from './errors.ts';
import type { StatusError } from './errors.ts';

const pods = { group: '', resource: 'pods' };
const deployments = { group: 'apps', resource: 'deployments' };

const cases: { name: string; err: StatusError; code: number; reason: string; message: string; details?: unknown }[] = [
  { name: 'notFound core', err: errors.notFound(pods, 'x'), code: 404, reason: 'NotFound', message: 'pods "x" not found', details: { kind: 'pods', name: 'x' } },
  { name: 'notFound grouped', err: errors.notFound(deployments, 'x'), code: 404, reason: 'NotFound', message: 'deployments.apps "x" not found', details: { group: 'apps', kind: 'deployments', name: 'x' } },
  { name: 'alreadyExists', err: errors.alreadyExists(pods, 'x'), code: 409, reason: 'AlreadyExists', message: 'pods "x" already exists' },
  { name: 'generateNameConflict', err: errors.generateNameConflict(pods, 'x-abcde', 1), code: 409, reason: 'AlreadyExists', message: 'pods "x-abcde" already exists, the server was not able to generate a unique name for the object', details: { kind: 'pods', name: 'x-abcde', retryAfterSeconds: 1 } },
  { name: 'conflict optimistic lock', err: errors.conflict(pods, 'x', errors.OPTIMISTIC_LOCK_ERROR_MSG), code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again' },
  { name: 'conflict with Error', err: errors.conflict(deployments, 'd', new Error('boom')), code: 409, reason: 'Conflict', message: 'Operation cannot be fulfilled on deployments.apps "d": boom' },
  {
    name: 'invalid single error has no brackets',
    err: errors.invalid({ group: '', kind: 'Pod' }, 'x', [required(fieldPath('spec', 'containers').index(0).child('name'))]),
    code: 422, reason: 'Invalid', message: 'Pod "x" is invalid: spec.containers[0].name: Required value',
    details: { kind: 'Pod', name: 'x', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].name' }] },
  },
  {
    name: 'invalid several errors bracketed',
    err: errors.invalid({ group: 'apps', kind: 'Deployment' }, 'd', [
      invalidValue(fieldPath('spec', 'replicas'), -1, 'must be greater than or equal to 0'),
      required(fieldPath('spec', 'selector')),
    ]),
    code: 422, reason: 'Invalid',
    message: 'Deployment.apps "d" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.selector: Required value]',
  },
  { name: 'invalid without errors', err: errors.invalid({ group: '', kind: 'Pod' }, 'x', []), code: 422, reason: 'Invalid', message: 'Pod "x" is invalid' },
  { name: 'badRequest', err: errors.badRequest('bad'), code: 400, reason: 'BadRequest', message: 'bad' },
  { name: 'forbidden with name', err: errors.forbidden(pods, 'x', 'no'), code: 403, reason: 'Forbidden', message: 'pods "x" is forbidden: no' },
  { name: 'forbidden without name', err: errors.forbidden(pods, '', new Error('no')), code: 403, reason: 'Forbidden', message: 'pods is forbidden: no' },
  { name: 'forbidden without resource', err: errors.forbidden({ group: '', resource: '' }, '', 'no'), code: 403, reason: 'Forbidden', message: 'forbidden: no' },
  { name: 'unauthorized default', err: errors.unauthorized(), code: 401, reason: 'Unauthorized', message: 'not authorized' },
  { name: 'unauthorized message', err: errors.unauthorized('Unauthorized'), code: 401, reason: 'Unauthorized', message: 'Unauthorized' },
  { name: 'methodNotSupported', err: errors.methodNotSupported(deployments, 'create'), code: 405, reason: 'MethodNotAllowed', message: 'create is not supported on resources of kind "deployments.apps"' },
  { name: 'notAcceptable', err: errors.notAcceptable(['application/json', 'application/yaml']), code: 406, reason: 'NotAcceptable', message: 'only the following media types are accepted: application/json, application/yaml' },
  { name: 'unsupportedMediaType', err: errors.unsupportedMediaType(['application/json']), code: 415, reason: 'UnsupportedMediaType', message: 'the body of the request was in an unknown format - accepted media types include: application/json' },
  { name: 'gone', err: errors.gone('gone'), code: 410, reason: 'Gone', message: 'gone' },
  { name: 'resourceExpired', err: errors.resourceExpired('too old resource version: 1 (5)'), code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' },
  { name: 'requestEntityTooLarge', err: errors.requestEntityTooLarge('limit is 3145728'), code: 413, reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' },
  { name: 'tooManyRequests', err: errors.tooManyRequests('slow down', 1), code: 429, reason: 'TooManyRequests', message: 'slow down', details: { retryAfterSeconds: 1 } },
  { name: 'tooManyRequestsError', err: errors.tooManyRequestsError('x'), code: 429, reason: 'TooManyRequests', message: 'Too many requests: x' },
  { name: 'serverTimeout', err: errors.serverTimeout(pods, 'get', 2), code: 500, reason: 'ServerTimeout', message: 'The get operation against pods could not be completed at this time, please try again.', details: { kind: 'pods', name: 'get', retryAfterSeconds: 2 } },
  { name: 'timeout', err: errors.timeout('request did not complete within 60s', 0), code: 504, reason: 'Timeout', message: 'Timeout: request did not complete within 60s' },
  { name: 'internalError', err: errors.internalError(new Error('db down')), code: 500, reason: 'InternalError', message: 'Internal error occurred: db down', details: { causes: [{ message: 'db down' }] } },
  { name: 'serviceUnavailable', err: errors.serviceUnavailable('later'), code: 503, reason: 'ServiceUnavailable', message: 'later' },
  { name: 'fieldLabelNotSupported', err: errors.fieldLabelNotSupported('spec.foo'), code: 400, reason: 'BadRequest', message: 'field label not supported: spec.foo' },
];

for (const tc of cases) {
  test(`StatusError: ${tc.name}`, (t) => {
    t.true(tc.err instanceof Error);
    t.is(tc.err.message, tc.message);
    t.is(tc.err.code, tc.code);
    t.is(tc.err.status.code, tc.code);
    t.is(tc.err.status.reason, tc.reason);
    t.is(tc.err.status.kind, 'Status');
    t.is(tc.err.status.apiVersion, 'v1');
    t.is(tc.err.status.status, 'Failure');
    if (tc.details !== undefined) t.deepEqual(tc.err.status.details, tc.details);
  });
}

test('StatusError: JSON wire form', (t) => {
  t.deepEqual(JSON.parse(JSON.stringify(errors.notFound(pods, 'x'))), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'pods "x" not found',
    reason: 'NotFound',
    details: { name: 'x', kind: 'pods' },
    code: 404,
  });
});

const predicateCases = [
  { name: 'isNotFound', pred: errors.isNotFound, yes: errors.notFound(pods, 'x'), no: errors.alreadyExists(pods, 'x') },
  { name: 'isAlreadyExists', pred: errors.isAlreadyExists, yes: errors.alreadyExists(pods, 'x'), no: errors.conflict(pods, 'x', 'e') },
  { name: 'isConflict', pred: errors.isConflict, yes: errors.conflict(pods, 'x', 'e'), no: errors.alreadyExists(pods, 'x') },
  { name: 'isInvalid', pred: errors.isInvalid, yes: errors.invalid({ group: '', kind: 'Pod' }, 'x', []), no: errors.badRequest('x') },
  { name: 'isBadRequest', pred: errors.isBadRequest, yes: errors.badRequest('x'), no: errors.invalid({ group: '', kind: 'Pod' }, 'x', []) },
  { name: 'isResourceExpired', pred: errors.isResourceExpired, yes: errors.resourceExpired('x'), no: errors.gone('x') },
  { name: 'isGone', pred: errors.isGone, yes: errors.gone('x'), no: errors.resourceExpired('x') },
  { name: 'isInternalError', pred: errors.isInternalError, yes: errors.internalError('x'), no: errors.serverTimeout(pods, 'get') },
  { name: 'isServerTimeout', pred: errors.isServerTimeout, yes: errors.serverTimeout(pods, 'get'), no: errors.internalError('x') },
  { name: 'isTooManyRequests', pred: errors.isTooManyRequests, yes: errors.tooManyRequests('x'), no: errors.badRequest('x') },
  { name: 'isForbidden', pred: errors.isForbidden, yes: errors.forbidden(pods, '', 'x'), no: errors.unauthorized() },
  { name: 'isUnauthorized', pred: errors.isUnauthorized, yes: errors.unauthorized(), no: errors.forbidden(pods, '', 'x') },
  { name: 'isMethodNotSupported', pred: errors.isMethodNotSupported, yes: errors.methodNotSupported(pods, 'x'), no: errors.badRequest('x') },
  { name: 'isRequestEntityTooLarge', pred: errors.isRequestEntityTooLarge, yes: errors.requestEntityTooLarge('x'), no: errors.badRequest('x') },
  { name: 'isNotFound by code with unknown reason', pred: errors.isNotFound, yes: new errors.StatusError({ reason: '', code: 404, message: 'x' }), no: new Error('plain') },
];
for (const tc of predicateCases) {
  test(`predicate: ${tc.name}`, (t) => {
    t.true(tc.pred(tc.yes));
    t.false(tc.pred(tc.no));
    t.false(tc.pred(undefined));
  });
}

test('toStatus: StatusError passes through', (t) => {
  const e = errors.notFound(pods, 'x');
  t.is(errors.toStatus(e), e.status);
});

test('toStatus: plain Status object passes through', (t) => {
  const s = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'm' };
  t.deepEqual(errors.toStatus(s), s);
});

test('toStatus: anything else becomes internalError', (t) => {
  const s = errors.toStatus(new TypeError('x is undefined'));
  t.is(s.code, 500);
  t.is(s.reason, 'InternalError');
  t.is(s.message, 'Internal error occurred: x is undefined');
  t.is(errors.toStatus('str').message, 'Internal error occurred: str');
  t.is(errors.toStatusError(new Error('c')).cause instanceof Error, true);
});
