import type { Command } from 'commander';

/**
 * CommandModule is one `kubets` subcommand (or group of them). Each module adds itself to the
 * root program; `commandModules` lists them in help order.
 */
export interface CommandModule {
  register(program: Command): void;
}

/** commandModules lists every subcommand module, loaded lazily so `kubets --help` stays fast. */
export const commandModules: Array<() => Promise<CommandModule>> = [
  () => import('./images.ts').then((m) => m.imagesCommand),
  () => import('./runtime.ts').then((m) => m.runtimeCommand),
  () => import('./cri-validate.ts').then((m) => m.criValidateCommand),
  () => import('./cri-bench.ts').then((m) => m.criBenchCommand),
  () => import('./conformance.ts').then((m) => m.conformance),
  () => import('./kubelet.ts').then((m) => m.kubeletCommand),
  () => import('./apiserver.ts').then((m) => m.apiserverCommand),
  () => import('./scheduler.ts').then((m) => m.schedulerCommand),
  () => import('./controller-manager.ts').then((m) => m.controllerManagerCommand),
  () => import('./proxy.ts').then((m) => m.proxyCommand),
  () => import('./dns.ts').then((m) => m.dnsCommand),
  () => import('./up.ts').then((m) => m.upCommand),
];
