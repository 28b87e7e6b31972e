/**
 * RTVC's Tacotron run over its exported graphs, step by step: the text encoder once, then one
 * decoder-step graph call per `r` mel frames, yielded as soon as each step is computed (so a
 * server can turn them into mel chunks), with RTVC's stop rule; the postnet runs separately.
 *
 * Stop rule (Tacotron.generate): for t = 0, r, 2r, ... < maxFrames, stop after the step where
 * sigmoid(stop) > 0.5 and t > stopMinFrames. `forceFrames` instead stops after the step where
 * t + r >= forceFrames (how the parity fixtures bound their runs).
 */
import type { OnnxSession } from '../runtime/onnxRuntime.js';
import type { Tensor } from '../runtime/tasks.js';
import type { KeepSource } from './prenetDropout.js';

/** The three Tacotron graphs of the manifest's `synthesizer` section. */
export interface TacotronGraphs {
  readonly encoder: OnnxSession;
  readonly step: OnnxSession;
  readonly postnet: OnnxSession;
}

/** What the loop needs from the manifest's `synthesizer` section (rtvc-tacotron). */
export interface TacotronConfig {
  readonly r: number;
  readonly nMels: number;
  readonly maxFrames: number;
  readonly stopMinFrames: number;
  readonly stopProbability: number;
  readonly prenetUnits: { readonly encoder: readonly [number, number]; readonly decoder: readonly [number, number] };
  readonly decoderDims: number;
  readonly lstmDims: number;
  /** encoder_dims + speaker_dims: width of encoder_seq and of the attention context. */
  readonly contextDims: number;
}

/** Reads a TacotronConfig from an rtvc-tacotron manifest section. */
export function tacotronConfig(section: Record<string, any>): TacotronConfig {
  const h = section.hparams;
  return {
    r: section.r, nMels: h.n_mels, maxFrames: section.maxFrames, stopMinFrames: section.stopMinFrames,
    stopProbability: section.stopProbability, prenetUnits: section.prenetUnits, decoderDims: h.decoder_dims,
    lstmDims: h.lstm_dims, contextDims: h.encoder_dims + h.speaker_dims,
  };
}

/** One decoder step's outputs. */
export interface DecoderStep {
  readonly index: number;
  /** r frames, row-major [r][nMels] (frame-major, like every mel chunk in clonecast). */
  readonly frames: Float32Array;
  /** Attention weights over the input symbols. */
  readonly attention: Float32Array;
  /** sigmoid of the stop token. */
  readonly stop: number;
  /** True when this is the last step (stop rule, forced length or maxFrames). */
  readonly last: boolean;
}

/** Dropout multipliers, an optional forced length, and a cancellation check. */
export interface DecodeOptions {
  readonly keep: KeepSource;
  readonly forceFrames?: number;
  /** Checked before each step: a true value ends the loop quietly. */
  readonly aborted?: () => boolean;
}

const f32 = (data: Float32Array, dims: number[]): Tensor => ({ type: 'float32', data, dims });

/** ids [N] (ending in EOS), speaker [S] -> decoder steps, lazily. */
export function* decoderSteps(graphs: TacotronGraphs, config: TacotronConfig, ids: Int32Array, speaker: Float32Array, options: DecodeOptions): Generator<DecoderStep> {
  const N = ids.length;
  const [e1, e2] = config.prenetUnits.encoder;
  const enc = graphs.encoder.runSync({
    chars: { type: 'int64', data: BigInt64Array.from(ids, (i) => BigInt(i)), dims: [1, N] },
    speaker: f32(speaker, [1, speaker.length]),
    keep1: f32(options.keep('enc1', -1, N * e1), [1, N, e1]),
    keep2: f32(options.keep('enc2', -1, N * e2), [1, N, e2]),
  });
  const charMask = Float32Array.from(ids, (i) => (i !== 0 ? 1 : 0));
  const { decoderDims: D, lstmDims: L, contextDims: C, nMels: M, r } = config;
  let state: Record<string, Tensor> = {
    attn_hidden: f32(new Float32Array(D), [1, D]),
    rnn1_hidden: f32(new Float32Array(L), [1, L]), rnn1_cell: f32(new Float32Array(L), [1, L]),
    rnn2_hidden: f32(new Float32Array(L), [1, L]), rnn2_cell: f32(new Float32Array(L), [1, L]),
    context: f32(new Float32Array(C), [1, C]), cumulative: f32(new Float32Array(N), [1, N]),
  };
  let prenetIn = new Float32Array(M);
  const [d1, d2] = config.prenetUnits.decoder;
  for (let step = 0, t = 0; t < config.maxFrames; step++, t += r) {
    if (options.aborted?.()) return;
    const out = graphs.step.runSync({
      encoder_seq: enc.encoder_seq, encoder_seq_proj: enc.encoder_seq_proj, char_mask: f32(charMask, [1, N]),
      prenet_in: f32(prenetIn, [1, M]), ...state,
      keep1: f32(options.keep('dec1', step, d1), [1, d1]), keep2: f32(options.keep('dec2', step, d2), [1, d2]),
    });
    state = Object.fromEntries(Object.keys(state).map((k) => [k, out[`${k}_out`]]));
    const mels = out.mels.data as Float32Array; // [nMels][r]
    const frames = new Float32Array(r * M);
    for (let m = 0; m < M; m++) for (let j = 0; j < r; j++) frames[j * M + m] = mels[m * r + j];
    prenetIn = frames.slice((r - 1) * M, r * M);
    const stop = (out.stop.data as Float32Array)[0];
    const last = options.forceFrames !== undefined
      ? t + r >= options.forceFrames
      : (stop > config.stopProbability && t > config.stopMinFrames) || t + r >= config.maxFrames;
    yield { index: step, frames, attention: out.attention.data as Float32Array, stop, last };
    if (last) return;
  }
}

/** Decoder frames, row-major [T][nMels] -> the postnet's spectrogram [T][nMels] (what RTVC returns). */
export function runPostnet(graphs: TacotronGraphs, frames: Float32Array, nMels: number): Float32Array {
  const T = frames.length / nMels;
  const input = new Float32Array(frames.length);
  for (let t = 0; t < T; t++) for (let m = 0; m < nMels; m++) input[m * T + t] = frames[t * nMels + m];
  const mel = graphs.postnet.runSync({ decoder_mels: f32(input, [1, nMels, T]) }).mel.data as Float32Array;
  const out = new Float32Array(frames.length);
  for (let t = 0; t < T; t++) for (let m = 0; m < nMels; m++) out[t * nMels + m] = mel[m * T + t];
  return out;
}

/** RTVC's output trim: how many frames remain after dropping trailing frames whose max < threshold. */
export function untrimmedFrames(mel: Float32Array, nMels: number, threshold: number): number {
  let T = mel.length / nMels;
  while (T > 0) {
    let max = -Infinity;
    for (let m = 0; m < nMels; m++) max = Math.max(max, mel[(T - 1) * nMels + m]);
    if (max >= threshold) break;
    T--;
  }
  return T;
}
