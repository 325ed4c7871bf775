/** YAML parsing and printing, loaded on first use (sigs.k8s.io/yaml). */
export * from './yaml.ts';
