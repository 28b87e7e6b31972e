/**
 * A bounded pool of inference worker threads behind the `InferenceClient` interface.
 *
 * - One task per worker at a time (or one batch of vocoder chunks of different streams).
 * - Scheduling: earliest deadline first. A task may carry a deadline (when its result is needed, e.g.
 *   before a playing stream runs dry); without one, `high` tasks go before all others and `normal`
 *   ones are due when queued (FIFO). So streams that are behind go first, then new work, and streams
 *   comfortably ahead of playback wait.
 * - Admission: a task still waiting `maxQueueWaitMs` after it was due (queued, or its deadline if
 *   later), or arriving at a full queue, is rejected with BusyError (code `busy`), so callers refuse
 *   new work instead of growing latency without bound.
 * - Crashes: a worker that dies fails only the task it held (WorkerCrashedError) and is replaced.
 * - Metrics: numbers go out through `hooks`; this module never touches prom-client.
 */
import { Worker } from 'node:worker_threads';
import { BusyError, RuntimeError, WorkerCrashedError, type RuntimeErrorCode } from './errors.js';
import type { InferenceWorkerData, ShutdownRequest, VocodeBatchRequest } from './inferenceWorker.js';
import { loadManifest, type ModelManifest } from './modelManifest.js';
import { pinNativeRuntime } from './onnxRuntime.js';
import type { InferenceClient, ModelKey, Tensor, VocodeRequest, VocodeResult, WorkerRequest, WorkerResponse } from './tasks.js';
import { testHooksEnabled, type TestHook, type TestHookRequest } from './testHooks.js';

/** What a task ran: an ONNX model by role, or a vocoder step. */
export type TaskLabel = ModelKey | 'vocode';

/** `high`: the next step of a stream already producing audio; `normal`: anything new. */
export type TaskPriority = 'high' | 'normal';

/** Observers for metrics; all durations in seconds. Exceptions thrown by hooks are ignored. */
export interface WorkerPoolHooks {
  /** Time a task spent queued before a worker took it. */
  onQueueWait?(seconds: number, task: TaskLabel): void;
  /** Time from dispatch to answer (inference plus thread hand-over). */
  onTaskDone?(task: TaskLabel, seconds: number, outcome: 'ok' | 'failed' | 'crashed'): void;
  /** A worker died (it is being replaced); `detail` is the uncaught error or exit code. */
  onWorkerExit?(detail: string): void;
  /** Vocoder chunks of `size` streams were sent to a worker as one batch (size >= 2). */
  onVocodeBatch?(size: number): void;
}

export interface WorkerPoolOptions {
  /** Models directory (default: CLONECAST_MODELS, else <repo>/models); ignored when `manifest` is given. */
  readonly modelsDir?: string;
  /** An already loaded manifest (skips loading and checksum verification). */
  readonly manifest?: ModelManifest;
  /** Worker threads (default 2: one per core of the reference machine). */
  readonly workers?: number;
  /** Longest a task may wait for a worker before BusyError (default 2000 ms). */
  readonly maxQueueWaitMs?: number;
  /** Most tasks queued at once; one more is rejected with BusyError at once (default 256). */
  readonly maxQueueLength?: number;
  /** Most vocoder chunks of different streams sent to a worker as one batch (default 8; 1 disables). */
  readonly maxVocodeBatch?: number;
  readonly hooks?: WorkerPoolHooks;
}

/** Per-call options of `run` / `vocode`. */
export interface TaskOptions {
  /** Default: `normal` for `run`, `high` for `vocode`. Ignored when `deadline` is given. */
  readonly priority?: TaskPriority;
  /** When the result is needed, in `performance.now()` milliseconds; earlier deadlines run first. */
  readonly deadline?: number;
  /** Aborting while the task is still queued removes it and rejects with code `aborted`. */
  readonly signal?: AbortSignal;
}

/** A snapshot of the pool for health checks and logs. */
export interface WorkerPoolStats {
  readonly workers: number;
  readonly readyWorkers: number;
  readonly busyWorkers: number;
  readonly queued: number;
}

export const DEFAULT_WORKERS = 2;
export const DEFAULT_MAX_QUEUE_WAIT_MS = 2000;
export const DEFAULT_MAX_QUEUE_LENGTH = 256;
export const DEFAULT_MAX_VOCODE_BATCH = 8;
/** Replacement workers that die before becoming ready, in a row, before the pool gives up. */
const MAX_CONSECUTIVE_START_FAILURES = 3;
/** `high` tasks without a deadline count as due this long before they were queued: ahead of everything else. */
const HIGH_PRIORITY_LEAD_MS = 1e9;
/** How long `close` waits for a worker to finish its task and exit before terminating it. */
const SHUTDOWN_GRACE_MS = 10000;

type OutgoingRequest = WorkerRequest | TestHookRequest;

interface Job {
  readonly id: number;
  readonly label: TaskLabel;
  readonly message: OutgoingRequest;
  readonly transfer: ArrayBuffer[];
  /** Scheduling key (ms, performance.now() clock): lowest runs first. */
  readonly due: number;
  readonly enqueuedAt: number;
  readonly resolve: (response: WorkerResponse) => void;
  readonly reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
  startedAt?: number;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Tasks the worker holds: one, or several vocoder chunks sent as one batch. */
  jobs: Job[];
  /** Message of the uncaught error that killed the worker, if any. */
  crash?: string;
}

/** Creates a pool; it starts loading at once, `pool.ready` settles when every worker has its models. */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new WorkerPool(options);
}

export class WorkerPool implements InferenceClient {
  /** Resolves with the manifest once all workers are up; rejects if the models cannot be loaded. */
  readonly ready: Promise<ModelManifest>;
  private readonly size: number;
  private readonly maxQueueWaitMs: number;
  private readonly maxQueueLength: number;
  private readonly maxBatch: number;
  private readonly hooks: WorkerPoolHooks;
  private readonly testHooks = testHooksEnabled();
  private readonly slots = new Set<Slot>();
  /** Waiting tasks in arrival order; dispatch picks the lowest `due`. */
  private readonly queue: Job[] = [];
  private manifest: ModelManifest | null = null;
  private nextId = 1;
  private closed = false;
  private broken: Error | null = null;
  private startFailures = 0;
  private engine = 'unknown';

  constructor(options: WorkerPoolOptions) {
    this.size = Math.max(1, options.workers ?? DEFAULT_WORKERS);
    this.maxQueueWaitMs = options.maxQueueWaitMs ?? DEFAULT_MAX_QUEUE_WAIT_MS;
    this.maxQueueLength = options.maxQueueLength ?? DEFAULT_MAX_QUEUE_LENGTH;
    this.maxBatch = Math.max(1, options.maxVocodeBatch ?? DEFAULT_MAX_VOCODE_BATCH);
    this.hooks = options.hooks ?? {};
    pinNativeRuntime();
    this.ready = this.start(options);
    this.ready.catch(() => undefined); // surfaced through `ready` and every task
  }

  /** Name of the vocoder engine the workers run (e.g. 'native'), or `unavailable: <why>`. */
  get vocoderEngine(): string {
    return this.engine;
  }

  /** Runs an ONNX model by role. Feed buffers are transferred when they are whole, else copied. */
  async run(model: ModelKey, feeds: Readonly<Record<string, Tensor>>, options: TaskOptions = {}): Promise<Readonly<Record<string, Tensor>>> {
    const transfer = new Set<ArrayBuffer>();
    const owned: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) owned[name] = { ...t, data: handOver(t.data, transfer) } as Tensor;
    const response = await this.submit(model, (id) => ({ kind: 'run', id, model, feeds: owned }), transfer, { priority: 'normal', ...options });
    if (response.kind !== 'ran') throw unexpected(response);
    return response.outputs;
  }

  /** One progressive vocoder step (see VocodeRequest); high priority unless told otherwise. */
  async vocode(request: VocodeRequest, options: TaskOptions = {}): Promise<VocodeResult> {
    const transfer = new Set<ArrayBuffer>();
    const owned: VocodeRequest = {
      ...request,
      mel: handOver(request.mel, transfer),
      state: request.state ? handOver(request.state, transfer) : null,
    };
    const response = await this.submit('vocode', (id) => ({ kind: 'vocode', id, request: owned }), transfer, { priority: 'high', ...options });
    if (response.kind !== 'vocoded') throw unexpected(response);
    return response.result;
  }

  /** The same pool seen as an `InferenceClient` whose tasks carry `options()` (read at each call). */
  withOptions(options: () => TaskOptions): InferenceClient {
    return {
      run: (model, feeds) => this.run(model, feeds, options()),
      vocode: (request) => this.vocode(request, options()),
    };
  }

  /**
   * Sends a test-only request (see testHooks.ts): `test-crash` kills the worker that takes it,
   * `test-sleep` occupies one for `ms`, `test-arm-fault` arms the worker that takes it to crash,
   * exit or throw on its next task of a kind (resolves once armed). Only when the pool was created
   * with CLONECAST_TEST_HOOKS=1.
   */
  async runTestHook(hook: TestHook, options: TaskOptions = {}): Promise<void> {
    if (!this.testHooks) throw new Error('test hooks are disabled (set CLONECAST_TEST_HOOKS=1 before creating the pool)');
    await this.submit('vocode', (id) => ({ ...hook, id }) as TestHookRequest, new Set(), { priority: 'normal', ...options });
  }

  stats(): WorkerPoolStats {
    let ready = 0;
    let busy = 0;
    for (const s of this.slots) {
      if (s.ready) ready++;
      if (s.jobs.length > 0) busy++;
    }
    return { workers: this.slots.size, readyWorkers: ready, busyWorkers: busy, queued: this.queue.length };
  }

  /** True while at least one worker can take tasks (for /readyz). */
  isReady(): boolean {
    return !this.closed && !this.broken && this.stats().readyWorkers > 0;
  }

  /** Stops every worker; queued and running tasks reject with code `pool_closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failQueued(new RuntimeError('pool_closed', 'inference pool closed'));
    const exits = [...this.slots].map((slot) => {
      for (const job of slot.jobs.splice(0)) job.reject(new RuntimeError('pool_closed', 'inference pool closed'));
      return this.stop(slot.worker);
    });
    await Promise.allSettled(exits);
  }

  /**
   * Asks a worker to finish its task and exit; terminates it only if it has not exited after
   * SHUTDOWN_GRACE_MS (a terminate during a native ORT call aborts the process).
   */
  private async stop(worker: Worker): Promise<void> {
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const shutdown: ShutdownRequest = { kind: 'shutdown' };
    worker.postMessage(shutdown);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SHUTDOWN_GRACE_MS)));
    if ((await Promise.race([exited, grace])) === 'late') await worker.terminate();
    clearTimeout(timer);
  }

  private async start(options: WorkerPoolOptions): Promise<ModelManifest> {
    try {
      const manifest = options.manifest ?? (await loadManifest(options.modelsDir));
      this.manifest = manifest;
      await Promise.all(Array.from({ length: this.size }, () => this.spawn()));
      return manifest;
    } catch (err) {
      this.broken = err as Error;
      this.failQueued(err as Error);
      void this.close();
      throw err;
    }
  }

  /** Starts one worker; resolves when it has loaded its models, rejects if it dies first. */
  private spawn(): Promise<void> {
    const data: InferenceWorkerData = { manifest: this.manifest!, testHooks: this.testHooks };
    const worker = new Worker(new URL('./inferenceWorker.js', import.meta.url), { workerData: data });
    const slot: Slot = { worker, ready: false, jobs: [] };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerResponse) => {
        if (message.kind === 'ready') {
          slot.ready = true;
          this.startFailures = 0;
          this.engine = message.vocoderEngine;
          resolve();
          this.dispatch();
          return;
        }
        this.finish(slot, message);
      });
      worker.on('error', (err) => {
        slot.crash = err.message;
      });
      // An answer that cannot be deserialized never arrives: fail what the worker holds instead of waiting forever.
      worker.on('messageerror', (err) => {
        for (const job of slot.jobs.splice(0)) job.reject(new RuntimeError('inference_failed', `unreadable answer from a worker: ${err.message}`));
        this.dispatch();
      });
      worker.on('exit', (exitCode) => {
        this.slots.delete(slot);
        if (this.closed) return;
        const detail = slot.crash ?? `exit code ${exitCode}`;
        safely(() => this.hooks.onWorkerExit?.(detail));
        for (const job of slot.jobs.splice(0)) {
          safely(() => this.hooks.onTaskDone?.(job.label, seconds(job.startedAt!), 'crashed'));
          job.reject(new WorkerCrashedError(detail));
        }
        if (!slot.ready) reject(new Error(`inference worker failed to start: ${detail}`));
        this.replace(!slot.ready);
      });
    });
  }

  /** Keeps the pool at its size after a death, unless replacements keep dying during start-up. */
  private replace(diedStarting: boolean): void {
    if (this.broken || this.manifest === null) return;
    if (diedStarting && ++this.startFailures >= MAX_CONSECUTIVE_START_FAILURES) {
      this.broken = new RuntimeError('worker_crashed', `inference workers keep failing to start (${this.startFailures} in a row)`);
      this.failQueued(this.broken);
      return;
    }
    this.spawn().catch(() => undefined); // a failed start re-enters here through the 'exit' handler
  }

  private submit(label: TaskLabel, build: (id: number) => OutgoingRequest, transfer: Set<ArrayBuffer>, options: TaskOptions): Promise<WorkerResponse> {
    const { signal } = options;
    if (this.closed) return Promise.reject(this.broken ?? new RuntimeError('pool_closed', 'inference pool closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (signal?.aborted) return Promise.reject(new RuntimeError('aborted', 'task aborted before it was queued'));
    if (this.queue.length >= this.maxQueueLength) return Promise.reject(new BusyError(0, `${this.queue.length} tasks queued (limit ${this.maxQueueLength})`));
    return new Promise<WorkerResponse>((resolve, reject) => {
      const id = this.nextId++;
      const enqueuedAt = performance.now();
      const due = options.deadline ?? (options.priority === 'high' ? enqueuedAt - HIGH_PRIORITY_LEAD_MS : enqueuedAt);
      const job: Job = { id, label, message: build(id), transfer: [...transfer], due, enqueuedAt, resolve, reject };
      // Waiting counts from when the task is due: a chunk queued well ahead of playback may wait.
      job.timer = setTimeout(() => {
        if (!this.unqueue(job)) return;
        reject(new BusyError(this.maxQueueWaitMs, `no worker free within ${this.maxQueueWaitMs} ms of the task being due`));
      }, Math.max(0, due - enqueuedAt) + this.maxQueueWaitMs);
      if (signal) {
        job.signal = signal;
        job.onAbort = () => {
          if (this.unqueue(job)) reject(new RuntimeError('aborted', 'task aborted while queued'));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Removes a job that is still queued; false when it already started or settled. */
  private unqueue(job: Job): boolean {
    const at = this.queue.indexOf(job);
    if (at < 0) return false;
    this.queue.splice(at, 1);
    this.detach(job);
    return true;
  }

  private detach(job: Job): void {
    clearTimeout(job.timer);
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.jobs.length > 0) continue;
      const job = this.takeMostUrgent();
      if (!job) return;
      const jobs = job.message.kind === 'vocode' ? [job, ...this.takeBatchable(job.message.request)] : [job];
      const now = performance.now();
      for (const j of jobs) {
        this.detach(j);
        j.startedAt = now;
        safely(() => this.hooks.onQueueWait?.((now - j.enqueuedAt) / 1000, j.label));
      }
      slot.jobs = jobs;
      try {
        if (jobs.length === 1) {
          slot.worker.postMessage(job.message, job.transfer);
        } else {
          safely(() => this.hooks.onVocodeBatch?.(jobs.length));
          const batch: VocodeBatchRequest = {
            kind: 'vocode-batch',
            ids: jobs.map((j) => j.id),
            requests: jobs.map((j) => (j.message as Extract<WorkerRequest, { kind: 'vocode' }>).request),
          };
          slot.worker.postMessage(batch, [...new Set(jobs.flatMap((j) => j.transfer))]);
        }
      } catch (err) {
        // e.g. DataCloneError: a buffer the caller detached or passed twice. Fail these tasks, not the process.
        for (const j of slot.jobs.splice(0)) j.reject(new RuntimeError('inference_failed', `cannot send the task to a worker: ${(err as Error).message}`));
      }
    }
  }

  /** Removes and returns the queued task with the earliest `due` (the first of equals). */
  private takeMostUrgent(): Job | undefined {
    if (this.queue.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.queue.length; i++) if (this.queue[i].due < this.queue[best].due) best = i;
    return this.queue.splice(best, 1)[0];
  }

  /**
   * Queued vocoder chunks that can join `first` in one engine call: same frame count and engine
   * (the engine batches chunks that complete equally many samples), most urgent first. Riding along
   * costs them nothing, even when they are not due yet.
   */
  private takeBatchable(first: VocodeRequest): Job[] {
    const candidates = this.queue
      .filter((j) => j.message.kind === 'vocode' && j.message.request.frames === first.frames && j.message.request.engine === first.engine)
      .sort((a, b) => a.due - b.due)
      .slice(0, this.maxBatch - 1);
    for (const j of candidates) this.queue.splice(this.queue.indexOf(j), 1);
    return candidates;
  }

  private finish(slot: Slot, message: WorkerResponse): void {
    if (!('id' in message)) return;
    const at = slot.jobs.findIndex((j) => j.id === message.id);
    if (at < 0) return;
    const [job] = slot.jobs.splice(at, 1);
    const outcome = message.kind === 'failed' ? 'failed' : 'ok';
    safely(() => this.hooks.onTaskDone?.(job.label, seconds(job.startedAt!), outcome));
    if (message.kind === 'failed') job.reject(failure(message.message));
    else job.resolve(message);
    if (slot.jobs.length === 0) this.dispatch();
  }

  private failQueued(err: Error): void {
    for (const job of this.queue.splice(0)) {
      this.detach(job);
      job.reject(err);
    }
  }
}

const RUNTIME_CODES: readonly RuntimeErrorCode[] = ['busy', 'worker_crashed', 'inference_failed', 'vocoder_unavailable', 'pool_closed', 'aborted'];

/** A worker's `failed` message as an error; a `[code] ` prefix (see inferenceWorker.ts) restores the code. */
function failure(message: string): RuntimeError {
  const m = /^\[([a-z_]+)\] (.*)$/s.exec(message);
  if (m && RUNTIME_CODES.includes(m[1] as RuntimeErrorCode)) return new RuntimeError(m[1] as RuntimeErrorCode, m[2]);
  return new RuntimeError('inference_failed', message);
}

function unexpected(response: WorkerResponse): Error {
  return new RuntimeError('inference_failed', `unexpected worker response "${response.kind}"`);
}

/**
 * Transfers a typed array's buffer when the array spans all of it; otherwise copies (never detach
 * shared memory). A buffer handed over before (detached) is refused here: postMessage would silently
 * drop the message and the task would wait forever.
 * @throws RuntimeError `inference_failed` for a detached buffer.
 */
function handOver<T extends Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array>(data: T, transfer: Set<ArrayBuffer>): T {
  const buffer = data.buffer;
  if (buffer.byteLength === 0) {
    if (isDetached(buffer)) throw new RuntimeError('inference_failed', 'a tensor buffer was already handed to the pool (run/vocode transfer their buffers: pass a copy)');
    return data;
  }
  if (buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength && !transfer.has(buffer)) {
    transfer.add(buffer);
    return data;
  }
  return data.slice() as T;
}

function isDetached(buffer: ArrayBufferLike): boolean {
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // a metrics hook must never break inference
  }
}
