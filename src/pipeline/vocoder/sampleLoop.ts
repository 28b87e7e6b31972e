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
  /**
   * [B][lpc order] the linear prediction's history: the decoded values of each stream's last
   * samples, most recent first (hist[0] = s_{t-1}); zeros at the start of an utterance.
   */
  readonly hist: Float32Array;
}

export interface SampleLoop {
  /** 'native' or 'onnx-loop'. */
  readonly engine: string;
  /**
   * Runs `blocks` hop blocks (n = blocks * hop samples) for `streams` streams. The network samples
   * each sample's excitation; the sample is the linear prediction plus it, on the mu-law grid.
   * @param condRows per-frame conditioning [blocks + 2][streams][condDim]: block j interpolates rows j .. j+2
   *   (Conditioning.upsample's rule)
   * @param lpcRows prediction coefficients of each block (its own mel frame, lpc.ts) [blocks][streams][order]
   * @param uniform sampler uniforms in [0, 1), [n][streams]
   * @returns classes of the samples [n][streams]
   */
  run(condRows: Float32Array, lpcRows: Float32Array, blocks: number, uniform: Float32Array, streams: number, state: LoopState): Int32Array;
  /**
   * The conditioning net, when this engine has its own (native); else Conditioning.frames is used.
   * mel [rows][nMels] -> [rows - 2*context][condDim].
   */
  conditionFrames?(mel: Float32Array, rows: number): Float32Array;
}
