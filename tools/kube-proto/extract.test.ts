import test from 'ava';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { extractDescriptors } from './extract.ts';

const descriptor = (name: string, pkg: string): Buffer =>
  gzipSync(toBinary(FileDescriptorProtoSchema, create(FileDescriptorProtoSchema, { name, package: pkg, messageType: [{ name: 'Thing', field: [{ name: 'x', number: 1 }] }] })));

const cases: { name: string; binary: Buffer; want: string[] }[] = [
  {
    name: 'descriptors between other bytes are found and sorted by name',
    binary: Buffer.concat([Buffer.from('\x7fELF garbage'), descriptor('k8s.io/api/core/v1/generated.proto', 'k8s.io.api.core.v1'), Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2]), descriptor('k8s.io/api/apps/v1/generated.proto', 'k8s.io.api.apps.v1')]),
    want: ['k8s.io/api/apps/v1/generated.proto', 'k8s.io/api/core/v1/generated.proto'],
  },
  {
    name: 'back-to-back gzip members are read one at a time',
    binary: Buffer.concat([descriptor('k8s.io/api/rbac/v1/generated.proto', 'k8s.io.api.rbac.v1'), descriptor('k8s.io/api/rbac/v1beta1/generated.proto', 'k8s.io.api.rbac.v1beta1')]),
    want: ['k8s.io/api/rbac/v1/generated.proto', 'k8s.io/api/rbac/v1beta1/generated.proto'],
  },
  {
    name: 'descriptors outside k8s.io and other gzip payloads are ignored',
    binary: Buffer.concat([descriptor('google/protobuf/descriptor.proto', 'google.protobuf'), gzipSync(Buffer.from('hello')), descriptor('k8s.io/apimachinery/pkg/runtime/generated.proto', 'k8s.io.apimachinery.pkg.runtime')]),
    want: ['k8s.io/apimachinery/pkg/runtime/generated.proto'],
  },
];

for (const tc of cases) {
  test(tc.name, (t) => {
    t.deepEqual(
      extractDescriptors(tc.binary).map((f) => f.name),
      tc.want,
    );
  });
}
