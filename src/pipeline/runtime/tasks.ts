/**
 * Messages between the main thread and inference workers (discriminated unions).
 * Buffers inside a task are transferred to the worker: the sender must not touch them again.
 */

/** A plain tensor that crosses thread boundaries (no onnxruntime types outside the runtime). */
export interface Tensor {
  readonly type: 'float32' | 'int64' | 'int32' | 'float64';
  readonly data: Float32Array | BigInt64Array | Int32Array | Float64Array;
  readonly dims: readonly number[];
}

/** The ONNX models a worker holds, by manifest role. */
export type ModelKey = 'encoder' | 'synthEncoder' | 'synthDecoder';

/**
 * One progressive vocoder step: a mel chunk in, the samples it completes out. The vocoder's
 * recurrent state travels with the request (opaque bytes owned by src/pipeline/vocoder), so any
 * worker can continue any stream and a crashed worker loses no stream state.
 */
export interface VocodeRequest {
  /** synthMel frames, row-major [frames][nMels]. */
  readonly mel: Float32Array;
  readonly frames: number;
  /** True for the utterance's last chunk: flush everything still held back. */
  readonly final: boolean;
  /** State returned by the previous chunk of the same stream; null for the first chunk. */
  readonly state: Uint8Array | null;
  /** Seed of the sampler for the first chunk (later chunks carry it in state). */
  readonly seed: number;
  /** Which engine: the manifest's default vocoder, or Griffin-Lim. */
  readonly engine?: 'default' | 'griffin-lim';
}

export interface VocodeResult {
  /** 16 kHz samples in [-1, 1] completed by this chunk (may lag the mel by a little context). */
  readonly samples: Float32Array;
  readonly state: Uint8Array;
}

export type WorkerRequest =
  | { readonly kind: 'run'; readonly id: number; readonly model: ModelKey; readonly feeds: Readonly<Record<string, Tensor>> }
  | { readonly kind: 'vocode'; readonly id: number; readonly request: VocodeRequest };

export type WorkerResponse =
  | { readonly kind: 'ready'; readonly vocoderEngine: string }
  | { readonly kind: 'ran'; readonly id: number; readonly outputs: Readonly<Record<string, Tensor>> }
  | { readonly kind: 'vocoded'; readonly id: number; readonly result: VocodeResult }
  | { readonly kind: 'failed'; readonly id: number; readonly message: string };

/** What pipeline stages need from inference: implemented by the worker pool (and, in tests, in-process). */
export interface InferenceClient {
  run(model: ModelKey, feeds: Readonly<Record<string, Tensor>>): Promise<Readonly<Record<string, Tensor>>>;
  vocode(request: VocodeRequest): Promise<VocodeResult>;
}
