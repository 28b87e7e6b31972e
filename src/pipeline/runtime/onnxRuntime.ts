/**
 * The only module that imports onnxruntime-node. Everything else sees `OnnxSession` and the plain
 * `Tensor` of tasks.ts, so no onnxruntime type crosses a module or thread boundary.
 *
 * Sessions run single-threaded (intraOpNumThreads 1): parallelism comes from the worker pool, one
 * worker per core, and ORT's own thread pools would only fight it for the same cores.
 */
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import type { Tensor } from './tasks.js';

/** Input/output names with their element types and shapes as ORT reports them (symbolic axes as strings). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

/** A loaded ONNX model. */
export interface OnnxSession {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /**
   * Runs the model synchronously on the calling thread (meant for worker threads, where blocking is
   * the point). Feeds must name every input; outputs are copies owned by the caller.
   * @throws Error naming the model file and the ORT message.
   */
  runSync(feeds: Readonly<Record<string, Tensor>>): Record<string, Tensor>;
  release(): void;
}

export interface OnnxSessionOptions {
  /** Threads inside one run; default 1 (see module comment). */
  readonly intraOpNumThreads?: number;
  /**
   * ORT's CPU memory arena (default true). A model fed many different shapes (e.g. a Loop over a
   * varying number of rows and steps) makes the arena keep a block per shape; off, memory is freed.
   */
  readonly enableCpuMemArena?: boolean;
}

/** The synchronous session object behind onnxruntime-node's promise API (same native binding). */
interface NativeSession {
  loadModel(path: string, options: ort.InferenceSession.SessionOptions): void;
  readonly inputMetadata: readonly { name: string; isTensor: boolean; type: number; shape: number[]; symbolicDimensions: string[] }[];
  readonly outputMetadata: NativeSession['inputMetadata'];
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  dispose(): void;
}

/** onnxruntime's element type codes (ONNX TensorProto.DataType) for the names we report. */
const ELEMENT_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64',
};

const require = createRequire(import.meta.url);
let nativeBinding: { binding: { InferenceSession: new () => NativeSession }; initOrt: () => void } | null = null;

/**
 * onnxruntime-node only exposes `run` as a promise resolved on a later event-loop turn; the native
 * session underneath is synchronous. Workers call it directly: one less turn per call, and engines
 * with a synchronous API (the vocoder) can use ORT at all.
 */
function native(): { InferenceSession: new () => NativeSession } {
  if (!nativeBinding) {
    nativeBinding = require('onnxruntime-node/dist/binding.js') as typeof nativeBinding;
    nativeBinding!.initOrt();
  }
  return nativeBinding!.binding;
}

/**
 * Loads the native library on the calling thread and keeps it loaded. The pool calls this on the
 * main thread: when every worker that loaded the addon has exited, Node unloads the library, and a
 * replacement worker then fails with "Module did not self-register".
 */
export function pinNativeRuntime(): void {
  native();
}

/**
 * Loads an ONNX model file. ORT warnings go to stderr only at level "error" and above.
 * @throws Error naming the file when ORT cannot load it.
 */
export function createOnnxSession(path: string, options: OnnxSessionOptions = {}): OnnxSession {
  ort.env.logLevel = 'error';
  const session = new (native().InferenceSession)();
  try {
    session.loadModel(path, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      enableCpuMemArena: options.enableCpuMemArena ?? true,
    });
  } catch (err) {
    throw new Error(`${path}: onnxruntime cannot load the model (${(err as Error).message})`);
  }
  const describe = (m: NativeSession['inputMetadata'][number]): OnnxValueInfo => ({
    name: m.name,
    type: ELEMENT_TYPES[m.type] ?? `type${m.type}`,
    shape: m.shape.map((d, i) => (d === -1 ? m.symbolicDimensions[i] : d)),
  });
  const inputs = session.inputMetadata.map(describe);
  const outputs = session.outputMetadata.map(describe);
  const fetches = Object.fromEntries(outputs.map((o) => [o.name, null]));
  return {
    inputs,
    outputs,
    runSync(feeds) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const info of inputs) {
        const t = feeds[info.name];
        if (!t) throw new Error(`${path}: missing input "${info.name}" (inputs: ${inputs.map((i) => i.name).join(', ')})`);
        ortFeeds[info.name] = toOrt(t);
      }
      let result: Record<string, ort.Tensor>;
      try {
        result = session.run(ortFeeds, fetches, {});
      } catch (err) {
        throw new Error(`${path}: run failed (${(err as Error).message})`);
      }
      const out: Record<string, Tensor> = {};
      for (const [name, value] of Object.entries(result)) out[name] = fromOrt(value);
      return out;
    },
    release() {
      session.dispose();
    },
  };
}

/** Plain tensor -> ORT tensor sharing the same memory. */
export function toOrt(t: Tensor): ort.Tensor {
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (size !== t.data.length) throw new Error(`tensor of dims [${t.dims.join(', ')}] needs ${size} values, has ${t.data.length}`);
  return new ort.Tensor(t.type, t.data, t.dims as number[]);
}

/** ORT tensor -> plain tensor with its own buffer (safe to transfer to another thread). */
export function fromOrt(value: ort.Tensor): Tensor {
  const dims = [...value.dims];
  switch (value.type) {
    case 'float32':
      return { type: 'float32', data: new Float32Array(value.data as Float32Array), dims };
    case 'int64':
      return { type: 'int64', data: new BigInt64Array(value.data as BigInt64Array), dims };
    case 'int32':
      return { type: 'int32', data: new Int32Array(value.data as Int32Array), dims };
    case 'float64':
      return { type: 'float64', data: new Float64Array(value.data as Float64Array), dims };
    default:
      throw new Error(`unsupported output element type ${value.type} (supported: float32, float64, int64, int32)`);
  }
}
