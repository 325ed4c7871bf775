/**
 * Name and metadata validation with upstream messages word for word, from
 * `k8s.io/apimachinery/pkg/util/validation` (`IsDNS1123Label`, `IsQualifiedName`...),
 * `pkg/api/validate/content` (label keys and values), `pkg/api/validation` (`ValidateObjectMeta`,
 * `NameIsDNSSubdomain`...) and `pkg/apis/meta/v1/validation` (`ValidateLabels`).
 *
 * The `is*` functions return a list of problem strings (empty = valid), as upstream does; the
 * `validate*` functions return `FieldError[]`.
 */
import type { ObjectMeta, OwnerReference } from '#generated/k8s/index.ts';
import type { FieldPath } from './field-path.ts';
import {
  forbiddenField,
  invalidValue,
  notSupported,
  required,
  tooLong,
  type FieldError,
} from './field-errors.ts';

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** maxLenError: `must be no more than N characters` (upstream MaxLenError). */
export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** emptyError: `must be non-empty` (upstream EmptyError). */
export function emptyError(): string {
  return 'must be non-empty';
}

/** inclusiveRangeError: `must be between LO and HI, inclusive` (upstream InclusiveRangeError). */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/**
 * regexError renders a regex failure exactly like upstream RegexError, including its quirky
 * separator: `MSG (e.g. 'a',  or 'b', regex used for validation is 'FMT')`.
 */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) s += ' or ';
    s += `'${ex}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_ERR_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
/** DNS1123_LABEL_MAX_LENGTH is a label's max length in DNS (RFC 1123). */
export const DNS1123_LABEL_MAX_LENGTH = 63;
const dns1123LabelRegexp = new RegExp(`^${DNS1123_LABEL_FMT}$`);

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_ERR_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
/** DNS1123_SUBDOMAIN_MAX_LENGTH is a subdomain's max length in DNS (RFC 1123). */
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
const dns1123SubdomainRegexp = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_ERR_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
/** DNS1035_LABEL_MAX_LENGTH is a label's max length in DNS (RFC 1035). */
export const DNS1035_LABEL_MAX_LENGTH = 63;
const dns1035LabelRegexp = new RegExp(`^${DNS1035_LABEL_FMT}$`);

/** isDNS1123Label checks an RFC 1123 label (upstream IsDNS1123Label). */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123LabelRegexp.test(value)) {
    if (dns1123SubdomainRegexp.test(value)) errs.push('must not contain dots');
    else errs.push(regexError(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

/** isDNS1123Subdomain checks an RFC 1123 subdomain (upstream IsDNS1123Subdomain). */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123SubdomainRegexp.test(value)) errs.push(regexError(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** isDNS1035Label checks an RFC 1035 label (upstream IsDNS1035Label), e.g. Service names. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLenError(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035LabelRegexp.test(value)) errs.push(regexError(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, 'my-name', 'abc-123'));
  return errs;
}

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_ERR_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_MAX_LENGTH = 63;
const labelKeyRegexp = new RegExp(`^${LABEL_KEY_FMT}$`);

/**
 * isQualifiedName checks a qualified name / label key: an optional DNS-subdomain prefix and `/`,
 * then a name of at most 63 characters (upstream IsQualifiedName = content.IsLabelKey).
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`);
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > LABEL_KEY_MAX_LENGTH) errs.push(`name part ${maxLenError(LABEL_KEY_MAX_LENGTH)}`);
  if (!labelKeyRegexp.test(name)) errs.push(`name part ${regexError(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** isLabelKey is {@link isQualifiedName}. */
export const isLabelKey = isQualifiedName;

const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_ERR_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
/** LABEL_VALUE_MAX_LENGTH is a label value's max length. */
export const LABEL_VALUE_MAX_LENGTH = 63;
const labelValueRegexp = new RegExp(`^${LABEL_VALUE_FMT}$`);

/** isValidLabelValue checks a label value (upstream IsValidLabelValue). */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > LABEL_VALUE_MAX_LENGTH) errs.push(maxLenError(LABEL_VALUE_MAX_LENGTH));
  if (!labelValueRegexp.test(value)) errs.push(regexError(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_ERR_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const configMapKeyRegexp = new RegExp(`^${CONFIG_MAP_KEY_FMT}$`);

function hasChDirPrefix(value: string): string[] {
  if (value === '.') return ["must not be '.'"];
  if (value === '..') return ["must not be '..'"];
  if (value.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** isConfigMapKey checks a ConfigMap or Secret data key (upstream IsConfigMapKey). */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!configMapKeyRegexp.test(value)) errs.push(regexError(CONFIG_MAP_KEY_ERR_MSG, CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  errs.push(...hasChDirPrefix(value));
  return errs;
}

const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const ENV_VAR_NAME_ERR_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const envVarNameRegexp = new RegExp(`^${ENV_VAR_NAME_FMT}$`);

/** isEnvVarName checks an environment variable name (upstream IsEnvVarName). */
export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRegexp.test(value)) errs.push(regexError(ENV_VAR_NAME_ERR_MSG, ENV_VAR_NAME_FMT, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1'));
  errs.push(...hasChDirPrefix(value));
  return errs;
}

/** isValidPortNum checks 1..65535 (upstream IsValidPortNum). */
export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : [inclusiveRangeError(1, 65535)];
}

/** isInRange checks an inclusive integer range (upstream IsInRange). */
export function isInRange(value: number, min: number, max: number): string[] {
  return value >= min && value <= max ? [] : [inclusiveRangeError(min, max)];
}

/** isValidPortName checks an IANA_SVC_NAME port name (upstream IsValidPortName). */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

const PERCENT_FMT = '[0-9]+%';
/** isValidPercent checks `NN%` (upstream IsValidPercent). */
export function isValidPercent(percent: string): string[] {
  return /^[0-9]+%$/.test(percent)
    ? []
    : [regexError("a valid percent string must be a numeric string followed by an ending '%'", PERCENT_FMT, '1%', '93%')];
}

/**
 * ValidateNameFunc validates an object name (or, with `prefix`, a generateName prefix) and returns
 * problem strings, as upstream `ValidateNameFunc`.
 */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/** maskTrailingDash replaces a final '-' with 'a' so a generateName prefix can be checked as a name. */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** nameIsDNSSubdomain is the name rule of most resources (upstream NameIsDNSSubdomain). */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** nameIsDNSLabel is the name rule of e.g. Namespaces (upstream NameIsDNSLabel). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** nameIsDNS1035Label is the name rule of e.g. Services (upstream NameIsDNS1035Label). */
export const nameIsDNS1035Label: ValidateNameFunc = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);

/** validateNamespaceName is the namespace-name rule (upstream ValidateNamespaceName = NameIsDNSLabel). */
export const validateNamespaceName: ValidateNameFunc = nameIsDNSLabel;

/**
 * isValidPathSegmentName checks that a name can be used as a URL path segment
 * (upstream path.IsValidPathSegmentName): not `.` or `..`, no `/` or `%`.
 */
export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
  return errs;
}

/** validatePathSegmentName is the minimal name rule for all resources (upstream path.ValidatePathSegmentName). */
export const validatePathSegmentName: ValidateNameFunc = (name, prefix) => {
  if (prefix) {
    const errs: string[] = [];
    for (const illegal of ['/', '%']) if (name.includes(illegal)) errs.push(`may not contain '${illegal}'`);
    return errs;
  }
  return isValidPathSegmentName(name);
};

/** FIELD_IMMUTABLE_ERROR_MSG is upstream's `field is immutable`. */
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
/** IS_NEGATIVE_ERROR_MSG is upstream's `must be greater than or equal to 0`. */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
/** TOTAL_ANNOTATION_SIZE_LIMIT_B is the limit on the sum of annotation key and value bytes (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

/** validateNonnegativeField: `Invalid value: -1: must be greater than or equal to 0`. */
export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [invalidValue(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** validateLabelName checks one label key (upstream ValidateLabelName); errors are reported on `path` itself. */
export function validateLabelName(labelName: string, path: FieldPath): FieldError[] {
  return isQualifiedName(labelName).map((m) => invalidValue(path, labelName, m));
}

/** validateLabels checks label keys and values (upstream meta/v1/validation ValidateLabels). */
export function validateLabels(labels: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    for (const m of isValidLabelValue(v)) errs.push(invalidValue(path, v, m));
  }
  return errs;
}

/** annotationsSize is the summed byte length of annotation keys and values. */
export function annotationsSize(annotations: Record<string, string> | undefined): number {
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) total += byteLength(k) + byteLength(v);
  return total;
}

/** validateAnnotations checks keys (case-insensitive qualified names) and the 256 KiB total (upstream ValidateAnnotations). */
export function validateAnnotations(annotations: Record<string, string> | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(invalidValue(path, k, m));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** validateFinalizerName checks one finalizer (a qualified name). */
export function validateFinalizerName(value: string, path: FieldPath): FieldError[] {
  return isQualifiedName(value).map((m) => invalidValue(path, value, m));
}

/** validateFinalizers checks finalizer names and that orphan and foregroundDeletion are not both set. */
export function validateFinalizers(finalizers: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const list = finalizers ?? [];
  for (const f of list) errs.push(...validateFinalizerName(f, path));
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalidValue(path, [...list], 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** validateNoNewFinalizers forbids adding finalizers to an object that is being deleted. */
export function validateNoNewFinalizers(newFinalizers: readonly string[] | undefined, oldFinalizers: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const old = new Set(oldFinalizers ?? []);
  const extra = [...new Set((newFinalizers ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [forbiddenField(path, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((e) => JSON.stringify(e)).join(', ')}}`)];
}

function parseAPIVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** validateOwnerReferences checks owner references (upstream ValidateOwnerReferences). */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const gv = parseAPIVersion(ref.apiVersion ?? '');
    if (gv.version === '') errs.push(invalidValue(path.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalidValue(path.child('kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalidValue(path.child('name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalidValue(path.child('uid'), ref.uid ?? '', 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
      errs.push(invalidValue(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller) {
      const cur = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        errs.push(invalidValue(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      } else firstController = cur;
    }
  }
  return errs;
}

/** validateManagedFields checks managedFields entries (operation Apply|Update, fieldsType FieldsV1). */
export function validateManagedFields(entries: ObjectMeta['managedFields'], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const p = path.index(i);
    if (e.operation !== 'Apply' && e.operation !== 'Update') errs.push(notSupported(p.child('operation'), e.operation ?? '', ['Apply', 'Update']));
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') errs.push(notSupported(p.child('fieldsType'), e.fieldsType, ['FieldsV1']));
  });
  return errs;
}

/** Options of {@link validateObjectMeta}. */
export interface ValidateObjectMetaOptions {
  /** Whether the resource is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /** The name rule of the resource, e.g. {@link nameIsDNSSubdomain}. */
  nameFn: ValidateNameFunc;
}

/**
 * validateObjectMeta validates metadata on create, after name generation (upstream
 * ValidateObjectMetaAccessor): generateName and name by `nameFn`, namespace, generation, labels,
 * annotations, ownerReferences, finalizers and managedFields.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, opts: ValidateObjectMetaOptions, path: FieldPath): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of opts.nameFn(m.generateName, true)) errs.push(invalidValue(path.child('generateName'), m.generateName, msg));
  }
  if (!m.name) errs.push(required(path.child('name'), 'name or generateName is required'));
  else for (const msg of opts.nameFn(m.name, false)) errs.push(invalidValue(path.child('name'), m.name, msg));
  errs.push(...validateObjectMetaCommon(m, opts.namespaced, path));
  return errs;
}

function validateObjectMetaCommon(m: ObjectMeta, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (namespaced) {
    if (!m.namespace) errs.push(required(path.child('namespace'), ''));
    else for (const msg of validateNamespaceName(m.namespace, false)) errs.push(invalidValue(path.child('namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(forbiddenField(path.child('namespace'), 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(m.generation ?? 0, path.child('generation')));
  errs.push(...validateLabels(m.labels, path.child('labels')));
  errs.push(...validateAnnotations(m.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(m.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(m.finalizers, path.child('finalizers')));
  errs.push(...validateManagedFields(m.managedFields, path.child('managedFields')));
  return errs;
}

/** validateImmutableField: `Invalid value: NEW: field is immutable` when the values differ (deep equality). */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: FieldPath): FieldError[] {
  return semanticEqual(newVal, oldVal) ? [] : [invalidValue(path, newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}

/**
 * semanticEqual compares JSON values deeply, treating undefined, null, '' , [] and {} at the same
 * place as different values except that a missing key equals an undefined one.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => semanticEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

/**
 * validateObjectMetaUpdate validates metadata on update (upstream ValidateObjectMetaAccessorUpdate):
 * no new finalizers while deleting, resourceVersion set, generation not decremented, immutable
 * name/namespace/uid/creationTimestamp/deletionTimestamp/deletionGracePeriodSeconds, then labels,
 * annotations, ownerReferences, finalizers and managedFields.
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path: FieldPath): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (o.deletionTimestamp) errs.push(...validateNoNewFinalizers(n.finalizers, o.finalizers, path.child('finalizers')));
  if (!n.resourceVersion) errs.push(invalidValue(path.child('resourceVersion'), n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < (o.generation ?? 0)) errs.push(invalidValue(path.child('generation'), n.generation ?? 0, 'must not be decremented'));
  errs.push(...validateImmutableField(n.name ?? '', o.name ?? '', path.child('name')));
  errs.push(...validateImmutableField(n.namespace ?? '', o.namespace ?? '', path.child('namespace')));
  errs.push(...validateImmutableField(n.uid ?? '', o.uid ?? '', path.child('uid')));
  errs.push(...validateImmutableField(n.creationTimestamp ?? null, o.creationTimestamp ?? null, path.child('creationTimestamp')));
  errs.push(...validateImmutableField(n.deletionTimestamp ?? null, o.deletionTimestamp ?? null, path.child('deletionTimestamp')));
  errs.push(...validateImmutableField(n.deletionGracePeriodSeconds ?? null, o.deletionGracePeriodSeconds ?? null, path.child('deletionGracePeriodSeconds')));
  errs.push(...validateLabels(n.labels, path.child('labels')));
  errs.push(...validateAnnotations(n.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(n.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(n.finalizers, path.child('finalizers')));
  errs.push(...validateManagedFields(n.managedFields, path.child('managedFields')));
  return errs;
}
