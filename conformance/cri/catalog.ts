/**
 * criCases is the catalog of every CRI validation case, in run order. Each case file groups the
 * cases of one critest Describe (plus the kubets additions of the same area).
 */
import type { CriCase } from './framework/case.ts';
import { runtimeInfoCases } from './cases/runtime-info.ts';
import { podCases } from './cases/pod.ts';
import { containerCases } from './cases/container.ts';
import { idempotenceCases } from './cases/idempotence.ts';
import { imageCases } from './cases/image.ts';
import { networkingCases } from './cases/networking.ts';
import { streamingCases } from './cases/streaming.ts';
import { securityContextCases } from './cases/security-context.ts';
import { containerLinuxCases } from './cases/container-linux.ts';

export const criCases: readonly CriCase[] = [
  ...runtimeInfoCases,
  ...podCases,
  ...containerCases,
  ...idempotenceCases,
  ...containerLinuxCases,
  ...networkingCases,
  ...streamingCases,
  ...securityContextCases,
  ...imageCases,
];
