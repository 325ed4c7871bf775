/**
 * The clock shared by every component: the {@link Clock} interface, the wall clock, sleeps that
 * honour an AbortSignal, jitter, and the manually advanced {@link FakeClock} for tests.
 *
 * upstream: k8s.io/utils/clock and k8s.io/utils/clock/testing.
 */
export * from './clock.ts';
export * from './fake-clock.ts';
