/**
 * Errors raised by the inference runtime. Each has a stable `code` the server maps onto its
 * protocol error codes (docs/protocol.md); messages are for humans and logs.
 */

/** Codes of every runtime error, stable across releases. */
export type RuntimeErrorCode = 'busy' | 'worker_crashed' | 'inference_failed' | 'vocoder_unavailable' | 'pool_closed' | 'aborted';

/** Base class: `code` is what callers branch on. */
export class RuntimeError extends Error {
  constructor(readonly code: RuntimeErrorCode, message: string) {
    super(message);
    this.name = 'RuntimeError';
  }
}

/** The pool did not start a task within its bounded wait (or its queue is full): retry later. */
export class BusyError extends RuntimeError {
  constructor(readonly waitedMs: number, reason: string) {
    super('busy', `inference pool busy: ${reason}`);
    this.name = 'BusyError';
  }
}

/** The worker running the task died; the task may be retried (the pool has replaced the worker). */
export class WorkerCrashedError extends RuntimeError {
  constructor(detail: string) {
    super('worker_crashed', `inference worker crashed: ${detail}`);
    this.name = 'WorkerCrashedError';
  }
}

/** True when `err` is a runtime error with the given code. */
export function hasRuntimeCode(err: unknown, code: RuntimeErrorCode): boolean {
  return err instanceof RuntimeError && err.code === code;
}
