/**
 * Runtime info: Version and Status (critest runtime_info.go), plus ImageFsInfo and a verbose
 * Status, which critest does not exercise.
 */
import { defineCases } from '../framework/case.ts';
import { expectEqual, expectTrue, fail } from '../framework/expect.ts';

const D = '[k8s.io] Runtime info runtime should support returning runtime info';

/** runtimeInfoCases are the Version, Status and ImageFsInfo cases. */
export const runtimeInfoCases = defineCases([
  {
    name: `${D} runtime should return version info [Conformance]`,
    async run(f) {
      const v = await f.runtime.version({ version: '0.1.0' }, { signal: f.signal });
      expectTrue(v.version !== '', 'Version.version is empty');
      expectTrue(v.runtimeName !== '', 'Version.runtime_name is empty');
      expectTrue(v.runtimeVersion !== '', 'Version.runtime_version is empty');
      expectTrue(v.runtimeApiVersion !== '', 'Version.runtime_api_version is empty');
      f.step(`runtime ${v.runtimeName} ${v.runtimeVersion}, API ${v.runtimeApiVersion}`);
    },
  },
  {
    name: `${D} runtime should return runtime conditions [Conformance]`,
    async run(f) {
      const s = await f.runtime.status({ verbose: false }, { signal: f.signal });
      const conds = s.status?.conditions ?? [];
      for (const type of ['RuntimeReady', 'NetworkReady']) {
        const c = conds.find((x) => x.type === type);
        if (!c) fail(`Status: condition ${type} is missing (conditions: ${JSON.stringify(conds)})`);
        if (!c.status) fail(`Status: condition ${type} is false: ${c.reason} ${c.message}`);
      }
    },
  },
  {
    name: '[kubets] Runtime info runtime should return verbose status info',
    async run(f) {
      const s = await f.runtime.status({ verbose: true }, { signal: f.signal });
      expectTrue(s.status !== undefined, 'Status(verbose): no status');
      expectTrue(Object.keys(s.info).length > 0, 'Status(verbose): info map is empty; a verbose status should carry runtime details');
    },
  },
  {
    name: '[kubets] Runtime info runtime should return image filesystem info',
    async run(f) {
      const r = await f.orSkipUnimplemented(f.image.imageFsInfo({}, { signal: f.signal }), 'ImageFsInfo');
      expectTrue(r.imageFilesystems.length > 0, 'ImageFsInfo: no image filesystems');
      const fs = r.imageFilesystems[0]!;
      expectTrue(fs.fsId?.mountpoint, 'ImageFsInfo: image filesystem has no mountpoint');
      expectTrue(fs.timestamp !== '0', 'ImageFsInfo: timestamp is 0');
      expectEqual(typeof fs.usedBytes?.value, 'string', 'ImageFsInfo: used_bytes');
    },
  },
]);
