/**
 * Entry point of one inference worker thread: loads the models once, then answers requests one at a
 * time (the pool sends a worker at most one task). Buffers of results are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelManifest } from './modelManifest.js';
import { loadModelHost } from './modelHost.js';
import type { ModelKey, VocodeRequest, VocodeResult, WorkerRequest, WorkerResponse } from './tasks.js';
import { faultMatches, type FaultKind, type FaultTask, type TestHookRequest } from './testHooks.js';

/** What the pool passes in `workerData`. */
export interface InferenceWorkerData {
  /** Already validated and checksum-verified by the pool. */
  readonly manifest: ModelManifest;
  readonly testHooks: boolean;
}

/**
 * Runtime-internal: finish the current task, release the models and exit. Terminating a worker
 * instead, while ORT is inside a run, aborts the whole process (Napi::Error during teardown).
 */
export interface ShutdownRequest {
  readonly kind: 'shutdown';
}

/**
 * Runtime-internal: vocoder chunks of several streams in one engine call (throughput: the engine
 * runs them as one batch). Answered with one `vocoded` or `failed` per id, in order.
 */
export interface VocodeBatchRequest {
  readonly kind: 'vocode-batch';
  readonly ids: readonly number[];
  readonly requests: readonly VocodeRequest[];
}

const port = parentPort;
if (!port) throw new Error('inferenceWorker.js must run as a worker thread');
const { manifest, testHooks } = workerData as InferenceWorkerData;

// A load failure throws here, before 'ready': the pool sees the worker exit and reports it.
const host = await loadModelHost(manifest);
host.warmUp(); // the worker is ready only when its first real request runs at full speed
post({ kind: 'ready', vocoderEngine: host.vocoderEngine });

/** A fault armed by `test-arm-fault` (test hooks only), fired by the next matching task. */
let armed: { readonly task: FaultTask; readonly fault: FaultKind } | null = null;

port.on('message', (request: WorkerRequest | TestHookRequest | ShutdownRequest | VocodeBatchRequest) => {
  const fault = armedFault(request);
  if (fault === 'crash') throw new Error('crash armed by a test hook'); // uncaught: the thread dies holding the task
  if (fault === 'exit') process.exit(70);
  switch (request.kind) {
    case 'shutdown':
      host.close();
      port.close(); // nothing keeps the thread alive now: it exits
      break;
    case 'run':
      answer(request.id, () => {
        if (fault === 'throw') throw new Error(`model call failed (armed by a test hook): ${request.model}`);
        const outputs = host.run(request.model, request.feeds);
        // Outputs own their buffers (onnxRuntime.fromOrt copies), so they can be transferred.
        return [{ kind: 'ran', id: request.id, outputs }, Object.values(outputs).map((t) => t.data.buffer)];
      });
      break;
    case 'vocode':
      answer(request.id, () => {
        if (fault === 'throw') throw new Error('vocoder call failed (armed by a test hook)');
        return vocoded(request.id, host.vocode(request.request));
      });
      break;
    case 'vocode-batch': {
      const results = fault === 'throw' ? request.ids.map(() => new Error('vocoder call failed (armed by a test hook)')) : host.vocodeBatch(request.requests);
      request.ids.forEach((id, i) => {
        const r = results[i];
        answer(id, () => {
          if (r instanceof Error) throw r;
          return vocoded(id, r);
        });
      });
      break;
    }
    case 'test-crash':
      if (!testHooks) return post({ kind: 'failed', id: request.id, message: 'test hooks are disabled' });
      setImmediate(() => {
        throw new Error('crash requested by a test hook');
      });
      break;
    case 'test-sleep':
      if (!testHooks) return post({ kind: 'failed', id: request.id, message: 'test hooks are disabled' });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, request.ms);
      post({ kind: 'ran', id: request.id, outputs: {} });
      break;
    case 'test-arm-fault':
      if (!testHooks) return post({ kind: 'failed', id: request.id, message: 'test hooks are disabled' });
      armed = { task: request.task, fault: request.fault };
      post({ kind: 'ran', id: request.id, outputs: {} });
      break;
    default:
      post({ kind: 'failed', id: (request as { id?: number }).id ?? -1, message: `unknown request kind ${(request as { kind: string }).kind}` });
  }
});

/** The armed fault this request fires (and disarms), or null. */
function armedFault(request: { readonly kind: string; readonly model?: unknown }): FaultKind | null {
  if (armed === null) return null;
  const label = request.kind === 'run' ? (request.model as ModelKey) : request.kind === 'vocode' || request.kind === 'vocode-batch' ? 'vocode' : null;
  if (label === null || !faultMatches(armed.task, label)) return null;
  const { fault } = armed;
  armed = null;
  return fault;
}

function answer(id: number, work: () => [WorkerResponse, ArrayBufferLike[]]): void {
  let response: WorkerResponse;
  let transfer: ArrayBufferLike[];
  try {
    [response, transfer] = work();
  } catch (err) {
    const e = err as Error & { code?: string };
    // Runtime codes (e.g. vocoder_unavailable) travel in the message prefix: the union has no code field.
    post({ kind: 'failed', id, message: e.code ? `[${e.code}] ${e.message}` : e.message });
    return;
  }
  post(response, unique(transfer));
}

/** Copies: the engine may reuse its output buffers, and transferring them would detach them. */
function vocoded(id: number, produced: VocodeResult): [WorkerResponse, ArrayBufferLike[]] {
  const result = { samples: produced.samples.slice(), state: produced.state.slice() };
  return [{ kind: 'vocoded', id, result }, [result.samples.buffer, result.state.buffer]];
}

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

/** Transfer lists must not repeat a buffer and can only hold plain (non-shared) ArrayBuffers. */
function unique(buffers: ArrayBufferLike[]): ArrayBuffer[] {
  return [...new Set(buffers)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
}
