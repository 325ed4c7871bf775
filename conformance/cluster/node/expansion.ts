/**
 * Variable expansion in volume sub paths: upstream common/node/expansion.go (the
 * VolumeSubpathEnvExpansion cases). `subPathExpr` is expanded with the container's environment;
 * an absolute result or one with `..` (upstream's "backticks" case sets POD_NAME to `..`) fails
 * the container with CreateContainerConfigError. Commands in the running pod go through
 * pods/exec over WebSocket (./websocket.ts). Deviation: the "failing subpath expansion can be
 * modified" case waits for the container to report CreateContainerConfigError instead of
 * waiting out upstream's 2-minute PodStartShortTimeout to see that it does not run.
 */
import { isNotFound, type KubeObject } from '#impl/client/index.ts';
import { defineCase } from '../framework/case.ts';
import type { CaseContext } from '../framework/context.ts';
import { fail } from '../framework/expect.ts';
import { createPod, podPhase, testContainerOutput, waitForPod, waitForPodRunning } from '../framework/pods.ts';
import { execInContainer } from './websocket.ts';

const V = '[sig-node] Variable Expansion';
/** POD_START_SHORT_TIMEOUT_MS is upstream's framework.PodStartShortTimeout. */
const POD_START_SHORT_TIMEOUT_MS = 2 * 60_000;
const POD_DELETE_TIMEOUT_MS = 5 * 60_000;

const workdir: KubeObject[] = [{ name: 'workdir1', emptyDir: {} }];

/** newPod is upstream's: `var-expansion-<uid>`, one busybox `dapi-container`, restartPolicy Never. */
function newPod(ctx: CaseContext, command: string[] | undefined, env: KubeObject[], volumeMounts: KubeObject[], volumes: KubeObject[]): KubeObject {
  const name = `var-expansion-${ctx.uid}`;
  return {
    metadata: { name, labels: { name } },
    spec: {
      containers: [{ name: 'dapi-container', image: ctx.images.busybox, ...(command ? { command } : {}), env, volumeMounts }],
      restartPolicy: 'Never',
      volumes,
    },
  };
}

const annotationEnv: KubeObject = { name: 'ANNOTATION', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['mysubpath']" } } };

async function deletePodWithWait(ctx: CaseContext, name: string): Promise<void> {
  await ctx.core('pods').delete(name).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await ctx.waitFor(
    async () => {
      try {
        await ctx.core('pods').get(name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    { timeoutMs: POD_DELETE_TIMEOUT_MS, intervalMs: 1000, message: `pod ${name} to be deleted` },
  );
}

/** waitForContainerConfigError is upstream WaitForPodContainerToFail(..., 0, "CreateContainerConfigError", ...). */
function waitForContainerConfigError(ctx: CaseContext, name: string): Promise<KubeObject> {
  return waitForPod(ctx, name, (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError', 'container 0 to fail with CreateContainerConfigError', {
    timeoutMs: POD_START_SHORT_TIMEOUT_MS,
    failFast: (p) => (podPhase(p) === 'Running' ? 'pod is Running' : undefined),
  });
}

/** testPodFailSubpath is upstream's: the container must fail with CreateContainerConfigError. */
async function testPodFailSubpath(ctx: CaseContext, pod: KubeObject): Promise<void> {
  const name = String(pod.metadata?.name);
  await createPod(ctx, pod);
  try {
    const p = await waitForContainerConfigError(ctx, name);
    ctx.log(`container waiting: ${p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? ''}`);
  } finally {
    await deletePodWithWait(ctx, name);
  }
}

async function updateAnnotation(ctx: CaseContext, name: string, value: string): Promise<void> {
  await ctx.core('pods').patch(name, { metadata: { annotations: { mysubpath: value } } });
}

async function execShell(ctx: CaseContext, pod: string, cmd: string): Promise<boolean> {
  const r = await execInContainer(ctx, pod, 'dapi-container', ['/bin/sh', '-c', cmd]);
  return !r.status || r.status.status === 'Success';
}

export const cases = [
  defineCase(import.meta.url, {
    id: 'ND-84',
    codename: `${V} should allow substituting values in a volume subpath [Conformance]`,
    run: (ctx) => {
      const env: KubeObject[] = [{ name: 'POD_NAME', value: 'foo' }];
      const pod = newPod(ctx, [], env, [{ name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' }, { name: 'workdir1', mountPath: '/testcontainer' }], workdir);
      const name = String(pod.metadata?.name);
      env[0].value = name;
      pod.spec.containers[0].command = ['sh', '-c', `test -d /testcontainer/${name};echo $?`];
      return testContainerOutput(ctx, 'substitution in volume subpath', pod, 0, ['0']);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-86',
    codename: `${V} should fail substituting values in a volume subpath with backticks [Conformance]`,
    run: (ctx) => testPodFailSubpath(ctx, newPod(ctx, undefined, [{ name: 'POD_NAME', value: '..' }], [{ name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' }], workdir)),
  }),
  defineCase(import.meta.url, {
    id: 'ND-85',
    codename: `${V} should fail substituting values in a volume subpath with absolute path [Conformance]`,
    run: (ctx) => testPodFailSubpath(ctx, newPod(ctx, undefined, [{ name: 'POD_NAME', value: '/tmp' }], [{ name: 'workdir1', mountPath: '/logscontainer', subPathExpr: '$(POD_NAME)' }], workdir)),
  }),
  defineCase(import.meta.url, {
    id: 'ND-88',
    codename: `${V} should verify that a failing subpath expansion can be modified during the lifecycle of a container [Conformance] [Slow]`,
    async run(ctx) {
      const pod = newPod(ctx, ['sh', '-c', 'tail -f /dev/null'], [{ name: 'POD_NAME', value: 'foo' }, annotationEnv], [
        { name: 'workdir1', mountPath: '/subpath_mount', subPathExpr: '$(ANNOTATION)/$(POD_NAME)' },
        { name: 'workdir1', mountPath: '/volume_mount' },
      ], workdir);
      pod.metadata = { ...pod.metadata, annotations: { notmysubpath: 'mypath' } };
      const name = String(pod.metadata?.name);
      ctx.step('creating the pod with failed condition');
      await createPod(ctx, pod);
      await waitForContainerConfigError(ctx, name);
      ctx.step('updating the pod');
      await updateAnnotation(ctx, name, 'mypath');
      ctx.step('waiting for pod running');
      await waitForPodRunning(ctx, name, undefined, POD_START_SHORT_TIMEOUT_MS);
      ctx.step('deleting the pod gracefully');
      await deletePodWithWait(ctx, name);
    },
  }),
  defineCase(import.meta.url, {
    id: 'ND-87',
    codename: `${V} should succeed in writing subpaths in container [Conformance]`,
    async run(ctx) {
      const pod = newPod(ctx, ['sh', '-c', 'tail -f /dev/null'], [{ name: 'POD_NAME', value: 'foo' }, annotationEnv], [
        { name: 'workdir1', mountPath: '/subpath_mount', subPathExpr: '$(ANNOTATION)/$(POD_NAME)' },
        { name: 'workdir1', mountPath: '/volume_mount' },
      ], workdir);
      pod.metadata = { ...pod.metadata, annotations: { mysubpath: 'mypath' } };
      const name = String(pod.metadata?.name);
      ctx.step('creating the pod');
      await createPod(ctx, pod);
      ctx.step('waiting for pod running');
      await waitForPodRunning(ctx, name, undefined, POD_START_SHORT_TIMEOUT_MS);
      ctx.step('creating a file in subpath');
      if (!(await execShell(ctx, name, 'touch /volume_mount/mypath/foo/test.log'))) fail('expected to be able to write to subpath');
      ctx.step('test for file in mounted path');
      if (!(await execShell(ctx, name, 'test -f /subpath_mount/test.log'))) fail('expected to be able to verify file');
      ctx.step('updating the annotation value');
      await updateAnnotation(ctx, name, 'mynewpath');
      ctx.step('waiting for annotated pod running');
      await waitForPodRunning(ctx, name, undefined, POD_START_SHORT_TIMEOUT_MS);
      ctx.step('deleting the pod gracefully');
      await deletePodWithWait(ctx, name);
    },
  }),
];
