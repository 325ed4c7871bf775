import test from 'ava';
import type { Pod, Secret } from '#generated/k8s/index.ts';
import { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
import type { ImageService } from '../kuberuntime/cri-services.ts';
import { goDurationString, ImageManager } from './image-manager.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (auths: object): Secret => ({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } });

/** A registry at reg.io:5000 that only accepts user "right". */
function registry(seen: string[]): ImageService {
  return {
    imageStatus: async () => ({ info: {} }),
    pullImage: async (req: { auth?: { username?: string } }) => {
      seen.push(req.auth?.username ?? 'anonymous');
      if (req.auth?.username !== 'right') throw Object.assign(new Error('unauthorized'), { details: 'pull access denied: 401 Unauthorized' });
      return { imageRef: 'sha256:1' };
    },
  } as unknown as ImageService;
}

const cases: { name: string; secrets: Secret[]; tried: string[]; ok: boolean }[] = [
  { name: 'no pull secret pulls anonymously and fails', secrets: [], tried: ['anonymous'], ok: false },
  { name: 'a matching secret is used', secrets: [secret({ 'reg.io:5000': { username: 'right', password: 'p' } })], tried: ['right'], ok: true },
  { name: 'credentials are tried in turn until one works', secrets: [secret({ 'reg.io:5000/team': { username: 'wrong', password: 'p' } }), secret({ 'https://reg.io:5000/': { username: 'right', password: 'p' } })], tried: ['wrong', 'right'], ok: true },
  { name: 'a secret for another registry is not sent', secrets: [secret({ 'other.io': { username: 'right', password: 'p' } })], tried: ['anonymous'], ok: false },
];
for (const tc of cases) {
  test(`ensureImageExists with imagePullSecrets: ${tc.name}`, async (t) => {
    const seen: string[] = [];
    const m = new ImageManager({ imageService: registry(seen), clock: new FakeClock(), pullSecrets: async () => tc.secrets });
    const pod: Pod = { metadata: { uid: 'u' }, spec: { imagePullSecrets: [{ name: 'regcred' }], containers: [] } };
    const p = m.ensureImageExists(pod, { name: 'c', image: 'reg.io:5000/team/app:1' });
    if (tc.ok) t.is(await p, 'sha256:1');
    else await t.throwsAsync(p, { message: /ErrImagePull|Failed to pull image/ });
    t.deepEqual(seen, tc.tried);
  });
}

const durationCases: [number, string][] = [[0, '0s'], [198, '198ms'], [1500, '1.5s'], [15_981, '15.981s'], [2000, '2s'], [62_003, '1m2.003s'], [3_600_000, '1h0m0s']];
for (const [ms, want] of durationCases) test(`goDurationString(${ms}) is ${want}`, (t) => t.is(goDurationString(ms), want));

const eventCases: { name: string; present: boolean; policy?: string; want: [string, string] }[] = [
  { name: 'a pulled image: Pulled with the duration and the size', present: false, want: ['Pulled', 'Successfully pulled image "busybox" in 198ms (198ms including waiting). Image size: 12345 bytes.'] },
  { name: 'an image already present: Pulled "already present on machine"', present: true, want: ['Pulled', 'Container image "busybox" already present on machine'] },
];
for (const tc of eventCases) {
  test(`ensureImageExists events: ${tc.name}`, async (t) => {
    const clock = new FakeClock(1000);
    let pulled = tc.present;
    const images = {
      imageStatus: async () => ({ image: pulled ? { id: 'sha256:1', size: '12345' } : undefined, info: {} }),
      pullImage: async () => {
        clock.step(198);
        pulled = true;
        return { imageRef: 'sha256:1' };
      },
    } as unknown as ImageService;
    const events: [string, string][] = [];
    const m = new ImageManager({ imageService: images, clock, onEvent: (_p, _type, reason, message) => events.push([reason, message]) });
    await m.ensureImageExists({ metadata: { uid: 'u' }, spec: { containers: [] } }, { name: 'c', image: 'busybox', imagePullPolicy: tc.policy ?? 'IfNotPresent' });
    t.deepEqual(events.at(-1), tc.want);
  });
}
