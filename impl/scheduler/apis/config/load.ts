/**
 * loadConfigFile reads a KubeSchedulerConfiguration file (YAML or JSON), checks its
 * apiVersion/kind and validates it (upstream `options.LoadConfigFromFile` + validation).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { API_VERSION, type KubeSchedulerConfiguration } from './types.ts';

/** loadConfigFile parses and validates the file; errors name the file. */
export function loadConfigFile(path: string): KubeSchedulerConfiguration {
  const text = readFileSync(path, 'utf8');
  let cfg: KubeSchedulerConfiguration;
  try {
    cfg = parseYaml(text) as KubeSchedulerConfiguration;
  } catch (err) {
    throw new Error(`couldn't decode as KubeSchedulerConfiguration: ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeConfig(cfg, path);
}

/** decodeConfig checks apiVersion/kind and validates an already-parsed configuration. */
export function decodeConfig(cfg: KubeSchedulerConfiguration, source = 'config'): KubeSchedulerConfiguration {
  if (!cfg || typeof cfg !== 'object') throw new Error(`${source}: not a KubeSchedulerConfiguration`);
  if (cfg.kind !== 'KubeSchedulerConfiguration') throw new Error(`${source}: kind must be KubeSchedulerConfiguration, not ${String(cfg.kind)}`);
  if (cfg.apiVersion !== API_VERSION) throw new Error(`${source}: no kind "KubeSchedulerConfiguration" is registered for version "${String(cfg.apiVersion)}"`);
  const errs = validateConfig(cfg);
  if (errs.length) throw new Error(`${source}: invalid KubeSchedulerConfiguration: ${errs.join(', ')}`);
  return cfg;
}

/** validateConfig returns upstream-style field errors (empty when valid). */
export function validateConfig(cfg: KubeSchedulerConfiguration): string[] {
  const errs: string[] = [];
  if (cfg.parallelism !== undefined && cfg.parallelism <= 0) errs.push(`parallelism: Invalid value: ${cfg.parallelism}: should be an integer value greater than zero`);
  const pct = (v: number | undefined, path: string): void => {
    if (v !== undefined && (v < 0 || v > 100)) errs.push(`${path}: Invalid value: ${v}: not in valid range [0-100]`);
  };
  pct(cfg.percentageOfNodesToScore, 'percentageOfNodesToScore');
  if (cfg.podInitialBackoffSeconds !== undefined && cfg.podInitialBackoffSeconds <= 0) errs.push('podInitialBackoffSeconds: Invalid value: must be greater than 0');
  if (cfg.podMaxBackoffSeconds !== undefined && cfg.podMaxBackoffSeconds < (cfg.podInitialBackoffSeconds ?? 1)) {
    errs.push('podMaxBackoffSeconds: Invalid value: must be greater than or equal to PodInitialBackoffSeconds');
  }
  const seen = new Set<string>();
  (cfg.profiles ?? []).forEach((p, i) => {
    const name = p.schedulerName ?? 'default-scheduler';
    if (seen.has(name)) errs.push(`profiles[${i}].schedulerName: Duplicate value: "${name}"`);
    seen.add(name);
    pct(p.percentageOfNodesToScore, `profiles[${i}].percentageOfNodesToScore`);
  });
  return errs;
}
