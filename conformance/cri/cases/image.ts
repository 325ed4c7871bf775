/**
 * Images (critest image.go, image_consistency.go, image_id_consistency.go), against images that
 * are pulled by their ordinary names. The cases that remove images are serial and re-pull what they
 * removed, because the other cases run containers from the same images.
 */
import * as grpc from '@grpc/grpc-js';
import type { Image } from '#generated/cri/api.ts';
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectGrpcError, expectMatch, expectTrue, fail } from '../framework/expect.ts';
import type { Framework } from '../framework/framework.ts';

const D = '[k8s.io] Image Manager';
const C = '[k8s.io] Image Consistency';
const I = '[k8s.io] Image Identifier Consistency';

/** normalizeImageName gives the fully qualified form of a short image name (docker.io/library/x:latest). */
export function normalizeImageName(ref: string): string {
  let name = ref;
  const at = name.indexOf('@');
  const digest = at >= 0 ? name.slice(at) : '';
  if (at >= 0) name = name.slice(0, at);
  const first = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  const lastSlash = name.lastIndexOf('/');
  if (!digest && !name.slice(lastSlash).includes(':')) name += ':latest';
  return name + digest;
}

async function status(f: Framework, image: string): Promise<Image | undefined> {
  return (await f.image.imageStatus({ image: { image } }, { signal: f.signal })).image;
}

async function pull(f: Framework, image: string): Promise<string> {
  const r = await f.image.pullImage({ image: { image } }, { signal: f.signal, timeoutMs: 300_000 });
  expectTrue(r.imageRef !== '', `PullImage ${image}: empty image_ref`);
  return r.imageRef;
}

async function removeAndForget(f: Framework, image: string): Promise<void> {
  const st = await status(f, image);
  if (st) await f.image.removeImage({ image: { image: st.id } }, { signal: f.signal });
  f.suite.forgetImage(image);
}

/** repullLater makes sure the image is back when the case ends (other cases need it). */
function repullLater(f: Framework, image: string): void {
  f.defer(`re-pull ${image}`, async () => {
    f.suite.forgetImage(image);
    await f.suite.ensureImage(image);
  });
}

/** imageCases are the pull, status, list, remove, digests, auth and image-ID consistency cases. */
export const imageCases = defineCases([
  {
    name: `${D} public image with tag should be pulled and removed [Conformance]`,
    serial: true,
    async run(f) {
      const image = f.images.pause;
      repullLater(f, image);
      const ref = await pull(f, image);
      const st = await status(f, image);
      if (!st) fail(`ImageStatus ${image} after PullImage: image not found`);
      expectEqual(st.id, ref, 'ImageStatus.id vs PullImage.image_ref');
      expectTrue(Number(st.size) > 0, `ImageStatus.size is ${st.size}`);
      expectTrue(st.repoTags.includes(normalizeImageName(image)), `ImageStatus.repo_tags ${JSON.stringify(st.repoTags)} lacks ${normalizeImageName(image)}`);
      await f.image.removeImage({ image: { image: st.id } }, { signal: f.signal });
      f.suite.forgetImage(image);
      expectEqual(await status(f, image), undefined, `ImageStatus ${image} after RemoveImage`);
    },
  },
  {
    name: `${D} public image without tag should be pulled and removed [Conformance]`,
    serial: true,
    async run(f) {
      const image = f.images.busybox.replace(/:[^/:@]+$/, '');
      repullLater(f, f.images.busybox);
      await pull(f, image);
      const st = await status(f, image);
      if (!st) fail(`ImageStatus ${image} after PullImage: image not found`);
      expectTrue(st.repoTags.includes(normalizeImageName(image)), `ImageStatus.repo_tags ${JSON.stringify(st.repoTags)} lacks ${normalizeImageName(image)} (":latest" implied)`);
      await f.image.removeImage({ image: { image: st.id } }, { signal: f.signal });
      f.suite.forgetImage(f.images.busybox);
      expectEqual(await status(f, image), undefined, `ImageStatus ${image} after RemoveImage`);
    },
  },
  {
    name: `${D} public image with digest should be pulled and removed [Conformance]`,
    serial: true,
    async run(f) {
      const image = f.images.pause;
      repullLater(f, image);
      await pull(f, image);
      const st = await status(f, image);
      const digestRef = st?.repoDigests[0];
      if (!digestRef) fail(`ImageStatus ${image}: no repo_digests to pull by`);
      await removeAndForget(f, image);
      const ref = await pull(f, digestRef);
      const byDigest = await status(f, digestRef);
      if (!byDigest) fail(`ImageStatus ${digestRef} after pulling by digest: not found`);
      expectEqual(byDigest.id, ref, 'ImageStatus.id vs PullImage.image_ref (by digest)');
      expectEqual(byDigest.repoTags, [], 'repo_tags of an image pulled only by digest');
      expectTrue(byDigest.repoDigests.includes(digestRef), `repo_digests ${JSON.stringify(byDigest.repoDigests)} lacks ${digestRef}`);
      await f.image.removeImage({ image: { image: byDigest.id } }, { signal: f.signal });
      expectEqual(await status(f, digestRef), undefined, `ImageStatus ${digestRef} after RemoveImage`);
    },
  },
  {
    name: `${D} public image should timeout if requested [Conformance]`,
    async run(f) {
      await expectGrpcError(
        f.image.pullImage({ image: { image: `${f.images.pause}-timeout-${f.uid()}` } }, { signal: f.signal, timeoutMs: 1 }),
        'PullImage with a 1 ms deadline',
        [grpc.status.DEADLINE_EXCEEDED],
      );
    },
  },
  {
    name: `${D} image status should support all kinds of references [Conformance]`,
    async run(f) {
      const image = f.images.busybox;
      await f.suite.ensureImage(image, f.signal);
      const st = await status(f, image);
      if (!st) fail(`ImageStatus ${image}: not found`);
      const refs = [st.id, ...st.repoTags, ...st.repoDigests];
      for (const ref of refs) {
        const other = await status(f, ref);
        if (!other) fail(`ImageStatus by reference ${ref}: not found`);
        expectEqual(other, st, `ImageStatus by reference ${ref}`);
      }
    },
  },
  {
    name: `${D} image status should return nil for an image that is not present [Conformance]`,
    async run(f) {
      const missing = `${f.images.busybox.replace(/:[^/:@]+$/, '')}:not-present-${f.uid()}`;
      expectEqual(await status(f, missing), undefined, `ImageStatus of ${missing}`);
    },
  },
  {
    name: '[kubets] Image Manager pulling an image that does not exist should fail with NOT_FOUND',
    async run(f) {
      const missing = `${f.images.busybox.replace(/:[^/:@]+$/, '')}:does-not-exist-${f.uid()}`;
      const err = await expectGrpcError(f.image.pullImage({ image: { image: missing } }, { signal: f.signal, timeoutMs: 60_000 }), `PullImage ${missing}`);
      expectMatch(err.message, /NOT_?FOUND|not ?found/i, `error of PullImage ${missing}`);
    },
  },
  {
    name: `${D} listImage should get exactly the pulled images in the result list [Conformance]`,
    async run(f) {
      await f.suite.ensureImage(f.images.busybox, f.signal);
      await f.suite.ensureImage(f.images.pause, f.signal);
      const list = (await f.image.listImages({}, { signal: f.signal })).images;
      for (const image of [f.images.busybox, f.images.pause]) {
        const st = await status(f, image);
        if (!st) fail(`ImageStatus ${image}: not found`);
        const hits = list.filter((i) => i.id === st.id);
        expectEqual(hits.length, 1, `ListImages entries with id ${st.id} (${image})`);
        expectTrue(hits[0]!.repoTags.includes(normalizeImageName(image)), `ListImages repo_tags ${JSON.stringify(hits[0]!.repoTags)} lack ${normalizeImageName(image)}`);
      }
      // containerd 1.6 ignores ListImages' filter (CRI leaves it loosely defined), so it is not checked.
    },
  },
  {
    name: `${D} removing image from one registry should remove all tags from other registries [Conformance]`,
    serial: true,
    async run(f) {
      const alias = f.images.busyboxAlias;
      if (!alias) f.skip('no second registry name of the busybox image configured (--busybox-alias-image)');
      repullLater(f, f.images.busybox);
      await pull(f, f.images.busybox);
      await pull(f, alias);
      const a = await status(f, f.images.busybox);
      const b = await status(f, alias);
      if (!a || !b) fail('ImageStatus of one of the two names: not found');
      expectEqual(b.id, a.id, `image ID of ${alias} vs ${f.images.busybox}`);
      for (const n of [f.images.busybox, alias]) {
        expectTrue(a.repoTags.includes(normalizeImageName(n)), `repo_tags ${JSON.stringify(a.repoTags)} lack ${normalizeImageName(n)}`);
      }
      await f.image.removeImage({ image: { image: alias } }, { signal: f.signal });
      f.suite.forgetImage(f.images.busybox);
      expectEqual(await status(f, f.images.busybox), undefined, `ImageStatus ${f.images.busybox} after removing ${alias}`);
      expectEqual(await status(f, alias), undefined, `ImageStatus ${alias} after removing it`);
    },
  },
  {
    name: '[kubets] Image Manager should pull an image with registry credentials',
    serial: true,
    async run(f) {
      const auth = f.suite.options.authImage;
      if (!auth) return f.skip('no authenticated registry configured (--auth-image, --auth-username, --auth-password)');
      await removeAndForget(f, auth.image).catch(() => undefined);
      await expectGrpcError(f.image.pullImage({ image: { image: auth.image } }, { signal: f.signal, timeoutMs: 60_000 }), `PullImage ${auth.image} without credentials`);
      const ref = await f.image.pullImage({ image: { image: auth.image }, auth: { username: auth.username, password: auth.password } }, { signal: f.signal, timeoutMs: 120_000 });
      expectTrue(ref.imageRef !== '', 'PullImage with credentials: empty image_ref');
      const st = await status(f, auth.image);
      expectEqual(st?.id, ref.imageRef, `ImageStatus ${auth.image} after the authenticated pull`);
      await f.image.removeImage({ image: { image: ref.imageRef } }, { signal: f.signal });
    },
  },
  {
    name: `${C} should list and get image status immediately after pulling`,
    serial: true,
    async run(f) {
      const image = f.images.pause;
      repullLater(f, image);
      await removeAndForget(f, image);
      const ref = await pull(f, image);
      const st = await status(f, image);
      expectEqual(st?.id, ref, 'ImageStatus right after PullImage');
      const listed = (await f.image.listImages({}, { signal: f.signal })).images.some((i) => i.id === ref);
      expectTrue(listed, 'ListImages right after PullImage does not list the image');
    },
  },
  {
    name: `${C} should not list or get image status immediately after removal`,
    serial: true,
    async run(f) {
      const image = f.images.pause;
      repullLater(f, image);
      const ref = await pull(f, image);
      await f.image.removeImage({ image: { image: ref } }, { signal: f.signal });
      f.suite.forgetImage(image);
      expectEqual(await status(f, image), undefined, 'ImageStatus right after RemoveImage');
      const listed = (await f.image.listImages({}, { signal: f.signal })).images.some((i) => i.id === ref);
      expectTrue(!listed, 'ListImages right after RemoveImage still lists the image');
    },
  },
  {
    name: `${C} should not fail on simultaneous RemoveImage calls`,
    serial: true,
    async run(f) {
      const image = f.images.pause;
      repullLater(f, image);
      const ref = await pull(f, image);
      f.suite.forgetImage(image);
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => f.image.removeImage({ image: { image: ref } }, { signal: f.signal })));
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      if (failed.length > 0) fail(`${failed.length} of 5 simultaneous RemoveImage calls failed: ${String(failed[0]!.reason)}`);
      expectEqual(await status(f, image), undefined, 'ImageStatus after simultaneous RemoveImage calls');
    },
  },
  {
    name: `${I} should return the same image identifier across all APIs`,
    async run(f) {
      const image = f.images.busybox;
      const ref = await f.suite.ensureImage(image, f.signal);
      const st = await status(f, image);
      expectEqual(st?.id, ref, 'ImageStatus.id vs the pulled image_ref');
      const pod = await f.newPod('image-id');
      const c = await f.runContainer(pod, 'image-id');
      const cs = await f.containerStatus(c);
      const listed = (await f.runtime.listContainers({ filter: { id: c } }, { signal: f.signal })).containers[0];
      // image_ref may be the image ID or one of its repo digests; image_id (CRI 1.36) must be the ID.
      const same = [ref, ...(st?.repoDigests ?? [])];
      expectTrue(same.includes(cs.imageRef), `ContainerStatus.image_ref ${cs.imageRef} is neither the image ID ${ref} nor one of its repo digests`);
      expectTrue(listed !== undefined && same.includes(listed.imageRef), `Container.image_ref ${listed?.imageRef} in ListContainers is neither the image ID nor a repo digest`);
      if (cs.imageId) expectEqual(cs.imageId, ref, 'ContainerStatus.image_id');
      if (listed?.imageId) expectEqual(listed.imageId, ref, 'Container.image_id in ListContainers');
    },
  },
]);
