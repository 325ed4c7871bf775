/**
 * Test helpers for code that needs real storage: a throwaway etcd, the shared storage suite and a
 * fake clock.
 */
export { startEtcdServer, etcdAvailable, freePort, ETCD_BINARY, type EtcdServer, type EtcdServerOptions } from './etcd-server.ts';
export { FakeClock } from '#impl/apimachinery/util/clock/index.ts';
