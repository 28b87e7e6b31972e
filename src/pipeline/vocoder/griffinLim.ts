/**
 * Griffin-Lim: the weightless vocoder. Mel -> approximate magnitude spectrogram -> phase by
 * alternating projections (STFT consistency), streamed per chunk like the neural engine:
 * output block i needs frames i-2 .. i+2 (the frames whose windows overlap it), the stream state
 * keeps the last frames with their converged phases, and those phases stay fixed while new frames
 * converge, so chunks join without a phase jump.
 */
import { RealFft } from '../audio/fft.js';
import type { FeatureSpec } from '../audio/featureSpec.js';
import { melFilterbank } from '../audio/melFilterbank.js';
import { periodicHann } from '../audio/window.js';
import type { VocodeRequest, VocodeResult } from '../runtime/tasks.js';
import { advanceMel } from './melWindow.js';
import { deemphasize, highpassClip } from './mulaw.js';
import { fillUniforms } from './rng.js';
import { StateKind, decodeState, encodeState, type StreamState } from './streamState.js';

export interface GriffinLimOptions {
  /** Projection iterations per chunk (default 32). */
  readonly iterations?: number;
  /** Frames of left context kept with their phases (default 6). */
  readonly contextFrames?: number;
}

export class GriffinLimVocoder {
  readonly engine = 'griffin-lim';
  private readonly spec: FeatureSpec;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  /** [nMels][bins] triangle shapes (peak 1) and each filter's gain on a flat spectrum. */
  private readonly tri: Float64Array;
  private readonly gain: Float64Array;
  private readonly iterations: number;
  private readonly context: number;
  private readonly pad: number;
  private readonly offset: number;

  /** @param spec the synthMel FeatureSpec the mel frames were computed with */
  constructor(spec: FeatureSpec, options: GriffinLimOptions = {}) {
    this.spec = spec;
    this.fft = new RealFft(spec.nFft);
    this.window = periodicHann(spec.winLength);
    this.iterations = options.iterations ?? 32;
    this.context = options.contextFrames ?? 6;
    // Frames whose window overlaps frame i's hop block: i - pad .. i + pad.
    this.pad = Math.ceil((spec.winLength - spec.hopLength) / 2 / spec.hopLength);
    this.offset = (spec.winLength - spec.hopLength) / 2;
    const fb = melFilterbank(spec);
    this.tri = new Float64Array(spec.nMels * fb.bins);
    this.gain = new Float64Array(spec.nMels);
    for (let m = 0; m < spec.nMels; m++) {
      let peak = 0, sum = 0;
      for (let j = 0; j < fb.width[m]; j++) {
        const w = fb.weights[fb.offset[m] + j];
        peak = Math.max(peak, w);
        sum += w;
      }
      this.gain[m] = sum;
      for (let j = 0; j < fb.width[m]; j++) this.tri[m * fb.bins + fb.start[m] + j] = peak > 0 ? fb.weights[fb.offset[m] + j] / peak : 0;
    }
  }

  vocode(req: VocodeRequest): VocodeResult {
    const { nMels, hopLength: hop } = this.spec;
    const bins = this.fft.bins;
    const state = req.state
      ? decodeState(req.state, StateKind.GriffinLim, 0, (tailRows) => tailRows * bins * 2, nMels)
      : this.initialState(req.seed);
    const carriedRows = state.tailRows;
    const carriedPhase = state.vector;
    const win = advanceMel(state, req.mel, req.frames, req.final, this.pad, nMels, this.context);
    const samples = new Float32Array(win.blocks * hop);
    const rows = win.rowCount;
    const phase = new Float64Array(rows * bins * 2);
    // Rows carried from the last chunk keep their phase; the rest start random (seeded).
    const fixed = Math.min(carriedRows, carriedPhase.length / (2 * bins));
    for (let i = 0; i < fixed * bins * 2; i++) phase[i] = carriedPhase[i];
    if (rows > fixed) {
      const u = new Float32Array((rows - fixed) * bins);
      state.rng = fillUniforms(state.rng, u, u.length);
      for (let i = 0; i < u.length; i++) {
        const a = 2 * Math.PI * u[i];
        phase[(fixed * bins + i) * 2] = Math.cos(a);
        phase[(fixed * bins + i) * 2 + 1] = Math.sin(a);
      }
    }
    if (win.blocks > 0) {
      const mag = this.magnitudes(win.rows, rows);
      const signal = this.iterate(mag, phase, rows, fixed);
      const pre = new Float64Array(win.blocks * hop);
      for (let j = 0; j < win.blocks; j++) {
        const from = (win.firstBlockRow + j + this.pad) * hop + this.offset;
        for (let k = 0; k < hop; k++) pre[j * hop + k] = signal[from + k];
      }
      state.yPrev = deemphasize(pre, this.spec.preemphasis, state.yPrev);
      highpassClip(pre, this.spec.sampleRate, state.highpass, samples);
    }
    // Keep the phases of the rows carried on (the last state.tailRows rows).
    state.vector = Float32Array.from(phase.subarray((rows - state.tailRows) * bins * 2));
    return { samples, state: encodeState(state) };
  }

  /** log-mel rows -> magnitude spectra [rows][bins]: each mel value spread back over its filter's triangle. */
  private magnitudes(mel: Float32Array, rows: number): Float64Array {
    const { nMels } = this.spec;
    const bins = this.fft.bins;
    const mag = new Float64Array(rows * bins);
    for (let r = 0; r < rows; r++) {
      for (let m = 0; m < nMels; m++) {
        if (this.gain[m] === 0) continue;
        const level = Math.exp(mel[r * nMels + m]) / this.gain[m];
        const t = m * bins;
        for (let k = 0; k < bins; k++) {
          const w = this.tri[t + k];
          if (w !== 0) mag[r * bins + k] += w * level;
        }
      }
    }
    return mag;
  }

  /** Griffin-Lim iterations; rows below `fixed` keep their phase. Returns the time signal (pre-emphasised). */
  private iterate(mag: Float64Array, phase: Float64Array, rows: number, fixed: number): Float64Array {
    const { hopLength: hop, winLength: winLen, nFft } = this.spec;
    const bins = this.fft.bins;
    const w = this.window;
    const length = (rows - 1) * hop + winLen;
    const norm = new Float64Array(length);
    for (let r = 0; r < rows; r++) for (let n = 0; n < winLen; n++) norm[r * hop + n] += w[n] * w[n];
    const signal = new Float64Array(length);
    const re = new Float64Array(bins), im = new Float64Array(bins), frame = new Float64Array(nFft);
    for (let it = 0; it <= this.iterations; it++) {
      // Inverse STFT of magnitude x current phase (weighted overlap-add).
      signal.fill(0);
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < bins; k++) {
          const a = mag[r * bins + k];
          re[k] = a * phase[(r * bins + k) * 2];
          im[k] = a * phase[(r * bins + k) * 2 + 1];
        }
        this.fft.inverse(re, im, frame);
        for (let n = 0; n < winLen; n++) signal[r * hop + n] += frame[n] * w[n];
      }
      for (let n = 0; n < length; n++) signal[n] = norm[n] > 1e-8 ? signal[n] / norm[n] : 0;
      if (it === this.iterations) break;
      // Forward STFT: keep the new phase of rows not fixed.
      for (let r = fixed; r < rows; r++) {
        for (let n = 0; n < winLen; n++) frame[n] = signal[r * hop + n] * w[n];
        for (let n = winLen; n < nFft; n++) frame[n] = 0;
        this.fft.forward(frame, re, im);
        for (let k = 0; k < bins; k++) {
          const m = Math.hypot(re[k], im[k]);
          const i = (r * bins + k) * 2;
          if (m > 1e-12) {
            phase[i] = re[k] / m;
            phase[i + 1] = im[k] / m;
          }
        }
      }
    }
    return signal;
  }

  private initialState(seed: number): StreamState {
    return {
      kind: StateKind.GriffinLim, model: 0, rng: seed >>> 0, prev: 0, yPrev: 0, highpass: new Float64Array(4), framesSeen: 0, blocksEmitted: 0,
      finished: false, vector: new Float32Array(0), tail: new Float32Array(0), tailRows: 0,
    };
  }
}
