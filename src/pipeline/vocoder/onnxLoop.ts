/** The sample loop as an ONNX `Loop` graph (models/vocoder_loop.onnx): the engine when the native addon is absent. */
import { createOnnxSession, type OnnxSession } from '../runtime/onnxRuntime.js';
import { Conditioning } from './conditioning.js';
import type { LoopState, SampleLoop } from './sampleLoop.js';
import type { VocoderDims } from './vocoderModel.js';

/** Blocks per ORT call: 20 blocks = 4000 samples, ~14 MB of per-sample conditioning for one stream. */
const MAX_BLOCKS_PER_CALL = 20;

export class OnnxSampleLoop implements SampleLoop {
  readonly engine = 'onnx-loop';
  private readonly session: OnnxSession;

  /** @param conditioning upsamples frame rows to the per-sample input of the graph */
  constructor(loopPath: string, private readonly dims: VocoderDims, private readonly conditioning: Conditioning) {
    this.session = createOnnxSession(loopPath);
  }

  run(condRows: Float32Array, lpcRows: Float32Array, blocks: number, uniform: Float32Array, streams: number, state: LoopState): Int32Array {
    const { hop, condDim: D, lpcOrder: P } = this.dims;
    const result = new Int32Array(blocks * hop * streams);
    // The graph takes per-sample conditioning (N x B x condDim floats): bound it by running long
    // chunks as several calls; the carried state makes that identical to one call.
    for (let first = 0; first < blocks; first += MAX_BLOCKS_PER_CALL) {
      const count = Math.min(MAX_BLOCKS_PER_CALL, blocks - first);
      const rows = condRows.subarray(first * streams * D, (first + count + 2) * streams * D);
      const lpc = lpcRows.subarray(first * streams * P, (first + count) * streams * P);
      const u = uniform.subarray(first * hop * streams, (first + count) * hop * streams);
      result.set(this.runCall(rows, lpc, count, u, streams, state), first * hop * streams);
    }
    return result;
  }

  private runCall(condRows: Float32Array, lpcRows: Float32Array, blocks: number, uniform: Float32Array, streams: number, state: LoopState): Int32Array {
    const { hidden1: H1, hidden2: H2, condDim: D, hop, lpcOrder: P } = this.dims;
    const n = blocks * hop;
    const cond = new Float32Array(n * streams * D);
    for (let b = 0; b < streams; b++) this.conditioning.upsample(condRows, 0, blocks, cond, b, streams);
    // The graph takes each sample's coefficients: its block's rows, repeated hop times.
    const lpc = new Float32Array(n * streams * P);
    for (let j = 0; j < blocks; j++) {
      const row = lpcRows.subarray(j * streams * P, (j + 1) * streams * P);
      for (let k = 0; k < hop; k++) lpc.set(row, (j * hop + k) * streams * P);
    }
    const prev = new BigInt64Array(streams);
    for (let b = 0; b < streams; b++) prev[b] = BigInt(state.prev[b]);
    const out = this.session.runSync({
      cond: { type: 'float32', data: cond, dims: [n, streams, D] },
      lpc: { type: 'float32', data: lpc, dims: [n, streams, P] },
      uniform: { type: 'float32', data: uniform.subarray(0, n * streams), dims: [n, streams] },
      h1: { type: 'float32', data: state.h1, dims: [streams, H1] },
      h2: { type: 'float32', data: state.h2, dims: [streams, H2] },
      prev: { type: 'int64', data: prev, dims: [streams] },
      hist: { type: 'float32', data: state.hist, dims: [streams, P] },
    });
    state.h1.set(out.h1_out.data as Float32Array);
    state.h2.set(out.h2_out.data as Float32Array);
    state.hist.set(out.hist_out.data as Float32Array);
    const prevOut = out.prev_out.data as BigInt64Array;
    for (let b = 0; b < streams; b++) state.prev[b] = Number(prevOut[b]);
    const classes = out.classes.data as BigInt64Array;
    const result = new Int32Array(classes.length);
    for (let i = 0; i < classes.length; i++) result[i] = Number(classes[i]);
    return result;
  }

  release(): void {
    this.session.release();
  }
}
