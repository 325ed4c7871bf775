/**
 * YAML for every component, loaded on first use: the `yaml` package is only needed for YAML
 * request bodies, kubeconfig and config files, so a process that never reads YAML never loads it
 * (it is a good part of the apiserver's start-up module loading otherwise).
 *
 * upstream: sigs.k8s.io/yaml (the one YAML entry point Kubernetes code uses).
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let yamlModule: typeof Yaml | undefined;

function yaml(): typeof Yaml {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}

/** parseYaml is `yaml.parse`. */
export function parseYaml(text: string, options?: Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions): unknown {
  return yaml().parse(text, options);
}

/** parseAllYamlDocuments is `yaml.parseAllDocuments` (a multi-document stream). */
export function parseAllYamlDocuments(text: string): ReturnType<typeof Yaml.parseAllDocuments> {
  return yaml().parseAllDocuments(text);
}

/** stringifyYaml is `yaml.stringify`. */
export function stringifyYaml(value: unknown): string {
  return yaml().stringify(value);
}
