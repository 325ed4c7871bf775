import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import type { Node } from '#generated/k8s/index.ts';
import { readMachineInfo, setConditions, type NodeConditionInput } from './setters.ts';

const input = (o: Partial<NodeConditionInput> = {}): NodeConditionInput => ({ now: '2026-11-27T00:00:00Z', runtimeErrors: [], networkErrors: [], memoryPressure: false, diskPressure: false, pidPressure: false, ...o });

const cases: { name: string; steps: Partial<NodeConditionInput>[]; want: string[] }[] = [
  { name: 'a new node: every condition transitions once', steps: [{}], want: ['NodeHasSufficientMemory', 'NodeHasNoDiskPressure', 'NodeHasSufficientPID', 'NodeReady'] },
  { name: 'an unchanged status: no events', steps: [{}, {}], want: [] },
  { name: 'memory pressure and a runtime error appear', steps: [{}, { memoryPressure: true, runtimeErrors: ['container runtime is down'] }], want: ['NodeHasInsufficientMemory', 'NodeNotReady'] },
  { name: 'disk and PID pressure appear', steps: [{}, { diskPressure: true, pidPressure: true }], want: ['NodeHasDiskPressure', 'NodeHasInsufficientPID'] },
];
for (const tc of cases) {
  test(`setConditions events: ${tc.name}`, (t) => {
    const node: Node = {};
    let last: string[] = [];
    for (const step of tc.steps) last = setConditions(node, input(step));
    t.deepEqual(last, tc.want);
  });
}

test('readMachineInfo: systemUUID from DMI, else the machine ID; bootID and machineID read', (t) => {
  const info = readMachineInfo('/');
  const machineID = existsSync('/etc/machine-id') ? readFileSync('/etc/machine-id', 'utf8').trim() : '';
  if (machineID) t.is(info.machineID, machineID);
  if (info.machineID) t.truthy(info.systemUUID);
  t.regex(info.bootID, /^[0-9a-f-]{36}$/);
});
