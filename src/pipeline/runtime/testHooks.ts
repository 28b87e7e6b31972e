/**
 * Test-only worker requests, outside the shared WorkerRequest union: they exist so tests can prove
 * crash recovery and the bounded queue wait with real workers. Workers honour them only when the
 * pool was created while `CLONECAST_TEST_HOOKS=1` was set, so a production pool cannot be crashed.
 */

/** Environment flag that enables the hooks (read when a pool is created). */
export const TEST_HOOKS_ENV = 'CLONECAST_TEST_HOOKS';

export type TestHookRequest =
  /** The worker throws an uncaught exception: its thread dies as a real crash would. */
  | { readonly kind: 'test-crash'; readonly id: number }
  /** The worker blocks for `ms` milliseconds, then answers `ran` with no outputs. */
  | { readonly kind: 'test-sleep'; readonly id: number; readonly ms: number };

export function testHooksEnabled(): boolean {
  return process.env[TEST_HOOKS_ENV] === '1';
}
