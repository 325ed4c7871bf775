/**
 * Security Context (critest security_context_linux.go, apparmor_linux.go, selinux_linux.go):
 * namespace options, users and groups, read-only rootfs, privileged, capabilities, masked and
 * read-only paths, seccomp, no_new_privs. AppArmor and SELinux cases probe the host and skip with
 * the reason when the LSM is absent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { NamespaceMode, SecurityProfile_ProfileType } from '#generated/cri/api.ts';
import type { DeepPartial, LinuxContainerSecurityContext, LinuxPodSandboxConfig } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectContains, expectEqual, expectGrpcError, expectMatch, expectTrue } from '../framework/expect.ts';
import type { Framework } from '../framework/framework.ts';

const execFileAsync = promisify(execFile);
const N = '[k8s.io] Security Context NamespaceOption';
const B = '[k8s.io] Security Context bucket';
const S = '[k8s.io] Security Context SeccompProfilePath';
const A = '[k8s.io] AppArmor runtime should support apparmor field';
const X = '[k8s.io] SELinux runtime should support selinux';

type Ns = { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode };

function podLinux(ns: Ns = {}, extra: DeepPartial<LinuxPodSandboxConfig['securityContext']> = {}): DeepPartial<LinuxPodSandboxConfig> {
  return { cgroupParent: '', securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.POD, ipc: NamespaceMode.POD, ...ns }, ...extra } };
}

/** runWith runs a busybox container with the given container security context (and pod settings). */
async function runWith(f: Framework, prefix: string, sc: DeepPartial<LinuxContainerSecurityContext>, pod: { ns?: Ns; privileged?: boolean } = {}): Promise<string> {
  const p = await f.newPod(prefix, { linux: podLinux(pod.ns, { privileged: !!pod.privileged }) });
  return await f.runContainer(p, prefix, { linux: { securityContext: { namespaceOptions: { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD, ...pod.ns }, ...sc } } });
}

async function statusField(f: Framework, id: string, field: string): Promise<string> {
  const out = await f.execOk(id, `grep '^${field}:' /proc/self/status`);
  return out.split(':')[1]!.trim();
}

async function canAddLink(f: Framework, id: string): Promise<{ ok: boolean; stderr: string }> {
  const r = await f.execSync(id, ['sh', '-c', 'ip link add cri-val0 type bridge && ip link del cri-val0']);
  return { ok: r.exitCode === 0, stderr: r.stderr };
}

async function seccompProfile(f: Framework, syscalls: string[]): Promise<string> {
  const dir = await f.tempDir('seccomp');
  const file = path.join(dir, 'profile.json');
  await writeFile(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: syscalls, action: 'SCMP_ACT_ERRNO' }] }));
  return file;
}

async function hostShm(f: Framework): Promise<string> {
  const { stdout } = await execFileAsync('ipcmk', ['-M', '1024']).catch((err: Error) => f.skip(`host ipcmk is not usable: ${err.message}`));
  const id = /(\d+)/.exec(stdout)?.[1];
  if (!id) f.skip(`could not parse the ipcmk output ${JSON.stringify(stdout)}`);
  f.defer(`ipcrm -m ${id}`, () => execFileAsync('ipcrm', ['-m', id]));
  return id;
}

async function hostListener(f: Framework): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '0.0.0.0', resolve));
  f.defer('close host listener', () => new Promise((r) => srv.close(r)));
  const a = srv.address();
  return typeof a === 'object' && a ? a.port : 0;
}

function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

/** securityContextCases are the namespaces, users, capabilities, seccomp, paths, AppArmor/SELinux probes cases. */
export const securityContextCases = defineCases([
  {
    name: `${N} runtime should support HostPID`,
    async run(f) {
      const id = await runWith(f, 'host-pid', {}, { ns: { pid: NamespaceMode.NODE } });
      const r = await f.execSync(id, ['test', '-d', `/proc/${process.pid}`]);
      expectEqual(r.exitCode, 0, `a host process (the validator, PID ${process.pid}) visible in a pid=NODE container's /proc (exit code of test -d)`);
    },
  },
  {
    name: `${N} runtime should support PodPID`,
    async run(f) {
      const pod = await f.newPod('pod-pid', { linux: podLinux({ pid: NamespaceMode.POD }) });
      await f.runContainer(pod, 'pod-pid-a', { command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done # first-container'], linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.POD } } } });
      const second = await f.runContainer(pod, 'pod-pid-b', { linux: { securityContext: { namespaceOptions: { pid: NamespaceMode.POD } } } });
      const pid1 = await f.execOk(second, 'tr "\\0" " " < /proc/1/cmdline');
      expectTrue(!pid1.includes('trap'), `with pid=POD, PID 1 should be the sandbox's process, not a container's command; got ${JSON.stringify(pid1)}`);
      const seen = await f.execOk(second, 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done');
      expectContains(seen, 'first-container', 'processes visible from a sibling container with pid=POD');
    },
  },
  {
    name: `${N} runtime should support ContainerPID`,
    async run(f) {
      const id = await runWith(f, 'container-pid', {}, { ns: { pid: NamespaceMode.CONTAINER } });
      const pid1 = await f.execOk(id, 'tr "\\0" " " < /proc/1/cmdline');
      expectContains(pid1, 'trap', 'PID 1 of a pid=CONTAINER container (its own command)');
    },
  },
  {
    name: `${N} runtime should support HostIpc is true`,
    async run(f) {
      const shm = await hostShm(f);
      const id = await runWith(f, 'host-ipc', {}, { ns: { ipc: NamespaceMode.NODE } });
      const out = await f.execOk(id, 'cat /proc/sysvipc/shm');
      expectTrue(new RegExp(`^\\s*-?\\d+\\s+${shm}\\s`, 'm').test(out), `host shared memory segment ${shm} is missing from a ipc=NODE container's /proc/sysvipc/shm: ${out}`);
    },
  },
  {
    name: `${N} runtime should support HostIpc is false`,
    async run(f) {
      const shm = await hostShm(f);
      const id = await runWith(f, 'pod-ipc', {}, { ns: { ipc: NamespaceMode.POD } });
      const out = await f.execOk(id, 'cat /proc/sysvipc/shm');
      expectTrue(!new RegExp(`^\\s*-?\\d+\\s+${shm}\\s`, 'm').test(out), `host shared memory segment ${shm} is visible in a ipc=POD container: ${out}`);
    },
  },
  {
    name: `${N} runtime should support HostNetwork is true`,
    async run(f) {
      const port = await hostListener(f);
      const id = await runWith(f, 'host-net', {}, { ns: { network: NamespaceMode.NODE } });
      expectMatch(await f.execOk(id, 'netstat -ltn'), new RegExp(`:${port}\\s`), `host listener port ${port} in a network=NODE container's netstat -ltn`);
    },
  },
  {
    name: `${N} runtime should support HostNetwork is false`,
    async run(f) {
      const port = await hostListener(f);
      const id = await runWith(f, 'pod-net', {}, { ns: { network: NamespaceMode.POD } });
      const out = await f.execOk(id, 'netstat -ltn');
      expectTrue(!new RegExp(`:${port}\\s`).test(out), `host listener port ${port} is visible in a network=POD container: ${out}`);
    },
  },
  {
    name: `${B} runtime should support SupplementalGroups`,
    async run(f) {
      const id = await runWith(f, 'supplemental-groups', { supplementalGroups: ['1234', '5678'] });
      const groups = (await f.execOk(id, 'id -G')).trim().split(/\s+/);
      for (const g of ['1234', '5678']) expectTrue(groups.includes(g), `id -G ${JSON.stringify(groups)} lacks supplemental group ${g}`);
    },
  },
  {
    name: `${B} runtime should support RunAsUser`,
    async run(f) {
      const id = await runWith(f, 'run-as-user', { runAsUser: { value: '1001' } });
      expectEqual((await f.execOk(id, 'id -u')).trim(), '1001', '`id -u` with run_as_user=1001');
    },
  },
  {
    name: `${B} runtime should support RunAsUserName`,
    async run(f) {
      const id = await runWith(f, 'run-as-username', { runAsUsername: 'nobody' });
      expectEqual((await f.execOk(id, 'id -nu')).trim(), 'nobody', '`id -nu` with run_as_username=nobody');
    },
  },
  {
    name: `${B} runtime should support RunAsGroup`,
    async run(f) {
      const id = await runWith(f, 'run-as-group', { runAsUser: { value: '1001' }, runAsGroup: { value: '1002' } });
      expectEqual((await f.execOk(id, 'echo "$(id -u):$(id -g)"')).trim(), '1001:1002', 'uid:gid with run_as_user=1001, run_as_group=1002');
    },
  },
  {
    name: `${B} runtime should return error if RunAsGroup is set without RunAsUser`,
    async run(f) {
      const pod = await f.newPod('run-as-group-only');
      await f.suite.ensureImage(f.images.busybox, f.signal);
      const cfg = f.containerConfig('run-as-group-only', { linux: { securityContext: { runAsGroup: { value: '1002' } } } });
      await expectGrpcError(
        f.runtime.createContainer({ podSandboxId: pod.id, config: cfg, sandboxConfig: pod.config }, { signal: f.signal }).then((r) => {
          f.defer('remove', () => f.runtime.removeContainer({ containerId: r.containerId }));
          return r;
        }),
        'CreateContainer with run_as_group but no run_as_user',
      );
    },
  },
  {
    name: `${B} runtime should support that ReadOnlyRootfs is false`,
    async run(f) {
      const id = await runWith(f, 'rootfs-rw', { readonlyRootfs: false });
      await f.execOk(id, 'touch /cri-validate-file && test -f /cri-validate-file');
    },
  },
  {
    name: `${B} runtime should support that ReadOnlyRootfs is true`,
    async run(f) {
      const id = await runWith(f, 'rootfs-ro', { readonlyRootfs: true });
      const r = await f.execSync(id, ['touch', '/cri-validate-file']);
      expectTrue(r.exitCode !== 0, 'touch in a read-only rootfs succeeded');
      expectMatch(r.stderr, /Read-only file system/i, 'error of touch in a read-only rootfs');
    },
  },
  {
    name: `${B} runtime should support Privileged is true`,
    async run(f) {
      const id = await runWith(f, 'privileged', { privileged: true }, { privileged: true });
      const r = await canAddLink(f, id);
      expectTrue(r.ok, `adding a network link in a privileged container failed: ${r.stderr}`);
    },
  },
  {
    name: `${B} runtime should support Privileged is false`,
    async run(f) {
      const id = await runWith(f, 'unprivileged', { privileged: false });
      expectTrue(!(await canAddLink(f, id)).ok, 'adding a network link succeeded in an unprivileged container');
    },
  },
  {
    name: `${B} runtime should support adding capability`,
    async run(f) {
      const withCap = await runWith(f, 'cap-add', { capabilities: { addCapabilities: ['NET_ADMIN'] } });
      const r = await canAddLink(f, withCap);
      expectTrue(r.ok, `adding a network link with NET_ADMIN added failed: ${r.stderr}`);
      const without = await runWith(f, 'cap-default', {});
      expectTrue(!(await canAddLink(f, without)).ok, 'adding a network link succeeded without NET_ADMIN');
    },
  },
  {
    name: `${B} runtime should support dropping capability`,
    async run(f) {
      const id = await runWith(f, 'cap-drop', { capabilities: { dropCapabilities: ['NET_RAW'] } });
      const r = await f.execSync(id, ['ping', '-c', '1', '-W', '1', '127.0.0.1']);
      expectTrue(r.exitCode !== 0, 'ping (a raw socket) worked with NET_RAW dropped');
      expectMatch(r.stderr, /permission denied|operation not permitted/i, 'error of ping without NET_RAW');
      const bnd = BigInt(`0x${await statusField(f, id, 'CapBnd')}`);
      expectEqual(bnd & (1n << 13n), 0n, 'CAP_NET_RAW bit in CapBnd after dropping NET_RAW');
    },
  },
  {
    name: `${B} runtime should support adding ALL capabilities`,
    async run(f) {
      const id = await runWith(f, 'cap-all', { capabilities: { addCapabilities: ['ALL'] } });
      const bnd = await statusField(f, id, 'CapBnd');
      expectTrue(/[1-9a-f]/.test(bnd), `CapBnd is all zero (${bnd}) with ALL capabilities added`);
      expectTrue((await canAddLink(f, id)).ok, 'adding a network link failed with ALL capabilities');
    },
  },
  {
    name: `${B} runtime should support dropping ALL capabilities`,
    async run(f) {
      const id = await runWith(f, 'cap-none', { capabilities: { dropCapabilities: ['ALL'] } });
      expectMatch(await statusField(f, id, 'CapBnd'), /^0+$/, 'CapBnd with ALL capabilities dropped');
    },
  },
  {
    name: `${B} runtime should support MaskedPaths`,
    async run(f) {
      const id = await runWith(f, 'masked-paths', { maskedPaths: ['/var', '/etc/group'] });
      expectEqual((await f.execOk(id, 'ls -A /var')).trim(), '', 'listing of the masked directory /var');
      expectEqual(await f.execOk(id, 'cat /etc/group'), '', 'content of the masked file /etc/group');
    },
  },
  {
    name: `${B} runtime should support ReadonlyPaths`,
    async run(f) {
      const id = await runWith(f, 'readonly-paths', { readonlyPaths: ['/tmp'] });
      const r = await f.execSync(id, ['touch', '/tmp/cri-validate']);
      expectTrue(r.exitCode !== 0, 'touch in the read-only path /tmp succeeded');
      expectMatch(r.stderr, /Read-only file system/i, 'error of touch in a read-only path');
    },
  },
  {
    name: `${S} should support seccomp unconfined on the container`,
    async run(f) {
      const id = await runWith(f, 'seccomp-unconfined', { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined } });
      expectEqual(await statusField(f, id, 'Seccomp'), '0', 'Seccomp mode with an Unconfined profile');
    },
  },
  {
    name: `${S} should support seccomp default on the container`,
    async run(f) {
      const id = await runWith(f, 'seccomp-default', { seccomp: { profileType: SecurityProfile_ProfileType.RuntimeDefault } });
      expectEqual(await statusField(f, id, 'Seccomp'), '2', 'Seccomp mode with the RuntimeDefault profile (2 = filter)');
    },
  },
  {
    name: `${S} should support nil profile, which is unconfined`,
    async run(f) {
      const id = await runWith(f, 'seccomp-nil', {});
      expectEqual(await statusField(f, id, 'Seccomp'), '0', 'Seccomp mode without a profile');
    },
  },
  {
    name: `${S} should support seccomp localhost profile on the container`,
    async run(f) {
      const profile = await seccompProfile(f, ['chmod', 'fchmod', 'fchmodat']);
      const id = await runWith(f, 'seccomp-localhost', { seccomp: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: profile } });
      const r = await f.execSync(id, ['chmod', '600', '/etc/hostname']);
      expectTrue(r.exitCode !== 0, 'chmod succeeded under a profile that blocks it');
      expectMatch(r.stderr, /Operation not permitted/i, 'error of chmod under the blocking profile');
    },
  },
  {
    name: `${S} runtime should not block setting host name with unconfined seccomp and SYS_ADMIN`,
    async run(f) {
      const id = await runWith(f, 'sethostname-unconfined', { seccomp: { profileType: SecurityProfile_ProfileType.Unconfined }, capabilities: { addCapabilities: ['SYS_ADMIN'] } });
      await f.execOk(id, 'hostname cri-validate-renamed && test "$(hostname)" = cri-validate-renamed');
    },
  },
  {
    name: `${S} runtime should support an seccomp profile that blocks setting hostname with SYS_ADMIN`,
    async run(f) {
      const profile = await seccompProfile(f, ['sethostname']);
      const id = await runWith(f, 'sethostname-blocked', { seccomp: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: profile }, capabilities: { addCapabilities: ['SYS_ADMIN'] } });
      const r = await f.execSync(id, ['hostname', 'cri-validate-renamed']);
      expectTrue(r.exitCode !== 0, 'sethostname succeeded under a profile that blocks it');
    },
  },
  {
    name: `${S} runtime should ignore a seccomp profile that blocks setting hostname when privileged`,
    async run(f) {
      const profile = await seccompProfile(f, ['sethostname']);
      const id = await runWith(f, 'sethostname-privileged', { privileged: true, seccomp: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: profile } }, { privileged: true });
      await f.execOk(id, 'hostname cri-validate-renamed');
    },
  },
  {
    name: '[kubets] Security Context NoNewPrivs should set no_new_privs when true',
    async run(f) {
      const id = await runWith(f, 'nonewprivs-true', { noNewPrivs: true, runAsUser: { value: '1000' } });
      expectEqual(await statusField(f, id, 'NoNewPrivs'), '1', 'NoNewPrivs in /proc/self/status with no_new_privs=true');
    },
  },
  {
    name: '[kubets] Security Context NoNewPrivs should not set no_new_privs when false',
    async run(f) {
      const id = await runWith(f, 'nonewprivs-false', { noNewPrivs: false });
      expectEqual(await statusField(f, id, 'NoNewPrivs'), '0', 'NoNewPrivs in /proc/self/status with no_new_privs=false');
    },
  },
  {
    name: `${A} should enforce a apparmor_profile blocking writes`,
    async run(f) {
      if (!apparmorEnabled()) f.skip('AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled)');
      f.skip('AppArmor profiles are not loaded by this suite (needs apparmor_parser)');
    },
  },
  {
    name: `${A} should fail with an unloaded apparmor_profile`,
    async run(f) {
      if (!apparmorEnabled()) f.skip('AppArmor is not enabled on this host (/sys/module/apparmor/parameters/enabled)');
      const pod = await f.newPod('apparmor-unloaded');
      await f.suite.ensureImage(f.images.busybox, f.signal);
      const cfg = f.containerConfig('apparmor-unloaded', { linux: { securityContext: { apparmor: { profileType: SecurityProfile_ProfileType.Localhost, localhostRef: `cri-validate-not-loaded-${f.uid()}` } } } });
      await expectGrpcError(f.runtime.createContainer({ podSandboxId: pod.id, config: cfg, sandboxConfig: pod.config }, { signal: f.signal }), 'CreateContainer with an AppArmor profile that is not loaded');
    },
  },
  {
    name: `${X} when single pod sandbox is not privileged should work with selinux set`,
    async run(f) {
      if (!existsSync('/sys/fs/selinux/enforce')) f.skip('SELinux is not enabled on this host (/sys/fs/selinux absent)');
      const id = await runWith(f, 'selinux', { selinuxOptions: { user: 'system_u', role: 'system_r', type: 'container_t', level: 's0:c4,c5' } });
      expectContains(await f.execOk(id, 'cat /proc/self/attr/current'), 'container_t', 'process SELinux label');
    },
  },
]);
