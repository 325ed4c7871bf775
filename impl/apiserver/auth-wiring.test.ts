import test from 'ava';
import { enabledPlugins, DEFAULT_ADMISSION_PLUGINS } from './admission-wiring.ts';
import { parseAuthorizationModes } from './auth-wiring.ts';

interface ModeCase {
  name: string;
  flag: string[] | undefined;
  want?: string[];
  error?: RegExp;
}
const modeCases: ModeCase[] = [
  { name: 'default is AlwaysAllow', flag: undefined, want: ['AlwaysAllow'] },
  { name: 'comma list keeps order', flag: ['Node,RBAC'], want: ['Node', 'RBAC'] },
  { name: 'repeated flags join', flag: ['Node', 'RBAC'], want: ['Node', 'RBAC'] },
  { name: 'unknown mode is an error', flag: ['RBAC,Magic'], error: /authorization-mode "Magic" is not a valid mode/ },
  { name: 'duplicates are an error', flag: ['RBAC,RBAC'], error: /may not contain duplicates/ },
];
for (const tc of modeCases) {
  test(`parseAuthorizationModes: ${tc.name}`, (t) => {
    if (tc.error) t.throws(() => parseAuthorizationModes(tc.flag), { message: tc.error });
    else t.deepEqual(parseAuthorizationModes(tc.flag), tc.want);
  });
}

interface PluginCase {
  name: string;
  enable?: string[];
  disable?: string[];
  has?: string[];
  hasNot?: string[];
  error?: RegExp;
}
const pluginCases: PluginCase[] = [
  { name: 'CLI defaults (empty flags) are upstream\'s', enable: [], disable: [], has: [...DEFAULT_ADMISSION_PLUGINS, 'ServiceAccount', 'ResourceQuota', 'NodeRestriction', 'Priority'], hasNot: ['StorageObjectInUseProtection'] },
  { name: 'embedded defaults (no flags) leave ServiceAccount off', has: ['ResourceQuota', 'NodeRestriction', 'Priority'], hasNot: ['ServiceAccount'] },
  { name: 'enable adds', enable: ['ServiceAccount', 'ResourceQuota'], has: ['ServiceAccount', 'ResourceQuota', 'NamespaceLifecycle'] },
  { name: 'disable removes', disable: ['PodSecurity'], hasNot: ['PodSecurity'], has: ['LimitRanger'] },
  { name: 'unknown plugin is an error', enable: ['Nope'], error: /plugin "Nope" is unknown/ },
];
for (const tc of pluginCases) {
  test(`enabledPlugins: ${tc.name}`, (t) => {
    if (tc.error) {
      t.throws(() => enabledPlugins({ enable: tc.enable, disable: tc.disable }), { message: tc.error });
      return;
    }
    const got = enabledPlugins({ enable: tc.enable, disable: tc.disable });
    for (const n of tc.has ?? []) t.true(got.includes(n), n);
    for (const n of tc.hasNot ?? []) t.false(got.includes(n), n);
  });
}
