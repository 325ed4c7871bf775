/**
 * RemoteImageService is the typed client of CRI `runtime.v1.ImageService` (upstream:
 * pkg/kubelet/cri/remote/remote_image.go), over the shared {@link InstrumentedClient}.
 *
 * PullImage gets no deadline by default (a pull takes as long as the image is big; the kubelet
 * bounds it by progress instead) and is retried on UNAVAILABLE: pulling twice is harmless.
 * RemoveImage passes NotFound through unless `tolerateNotFound` (api.proto line 153: "This call is
 * idempotent, and must not return an error if the image has already been removed").
 */
import {
  ImageServiceService as Def,
  ImageFsInfoRequest,
  ImageStatusRequest,
  ListImagesRequest,
  PullImageRequest,
  RemoveImageRequest,
  type DeepPartial,
  type ImageFsInfoResponse,
  type ImageStatusResponse,
  type ListImagesResponse,
  type PullImageResponse,
  type RemoveImageResponse,
} from '#generated/cri/api.ts';
import { isNotFound } from './errors.ts';
import { InstrumentedClient, type CallOptions, type InstrumentedClientOptions } from './instrumented-client.ts';

/** RemoteImageServiceOptions configure a {@link RemoteImageService}. */
export interface RemoteImageServiceOptions extends InstrumentedClientOptions {
  tolerateNotFound?: boolean;
  /** client shares an existing InstrumentedClient (same endpoint as the runtime service). */
  client?: InstrumentedClient;
}

/** RemoteImageService: see the module comment. */
export class RemoteImageService {
  readonly client: InstrumentedClient;
  private readonly tolerateNotFound: boolean;

  constructor(opts: RemoteImageServiceOptions) {
    this.client = opts.client ?? new InstrumentedClient(opts);
    this.tolerateNotFound = opts.tolerateNotFound ?? false;
  }

  /** listImages lists images matching the filter. */
  listImages(req: DeepPartial<ListImagesRequest> = {}, o?: CallOptions): Promise<ListImagesResponse> {
    return this.client.unary(Def.listImages, ListImagesRequest.fromPartial(req), { ...o, idempotent: true });
  }
  /** imageStatus returns the image (or no `image` field when absent: that is not an error). */
  imageStatus(req: DeepPartial<ImageStatusRequest>, o?: CallOptions): Promise<ImageStatusResponse> {
    return this.client.unary(Def.imageStatus, ImageStatusRequest.fromPartial(req), { ...o, idempotent: true });
  }
  /** pullImage pulls an image; returns the image reference (digest-pinned ID). No deadline by default. */
  pullImage(req: DeepPartial<PullImageRequest>, o?: CallOptions): Promise<PullImageResponse> {
    return this.client.unary(Def.pullImage, PullImageRequest.fromPartial(req), { timeoutMs: 0, ...o, idempotent: true });
  }
  /** removeImage removes an image (all its tags). */
  async removeImage(req: DeepPartial<RemoveImageRequest>, o?: CallOptions): Promise<RemoveImageResponse> {
    try {
      return await this.client.unary(Def.removeImage, RemoveImageRequest.fromPartial(req), { ...o, idempotent: true });
    } catch (err) {
      if (this.tolerateNotFound && isNotFound(err)) return {};
      throw err;
    }
  }
  /** imageFsInfo returns usage of the image filesystem(s). */
  imageFsInfo(req: DeepPartial<ImageFsInfoRequest> = {}, o?: CallOptions): Promise<ImageFsInfoResponse> {
    return this.client.unary(Def.imageFsInfo, ImageFsInfoRequest.fromPartial(req), { ...o, idempotent: true });
  }

  close(): void {
    this.client.close();
  }
}
