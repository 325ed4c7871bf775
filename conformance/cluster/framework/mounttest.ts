/**
 * Busybox shell stand-ins for agnhost `mounttest`, which the upstream volume specs run:
 * the same output lines, so the cases check the same strings upstream checks.
 * - `--file_content=P`  -> `content of file "P": <content>`
 * - `--file_mode=P`     -> `mode of file "P": -rw-r--r--` (`stat -L` follows atomic-writer symlinks)
 * - `--file_content_in_loop=P --break_on_expected_content=false` -> the content line (or
 *   `Error reading file P: ...`) once a second, forever (the pod is deleted with its namespace).
 */
import type { KubeObject } from '#impl/client/index.ts';
import type { CaseContext } from './context.ts';
import { fail } from './expect.ts';
import { podLogs } from './pods.ts';

/** fileContent prints a file's content like `mounttest --file_content`. */
export const fileContent = (p: string): string => `echo "content of file \\"${p}\\": $(cat ${p})"`;

/** fileMode prints a file's mode like `mounttest --file_mode`. */
export const fileMode = (p: string): string => `echo "mode of file \\"${p}\\": $(stat -L -c %A ${p})"`;

/** fileContentInLoop prints a file's content (or a read error) every second, like `mounttest --file_content_in_loop`. */
export const fileContentInLoop = (p: string): string =>
  `while true; do if c=$(cat ${p} 2>&1); then echo "content of file \\"${p}\\": $c"; else echo "Error reading file ${p}: $c"; fi; sleep 1; done`;

/** mounttest joins mounttest-like lines into one shell script. */
export const mounttest = (...lines: string[]): string => lines.join('; ');

/**
 * POD_LOG_TIMEOUT_MS bounds waiting for a volume update to show in a container's output
 * (upstream `GetPodSecretUpdateTimeout`: the kubelet's sync period plus the cache TTL).
 */
export const POD_LOG_TIMEOUT_MS = 120_000;

/** eventuallyLogContains polls a container's log until it contains `substring` (gomega.Eventually(...).Should(ContainSubstring)). */
export async function eventuallyLogContains(ctx: CaseContext, pod: string, container: string, substring: string, timeoutMs = POD_LOG_TIMEOUT_MS): Promise<void> {
  let last = '';
  await ctx.waitFor(
    async () => {
      last = await podLogs(ctx, pod, container).catch(() => '');
      return last.includes(substring);
    },
    { timeoutMs, intervalMs: 2000, message: `log of container ${container} of pod ${pod} to contain ${JSON.stringify(substring)}`, describe: () => `last output:\n${last.split('\n').slice(-5).join('\n')}` },
  ).catch((e: unknown) => fail(`log of container ${container} of pod ${pod} never contained ${JSON.stringify(substring)}; last lines:\n${last.split('\n').slice(-5).join('\n')}`, e));
}

/** volumeMount builds one volume mount. */
export const mount = (name: string, mountPath: string, readOnly = false): KubeObject => ({ name, mountPath, ...(readOnly ? { readOnly } : {}) });
