import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import type { Node } from '#generated/k8s/index.ts';
import { readMachineInfo, setConditions, setMachineInfo, type MachineInfo, type NodeConditionInput } from './setters.ts';

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

test('setMachineInfo: an extended resource patched into capacity is kept and becomes allocatable; machine entries are overwritten', (t) => {
  const info: MachineInfo = { numCores: 2, memoryCapacityBytes: 4 * 1024 ** 3, rootfsCapacityBytes: 100 * 1024 ** 3, machineID: 'm', systemUUID: 'u', bootID: 'b', kernelVersion: 'k', osImage: 'o', operatingSystem: 'linux', architecture: 'amd64' };
  const node: Node = { metadata: { name: 'n' }, status: { capacity: { cpu: '64', 'scheduling.k8s.io/foo': '3' }, allocatable: { 'example.com/gone': '1' } } };
  setMachineInfo(node, info, 110);
  t.is(node.status?.capacity?.['cpu'], '2');
  t.is(node.status?.capacity?.['scheduling.k8s.io/foo'], '3');
  t.is(node.status?.allocatable?.['scheduling.k8s.io/foo'], '3');
  t.is(node.status?.allocatable?.['example.com/gone'], undefined);
});
