import type { MelFrames } from '../types.js';
import { type FeatureSpec, validateFeatureSpec } from './featureSpec.js';
import { RealFft } from './fft.js';
import { type MelFilterbank, melFilterbank } from './melFilterbank.js';
import { Preemphasis } from './preemphasis.js';
import { periodicHann } from './window.js';

/** Log-mel frames plus, per frame, the RMS level of its raw samples (the VAD's input). */
export interface LogMelFrames extends MelFrames {
  /** dBFS of each frame's raw `winLength` samples, before pre-emphasis and window (floor -200). */
  readonly rmsDb: Float32Array;
}

/**
 * A streaming log-mel extractor. Samples arrive in pieces of any size; each push returns the
 * frames that the new samples complete. Framing is not centred (docs/models.md), so the
 * concatenated output equals the whole-signal computation frame for frame.
 */
export interface LogMelExtractor {
  readonly spec: FeatureSpec;
  /** Frames emitted so far. */
  readonly framesEmitted: number;
  /**
   * Feeds float samples in [-1, 1] at `spec.sampleRate` and returns the frames they complete,
   * row-major `[frames][nMels]`, natural-log mel. The input array is not kept.
   */
  push(samples: ArrayLike<number>): LogMelFrames;
  /** Starts a new signal (clears buffered samples and carried pre-emphasis). */
  reset(): void;
}

/** Creates a {@link LogMelExtractor} for one FeatureSpec (e.g. the manifest's `features.synthMel`). */
export function createLogMelExtractor(spec: FeatureSpec): LogMelExtractor {
  return new StreamingLogMel(validateFeatureSpec(spec));
}

/** Whole-signal log-mel of `samples` (the same frames as pushing them through an extractor). */
export function computeLogMel(samples: ArrayLike<number>, spec: FeatureSpec): LogMelFrames {
  return createLogMelExtractor(spec).push(samples);
}

/** Fixed extra room in the sample buffers beyond one window, so pushes rarely compact. */
const BUFFER_SLACK = 8192;

class StreamingLogMel implements LogMelExtractor {
  framesEmitted = 0;
  private readonly fft: RealFft;
  private readonly filters: MelFilterbank;
  private readonly window: Float64Array;
  private readonly preemphasis: Preemphasis;
  /** Raw and pre-emphasised samples not yet consumed, aligned: index i is the same sample. */
  private readonly raw: Float64Array;
  private readonly emphasised: Float64Array;
  private buffered = 0;
  private readonly frame: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(readonly spec: FeatureSpec) {
    this.fft = new RealFft(spec.nFft);
    this.filters = melFilterbank(spec);
    this.window = periodicHann(spec.winLength);
    this.preemphasis = new Preemphasis(spec.preemphasis);
    this.raw = new Float64Array(spec.winLength + BUFFER_SLACK);
    this.emphasised = new Float64Array(spec.winLength + BUFFER_SLACK);
    this.frame = new Float64Array(spec.winLength);
    this.re = new Float64Array(this.fft.bins);
    this.im = new Float64Array(this.fft.bins);
    this.spectrum = new Float64Array(this.fft.bins);
  }

  push(samples: ArrayLike<number>): LogMelFrames {
    const { winLength: win, hopLength: hop, nMels } = this.spec;
    // Frames this push completes, known in advance so the output is allocated once.
    const total = this.buffered + samples.length;
    const frames = total < win ? 0 : Math.floor((total - win) / hop) + 1;
    const data = new Float32Array(frames * nMels);
    const rmsDb = new Float32Array(frames);
    let emitted = 0;
    let read = 0;
    while (read < samples.length) {
      // Copy as much input as fits, then emit every complete frame and drop consumed samples.
      const take = Math.min(samples.length - read, this.raw.length - this.buffered);
      for (let i = 0; i < take; i++) this.raw[this.buffered + i] = samples[read + i];
      this.preemphasis.process(this.raw.subarray(this.buffered, this.buffered + take), this.emphasised.subarray(this.buffered, this.buffered + take));
      this.buffered += take;
      read += take;
      let start = 0;
      while (start + win <= this.buffered) {
        rmsDb[emitted] = this.computeFrame(start, data, emitted * nMels);
        emitted++;
        start += hop;
      }
      // hop <= winLength (validated), so start never passes the buffered samples.
      this.raw.copyWithin(0, start, this.buffered);
      this.emphasised.copyWithin(0, start, this.buffered);
      this.buffered -= start;
    }
    this.framesEmitted += emitted;
    return { data, frames, channels: nMels, rmsDb };
  }

  reset(): void {
    this.buffered = 0;
    this.framesEmitted = 0;
    this.preemphasis.reset();
  }

  /** Computes the frame starting at buffer index `start` into out[at..at+nMels); returns its RMS dB. */
  private computeFrame(start: number, out: Float32Array, at: number): number {
    const { winLength: win, power, logFloor } = this.spec;
    const { frame, window, raw, emphasised, re, im, spectrum, filters } = this;
    let energy = 0;
    for (let i = 0; i < win; i++) {
      const x = raw[start + i];
      energy += x * x;
      frame[i] = emphasised[start + i] * window[i];
    }
    this.fft.forward(frame, re, im);
    for (let k = 0; k < spectrum.length; k++) {
      const p = re[k] * re[k] + im[k] * im[k];
      spectrum[k] = power === 2 ? p : Math.sqrt(p);
    }
    for (let m = 0; m < filters.nMels; m++) {
      let sum = 0;
      const s = filters.start[m], o = filters.offset[m];
      for (let j = 0; j < filters.width[m]; j++) sum += filters.weights[o + j] * spectrum[s + j];
      out[at + m] = Math.log(Math.max(sum, logFloor));
    }
    return 20 * Math.log10(Math.max(Math.sqrt(energy / win), 1e-10));
  }
}
