/**
 * kubectl's client-side validation against `/openapi/v2`, end to end: `kubets up --no-runtime`
 * (a real cluster without containerd, started detached through the CLI) and the real kubectl.
 *
 * kubectl validates on the server (`fieldValidation=Strict`) only for kinds whose v3 document has
 * a PATCH operation taking `fieldValidation`; SubjectAccessReview and TokenReview have no PATCH,
 * so kubectl downloads `/openapi/v2` as `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
 * and validates the object itself. Before the server spoke that encoding, every such create
 * failed with `failed to download openapi: ... content type that the client supports`.
 *
 * Skips with the reason when kubectl is missing.
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runKubectl, type KubectlRun } from './testing/integration.ts';

const KUBETS = path.join(import.meta.dirname, '..', '..', 'bin', 'kubets.js');
const skipReason = spawnSync('sh', ['-c', 'command -v kubectl']).status === 0 ? '' : 'needs kubectl on PATH';
const it = skipReason ? test.serial.skip : test.serial;
if (skipReason) test(`openapi v2 integration skipped: ${skipReason}`, (t) => t.pass());

const tmp = skipReason ? '' : mkdtempSync('/tmp/kubets-openapiv2-');
const kubeconfig = path.join(tmp, 'admin.kubeconfig');
let started = false;

/** kubets runs the CLI asynchronously and resolves with its exit code and output. */
function kubets(args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KUBETS, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

const kubectl = (...args: string[]): Promise<KubectlRun> => runKubectl(kubeconfig, args, 120_000);

const SAR = `apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: bob
  resourceAttributes:
    verb: get
    resource: pods
`;

const SAR_UNKNOWN_FIELD = `apiVersion: authorization.k8s.io/v1
kind: SubjectAccessReview
spec:
  user: bob
  bogusField: 1
  resourceAttributes:
    verb: get
    resource: pods
`;

const TOKEN_REVIEW_UNKNOWN_FIELD = `apiVersion: authentication.k8s.io/v1
kind: TokenReview
spec:
  token: not-a-token
  nope: true
`;

test.before(async () => {
  if (skipReason) return;
  writeFileSync(path.join(tmp, 'sar.yaml'), SAR);
  writeFileSync(path.join(tmp, 'sar-unknown.yaml'), SAR_UNKNOWN_FIELD);
  writeFileSync(path.join(tmp, 'tokenreview-unknown.yaml'), TOKEN_REVIEW_UNKNOWN_FIELD);
  const up = await kubets(['up', '--data-dir', path.join(tmp, 'data'), '--secure-port', '0', '--no-runtime', '--kubeconfig-out', kubeconfig, '--detach'], 180_000);
  started = true;
  if (up.code !== 0) throw new Error(`kubets up failed (${up.code}):\n${up.out}`);
});

test.after.always(async () => {
  if (skipReason) return;
  if (started) await kubets(['down', '--data-dir', path.join(tmp, 'data')], 120_000);
  rmSync(tmp, { recursive: true, force: true });
});

it('kubectl create -f a SubjectAccessReview validates against /openapi/v2 and prints the status', async (t) => {
  const r = await kubectl('create', '-f', path.join(tmp, 'sar.yaml'), '-o', 'yaml');
  t.is(r.code, 0, r.err);
  t.notRegex(r.err, /failed to download openapi/);
  t.regex(r.out, /^kind: SubjectAccessReview$/m);
  t.regex(r.out, /^status:\n {2}allowed: (true|false)$/m);
});

const unknownFieldCases: Array<{ name: string; file: string; validate: string[]; want: RegExp }> = [
  {
    name: 'an unknown field in a SubjectAccessReview spec',
    file: 'sar-unknown.yaml',
    validate: [],
    want: /error validating data: ValidationError\(SubjectAccessReview\.spec\): unknown field "bogusField" in io\.k8s\.api\.authorization\.v1\.SubjectAccessReviewSpec; if you choose to ignore these errors, turn validation off with --validate=false/,
  },
  {
    name: 'the same with --validate=strict',
    file: 'sar-unknown.yaml',
    validate: ['--validate=strict'],
    want: /ValidationError\(SubjectAccessReview\.spec\): unknown field "bogusField" in io\.k8s\.api\.authorization\.v1\.SubjectAccessReviewSpec/,
  },
  {
    name: 'an unknown field in a TokenReview spec',
    file: 'tokenreview-unknown.yaml',
    validate: [],
    want: /ValidationError\(TokenReview\.spec\): unknown field "nope" in io\.k8s\.api\.authentication\.v1\.TokenReviewSpec/,
  },
];

for (const c of unknownFieldCases) {
  it(`kubectl's client-side validation rejects ${c.name}`, async (t) => {
    const r = await kubectl('create', ...c.validate, '-f', path.join(tmp, c.file), '-o', 'yaml');
    t.not(r.code, 0);
    t.regex(r.err, c.want);
  });
}

it('kubectl create --validate=false skips the client-side check and the server answers', async (t) => {
  const r = await kubectl('create', '--validate=false', '-f', path.join(tmp, 'sar-unknown.yaml'), '-o', 'yaml');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^status:\n {2}allowed: (true|false)$/m);
});
