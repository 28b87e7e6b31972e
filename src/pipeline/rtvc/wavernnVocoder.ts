/**
 * RTVC's WaveRNN over its exported graphs: the upsampler (mel -> per-sample features) and the
 * sample Loop (features + uniforms -> classes, state carried in and out). `inferWaveform` is RTVC's
 * whole-utterance `infer_waveform` (batched or not); streaming is in wavernnStream.ts.
 *
 * Two pairs of graphs exist. RTVC's float32 pair (exact): aux stretched to the sample rate. The
 * int8 pair (`auxAtFrameRate`): the upsampler's mel path is one ConvTranspose and its aux stays at
 * frame rate; the loop reads row b's frame (auxOffset_b + i) / hop at step i (frame_rate_graphs.py).
 */
import type { OnnxSession } from '../runtime/onnxRuntime.js';
import type { Tensor } from '../runtime/tasks.js';
import { foldFrameFeatures, foldWithOverlap, xfadeAndUnfold } from './wavernnFolds.js';
import { classToSample, Deemphasis, fadeOutTail, mulawDecode } from './wavernnPostprocess.js';

/** The upsampler and the sample Loop of the manifest's `vocoder` section. */
export interface WavernnGraphs {
  readonly upsample: OnnxSession;
  readonly loop: OnnxSession;
  /** The int8 pair: aux leaves the upsampler and enters the loop at frame rate (default false: RTVC's float32 pair). */
  readonly auxAtFrameRate?: boolean;
}

/** What the vocoder needs from an rtvc-wavernn manifest section. */
export interface WavernnConfig {
  readonly nMels: number;
  readonly pad: number;
  readonly hop: number;
  readonly melScale: number;
  readonly classes: number;
  readonly rnnDims: number;
  readonly auxChannels: number;
  readonly preemphasis: number;
  readonly fadeOutSamples: number;
  /** Mel frames each side a chunk needs for its upsampled features to equal the whole utterance's. */
  readonly context: number;
  readonly fold: { readonly target: number; readonly overlap: number };
}

/** Reads a WavernnConfig from an rtvc-wavernn manifest section. */
export function wavernnConfig(section: Record<string, any>): WavernnConfig {
  return {
    nMels: section.hparams.n_mels, pad: section.pad, hop: section.hopLength, melScale: section.melScale, classes: section.classes,
    rnnDims: section.rnnDims, auxChannels: section.hparams.res_out_dims, preemphasis: section.preemphasis,
    fadeOutSamples: section.fadeOutFrames * section.hopLength, context: section.context, fold: section.fold,
  };
}

/** Features of a range of frames. */
export interface Upsampled {
  /** [samples][nMels] */
  readonly mels: Float32Array;
  /** [samples][auxChannels], or [frames][auxChannels] when the graphs have `auxAtFrameRate` */
  readonly aux: Float32Array;
}

/** Features of B rows for one Loop call: mels [B][L][nMels], aux [B][L or F][auxChannels]. */
export interface LoopFeatures extends Upsampled {
  /** Frame-rate aux only: row b's step 0 is sample auxOffset[b] of its aux frame 0 (default 0). */
  readonly auxOffset?: BigInt64Array;
}

const f32 = (data: Float32Array, dims: number[]): Tensor => ({ type: 'float32', data, dims });

/**
 * Features of frames [from, to) of `mel` ([T][nMels], synthesizer scale). Frames outside
 * [0, T) are RTVC's zero padding, so any range gives the same values as the whole utterance,
 * as long as the frames `context` beyond it exist in `mel` or lie outside the utterance.
 * `offset` is the utterance index of `mel`'s first row (for a window of a longer utterance).
 */
export function upsampleFrames(graphs: WavernnGraphs, config: WavernnConfig, mel: Float32Array, from: number, to: number, offset = 0, total = Infinity): Upsampled {
  const { nMels: M, pad, hop, melScale, context: C } = config;
  const rows = mel.length / M;
  // graph input: frames [from - C, to + C): the first and last `pad` of them act as RTVC's padding
  const W = to - from + 2 * C;
  const input = new Float32Array(M * W);
  for (let w = 0; w < W; w++) {
    const t = from - C + w;
    const r = t - offset;
    if (t < 0 || t >= total || r < 0 || r >= rows) continue;
    for (let m = 0; m < M; m++) input[m * W + w] = mel[r * M + m] / melScale;
  }
  const out = graphs.upsample.runSync({ mel: f32(input, [1, M, W]) });
  const keepFrom = (C - pad) * hop;
  const n = (to - from) * hop;
  const A = config.auxChannels;
  const mels = (out.up_mels.data as Float32Array).slice(keepFrom * M, (keepFrom + n) * M);
  const aux = graphs.auxAtFrameRate
    ? (out.aux.data as Float32Array).slice((C - pad) * A, (C - pad + to - from) * A)
    : (out.aux.data as Float32Array).slice(keepFrom * A, (keepFrom + n) * A);
  return { mels, aux };
}

/** Recurrent state of B rows. */
export interface LoopState {
  readonly h1: Float32Array;
  readonly h2: Float32Array;
  readonly x: Float32Array;
}

/** Zero state for `rows` rows (RTVC starts every row, and every fold, from zeros). */
export function freshLoopState(config: WavernnConfig, rows = 1): LoopState {
  return { h1: new Float32Array(rows * config.rnnDims), h2: new Float32Array(rows * config.rnnDims), x: new Float32Array(rows) };
}

/** Runs the sample loop over B rows of L samples with uniforms [B][L] -> classes [B][L] and the next state. */
export function sampleLoop(graphs: WavernnGraphs, config: WavernnConfig, features: LoopFeatures, rows: number, uniforms: Float64Array, state: LoopState): { classes: BigInt64Array; state: LoopState } {
  const L = uniforms.length / rows;
  const R = config.rnnDims;
  const A = config.auxChannels;
  const aux: Record<string, Tensor> = graphs.auxAtFrameRate
    ? { aux: f32(features.aux, [rows, features.aux.length / rows / A, A]), aux_offset: { type: 'int64', data: features.auxOffset ?? new BigInt64Array(rows), dims: [rows, 1] } }
    : { aux: f32(features.aux, [rows, L, A]) };
  const out = graphs.loop.runSync({
    up_mels: f32(features.mels, [rows, L, config.nMels]), ...aux,
    uniforms: { type: 'float64', data: uniforms, dims: [rows, L] },
    h1: f32(state.h1, [rows, R]), h2: f32(state.h2, [rows, R]), x: f32(state.x, [rows, 1]),
  });
  return {
    classes: out.classes.data as BigInt64Array,
    state: { h1: out.h1_out.data as Float32Array, h2: out.h2_out.data as Float32Array, x: out.x_out.data as Float32Array },
  };
}

/** Uniforms for `rows` x `length` samples, row-major. */
export type UniformSource = (rows: number, length: number) => Float64Array;

/** What `inferWaveform` returns. */
export interface Waveform {
  /** RTVC's output: (T - 1) * hop samples, float64. */
  readonly wav: Float64Array;
  /** Sampled classes, [rows][length]. */
  readonly classes: BigInt64Array;
  readonly rows: number;
}

/** RTVC's `infer_waveform(mel, batched, target, overlap)`: mel [T][nMels] -> waveform. */
export function inferWaveform(graphs: WavernnGraphs, config: WavernnConfig, mel: Float32Array, batched: boolean, uniforms: UniformSource): Waveform {
  const T = mel.length / config.nMels;
  const up = upsampleFrames(graphs, config, mel, 0, T, 0, T);
  let features: LoopFeatures = up;
  let rows = 1;
  if (batched) {
    const { target, overlap } = config.fold;
    const m = foldWithOverlap(up.mels, config.nMels, target, overlap);
    if (graphs.auxAtFrameRate) {
      const a = foldFrameFeatures(up.aux, config.auxChannels, config.hop, m.folds, target, overlap);
      features = { mels: m.data, aux: a.data, auxOffset: a.offsets };
    } else {
      features = { mels: m.data, aux: foldWithOverlap(up.aux, config.auxChannels, target, overlap).data };
    }
    rows = m.folds;
  }
  const length = features.mels.length / config.nMels / rows;
  const { classes } = sampleLoop(graphs, config, features, rows, uniforms(rows, length), freshLoopState(config, rows));
  const samples = Float64Array.from(classes, (c) => classToSample(Number(c), config.classes));
  const signal = batched ? xfadeAndUnfold(samples, rows, config.fold.overlap) : samples;
  const decoded = signal.map((y) => mulawDecode(y, config.classes));
  const wav = new Deemphasis(config.preemphasis).apply(decoded).slice(0, (T - 1) * config.hop);
  fadeOutTail(wav, config.fadeOutSamples);
  return { wav, classes, rows };
}
