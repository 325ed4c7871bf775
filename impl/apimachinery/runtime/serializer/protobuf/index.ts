/**
 * Public surface of the Kubernetes protobuf serializer (decoding side): request bodies of type
 * `application/vnd.kubernetes.protobuf` become the JSON objects a JSON client would have sent.
 *
 * upstream: k8s.io/apimachinery/pkg/runtime/serializer/protobuf.
 */
export { decodeProtobuf, decodeUnknown, supportsProtobuf, PROTOBUF_MAGIC, PROTOBUF_MEDIA_TYPE, type DecodeInto, type Unknown } from './protobuf.ts';
export { decodeMessage } from './message-decoder.ts';
export { ProtobufDecodeError } from './wire-reader.ts';
export { formatDuration, formatTime } from './well-known-types.ts';
