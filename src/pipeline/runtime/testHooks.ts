/**
 * Test-only worker requests, outside the shared WorkerRequest union: they exist so tests can prove
 * crash recovery and the bounded queue wait with real workers. Workers honour them only when the
 * pool was created while `CLONECAST_TEST_HOOKS=1` was set, so a production pool cannot be crashed.
 */

import type { ModelKey } from './tasks.js';

/** Environment flag that enables the hooks (read when a pool is created). */
export const TEST_HOOKS_ENV = 'CLONECAST_TEST_HOOKS';

export type TestHookRequest =
  /** The worker throws an uncaught exception: its thread dies as a real crash would. */
  | { readonly kind: 'test-crash'; readonly id: number }
  /** The worker blocks for `ms` milliseconds, then answers `ran` with no outputs. */
  | { readonly kind: 'test-sleep'; readonly id: number; readonly ms: number }
  /** Arms the worker that takes it (answered `ran` at once): its next task of `task` meets `fault`. */
  | { readonly kind: 'test-arm-fault'; readonly id: number; readonly task: FaultTask; readonly fault: FaultKind };

/** Tasks an armed fault fires on: vocoder steps, any synthesizer model (`synth`), or one model role. */
export type FaultTask = 'vocode' | 'synth' | ModelKey;

/**
 * What an armed worker does on the task: `crash` throws uncaught (the thread dies with an error),
 * `exit` ends the thread (`process.exit(70)` inside it), `throw` fails only that model call (the
 * worker answers `failed` and lives on).
 */
export type FaultKind = 'crash' | 'exit' | 'throw';

/** A test hook as callers send it (the pool adds the id). */
export type TestHook =
  | { readonly kind: 'test-crash' }
  | { readonly kind: 'test-sleep'; readonly ms: number }
  | { readonly kind: 'test-arm-fault'; readonly task: FaultTask; readonly fault: FaultKind };

/** True when a task labelled `label` (a model role or 'vocode') is one `task` names. */
export function faultMatches(task: FaultTask, label: ModelKey | 'vocode'): boolean {
  return task === label || (task === 'synth' && (label === 'synthEncoder' || label === 'synthDecoder'));
}

export function testHooksEnabled(): boolean {
  return process.env[TEST_HOOKS_ENV] === '1';
}
