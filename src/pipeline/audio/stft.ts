import type { FeatureSpec } from './featureSpec.js';
import { RealFft } from './fft.js';
import { periodicHann } from './window.js';

/** Complex spectra of consecutive frames, row-major `[frames][bins]` (bins = nFft/2 + 1). */
export interface Spectrogram {
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly frames: number;
  readonly bins: number;
}

/**
 * Short-time Fourier transform with the framing of a FeatureSpec (not centred: frame i covers
 * samples [i*hop, i*hop + winLength), periodic Hann, zero-padded to nFft) and its inverse by
 * weighted overlap-add, for Griffin-Lim and other phase work. Pre-emphasis is not applied here.
 */
export class Stft {
  readonly bins: number;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly frame: Float64Array;
  private readonly rowRe: Float64Array;
  private readonly rowIm: Float64Array;

  constructor(readonly spec: Pick<FeatureSpec, 'nFft' | 'winLength' | 'hopLength'>) {
    if (spec.winLength > spec.nFft || spec.hopLength > spec.winLength) throw new RangeError('STFT needs hopLength <= winLength <= nFft');
    this.fft = new RealFft(spec.nFft);
    this.bins = this.fft.bins;
    this.window = periodicHann(spec.winLength);
    this.frame = new Float64Array(spec.nFft);
    this.rowRe = new Float64Array(this.bins);
    this.rowIm = new Float64Array(this.bins);
  }

  /** Frames of `signal` (floor((N - win)/hop) + 1 of them, 0 when N < win). */
  forward(signal: ArrayLike<number>): Spectrogram {
    const { winLength: win, hopLength: hop } = this.spec;
    const frames = signal.length < win ? 0 : Math.floor((signal.length - win) / hop) + 1;
    const re = new Float64Array(frames * this.bins), im = new Float64Array(frames * this.bins);
    for (let f = 0; f < frames; f++) {
      for (let i = 0; i < win; i++) this.frame[i] = signal[f * hop + i] * this.window[i];
      this.fft.forward(this.frame.subarray(0, win), this.rowRe, this.rowIm);
      re.set(this.rowRe, f * this.bins);
      im.set(this.rowIm, f * this.bins);
    }
    return { re, im, frames, bins: this.bins };
  }

  /**
   * The signal whose STFT is closest to `spec` in the least-squares sense (Griffin & Lim's
   * weighted overlap-add): (frames - 1) * hop + winLength samples. Sample 0 (where the periodic
   * Hann window is exactly 0) is left at 0.
   */
  inverse(spec: Spectrogram): Float64Array {
    const { winLength: win, hopLength: hop, nFft } = this.spec;
    const n = spec.frames === 0 ? 0 : (spec.frames - 1) * hop + win;
    const out = new Float64Array(n);
    const norm = new Float64Array(n);
    const time = new Float64Array(nFft);
    for (let f = 0; f < spec.frames; f++) {
      this.fft.inverse(spec.re.subarray(f * this.bins, (f + 1) * this.bins), spec.im.subarray(f * this.bins, (f + 1) * this.bins), time);
      for (let i = 0; i < win; i++) {
        const w = this.window[i];
        out[f * hop + i] += time[i] * w;
        norm[f * hop + i] += w * w;
      }
    }
    for (let i = 0; i < n; i++) out[i] = norm[i] > 1e-11 ? out[i] / norm[i] : 0;
    return out;
  }
}
