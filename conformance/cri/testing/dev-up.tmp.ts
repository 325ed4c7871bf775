import { startThirdPartyContainerd } from './third-party-containerd.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
const ex = promisify(execFile);
const tp = await startThirdPartyContainerd({
  dir: '/tmp/crival-dev/ctrd',
  fillRegistry: async (reg) => {
    for (const [src, dst] of [['busybox', 'library/busybox:latest'], ['pause', 'pause:3.10']]) {
      await ex('skopeo', ['copy', '--dest-tls-verify=false', `oci:/tmp/crival-dev/${src}:latest`, `docker://${reg}/${dst}`]);
    }
  },
});
console.log(tp.endpoint, tp.registry, tp.containerdPid);
process.on('SIGTERM', async () => { await tp.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
