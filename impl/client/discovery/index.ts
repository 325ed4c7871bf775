/** The discovery client (client-go `discovery`): served resources in their preferred versions. */
export * from './discovery-client.ts';
