import { buildImages } from '../../../tools/images/build.ts';
import { pushImages } from '../../../tools/images/push.ts';
const imgs = await buildImages({ outDir: '/tmp/crival-dev/imgs' } as any);
console.log(await pushImages({ registry: process.argv[2]!, images: imgs }));
