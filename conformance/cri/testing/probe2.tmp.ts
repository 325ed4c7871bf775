import { dialCri } from '../framework/raw-client.ts';
import { Suite, Framework } from '../framework/framework.ts';
import { DEFAULT_TEST_IMAGES } from '../validate.ts';
const cri = dialCri({ runtimeEndpoint: 'unix:///tmp/crival-dev/ctrd/containerd.sock' });
const f = new Framework(new Suite(cri, { images: DEFAULT_TEST_IMAGES, runtimeHandler: '', pollIntervalMs: 250 }), new AbortController().signal);
try {
  const pod = await f.newPod('probe');
  const web = await f.runContainer(pod, 'web', { image: { image: DEFAULT_TEST_IMAGES.testServer }, command: [], args: ['serve', '--http-port=80', '--tcp-port=8081'] });
  const c = await f.runContainer(pod, 'c');
  for (const s of process.argv.slice(2)) console.log(s, '=>', await f.execSync(c, ['sh', '-c', s]));
} finally { await f.runCleanups(); cri.close(); }
