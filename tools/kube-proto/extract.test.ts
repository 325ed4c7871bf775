import test from 'ava';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { extractDescriptors, extractRawDescriptors } from './extract.ts';

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

const raw = (name: string, pkg: string): Buffer =>
  Buffer.from(
    toBinary(
      FileDescriptorProtoSchema,
      create(FileDescriptorProtoSchema, { name, package: pkg, dependency: ['google/protobuf/any.proto'], messageType: [{ name: 'Document', field: [{ name: 'swagger', number: 1 }] }], syntax: 'proto3' }),
    ),
  );

const rawCases: { name: string; binary: Buffer; want: { name: string; pkg: string; messages: string[] }[] }[] = [
  {
    name: 'a raw (uncompressed) descriptor is found by name and cut where the next constant begins',
    // Go's rodata packs constants back to back: here another string that starts like field 1.
    binary: Buffer.concat([Buffer.from('\x00\x01openapiv2/OpenAPIv2.proto is mentioned in passing\x00'), raw('openapiv2/OpenAPIv2.proto', 'openapi.v2'), Buffer.from('\x0a\x03abc\x12\x01x')]),
    want: [{ name: 'openapiv2/OpenAPIv2.proto', pkg: 'openapi.v2', messages: ['Document'] }],
  },
  {
    name: 'a descriptor at the very end of the binary',
    binary: Buffer.concat([Buffer.from('garbage'), raw('openapiv2/OpenAPIv2.proto', 'openapi.v2')]),
    want: [{ name: 'openapiv2/OpenAPIv2.proto', pkg: 'openapi.v2', messages: ['Document'] }],
  },
  {
    name: 'a name that only appears as a string is not a descriptor',
    binary: Buffer.from('\x0a\x19openapiv2/OpenAPIv2.proto\xff\xff\xff'),
    want: [],
  },
];

for (const tc of rawCases) {
  test(`extractRawDescriptors: ${tc.name}`, (t) => {
    t.deepEqual(
      extractRawDescriptors(tc.binary, ['openapiv2/OpenAPIv2.proto']).map((f) => ({ name: f.name, pkg: f.package, messages: f.messageType.map((m) => m.name) })),
      tc.want,
    );
  });
}
