/**
 * RTVC's speaker-encoder features (`wav_to_mel_spectrogram`): librosa's melspectrogram with power 2
 * and no log, a centred STFT (n_fft/2 zeros padded on each side, so frame i is centred on sample
 * i * hop) and Slaney mel filters. A signal of N samples gives 1 + floor(N / hop) frames.
 * The STFT and filters are clonecast's (src/pipeline/audio), fed the zero-padded signal.
 */
import type { FeatureSpec } from '../audio/featureSpec.js';
import { melFilterbank, type MelFilterbank } from '../audio/melFilterbank.js';
import { Stft } from '../audio/stft.js';

/** The FeatureSpec fields the encoder mel uses (manifest `features.rtvcEncoderMel`). */
export type EncoderMelSpec = Pick<FeatureSpec, 'sampleRate' | 'nFft' | 'winLength' | 'hopLength' | 'nMels' | 'fmin' | 'fmax'>;

/** Computes power-mel frames; reuse one per spec (it holds the FFT plan and the filters). */
export class EncoderMel {
  private readonly stft: Stft;
  private readonly filters: MelFilterbank;

  constructor(readonly spec: EncoderMelSpec) {
    this.stft = new Stft(spec);
    this.filters = melFilterbank(spec);
  }

  /** Row-major [frames][nMels] power mel of `wav` (centred framing, zero padding). */
  frames(wav: ArrayLike<number>): { readonly data: Float32Array; readonly frames: number } {
    const pad = this.spec.nFft >> 1;
    const padded = new Float64Array(wav.length + 2 * pad);
    for (let i = 0; i < wav.length; i++) padded[pad + i] = wav[i];
    const spec = this.stft.forward(padded);
    const { nMels, bins, start, width, weights, offset } = this.filters;
    const out = new Float32Array(spec.frames * nMels);
    for (let f = 0; f < spec.frames; f++) {
      for (let m = 0; m < nMels; m++) {
        let acc = 0;
        for (let j = 0; j < width[m]; j++) {
          const k = f * bins + start[m] + j;
          acc += weights[offset[m] + j] * (spec.re[k] * spec.re[k] + spec.im[k] * spec.im[k]);
        }
        out[f * nMels + m] = acc;
      }
    }
    return { data: out, frames: spec.frames };
  }
}
