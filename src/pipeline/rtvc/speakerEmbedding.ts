/**
 * RTVC's `preprocess_wav` + `embed_utterance` over the exported encoder graph: volume
 * normalisation, zero-padding to the last partial window, power mel, a batch of partial windows
 * through the LSTM, and the utterance embedding = mean of partials / its L2 norm (no epsilon).
 * Webrtcvad silence trimming is not reproduced (RTVC skips it too when webrtcvad is absent).
 */
import type { OnnxSession } from '../runtime/onnxRuntime.js';
import { EncoderMel } from './encoderMel.js';
import { partialSlices, type PartialSlice, type PartialSpec } from './partialSlices.js';
import { normalizeVolume, type VolumeNormalization } from './volumeNormalization.js';

/** The encoder section's partial windows and normalisation, with its mel extractor. */
export interface SpeakerEmbedderConfig extends PartialSpec {
  readonly normalize: VolumeNormalization;
  readonly mel: EncoderMel;
  readonly embeddingDim: number;
}

/** RTVC's utterance embedding with the partials it averaged. */
export interface UtteranceEmbedding {
  /** L2-normalised utterance embedding [embeddingDim]. */
  readonly embedding: Float32Array;
  /** Per-partial embeddings, row-major [partials][embeddingDim]. */
  readonly partials: Float32Array;
  readonly slices: readonly PartialSlice[];
}

/** 16 kHz float audio (already at the encoder's rate) -> RTVC's speaker embedding. */
export function embedUtterance(session: OnnxSession, config: SpeakerEmbedderConfig, wav16k: ArrayLike<number>): UtteranceEmbedding {
  const pre = normalizeVolume(wav16k, config.normalize);
  const slices = partialSlices(pre.length, config);
  const need = slices[slices.length - 1].wavStop;
  let input: Float32Array = pre;
  if (need >= pre.length) {
    input = new Float32Array(need);
    input.set(pre);
  }
  const mel = config.mel.frames(input);
  const nMels = config.mel.spec.nMels;
  const F = config.partialFrames;
  const batch = new Float32Array(slices.length * F * nMels);
  slices.forEach((s, b) => batch.set(mel.data.subarray(s.melStart * nMels, s.melStop * nMels), b * F * nMels));
  const out = session.runSync({ mels: { type: 'float32', data: batch, dims: [slices.length, F, nMels] } });
  const partials = out.embedding.data as Float32Array;
  const E = config.embeddingDim;
  const mean = new Float64Array(E);
  for (let b = 0; b < slices.length; b++) for (let i = 0; i < E; i++) mean[i] += partials[b * E + i] / slices.length;
  const norm = Math.hypot(...mean);
  return { embedding: Float32Array.from(mean, (v) => v / norm), partials, slices };
}
