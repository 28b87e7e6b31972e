/**
 * The vocoder's sample-by-sample loop, behind one interface so the streaming logic does not care
 * whether it runs in the native addon or in an ONNX `Loop`. Both follow the same arithmetic
 * (training/clonecast_train/vocoder/loop_graph.py documents it).
 */

/** Recurrent state of B streams, updated in place by {@link SampleLoop.run}. */
export interface LoopState {
  /** [B][hidden1] */
  readonly h1: Float32Array;
  /** [B][hidden2] */
  readonly h2: Float32Array;
  /** [B] class of each stream's last sample. */
  readonly prev: Int32Array;
}

export interface SampleLoop {
  /** 'native' or 'onnx-loop'. */
  readonly engine: string;
  /**
   * Runs `blocks` hop blocks (n = blocks * hop samples) for `streams` streams.
   * @param condRows per-frame conditioning [blocks + 2][streams][condDim]: block j interpolates rows j .. j+2
   *   (Conditioning.upsample's rule)
   * @param uniform sampler uniforms in [0, 1), [n][streams]
   * @returns classes [n][streams]
   */
  run(condRows: Float32Array, blocks: number, uniform: Float32Array, streams: number, state: LoopState): Int32Array;
  /**
   * The conditioning net, when this engine has its own (native); else Conditioning.frames is used.
   * mel [rows][nMels] -> [rows - 2*context][condDim].
   */
  conditionFrames?(mel: Float32Array, rows: number): Float32Array;
}
