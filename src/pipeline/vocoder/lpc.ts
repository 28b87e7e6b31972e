/**
 * Linear prediction from the mel (LPCNet's idea): each mel frame's spectral envelope gives
 * `order` prediction coefficients a for the samples of its hop block, p_t = -sum_k a[k] s_{t-1-k},
 * and the network only models the excitation. Same float64 arithmetic as MelLpc in
 * training/clonecast_train/vocoder/lpc.py (test/pipeline/vocoder/parity.test.ts holds them together):
 *
 *   band average magnitudes exp(logMel) / filter area, spread back to the FFT bins by the
 *   triangular filters (bins no filter covers take the nearest band's value) -> squared -> one-sided
 *   inverse DFT to autocorrelation lags 0..order, Gaussian lag window -> r[0] *= 1 + noiseFloor ->
 *   Levinson-Durbin.
 */
import type { FeatureSpec } from '../audio/featureSpec.js';
import { melFilterbank } from '../audio/melFilterbank.js';

/** The manifest's `vocoder.lpc`. */
export interface LpcSpec {
  /** Prediction order (coefficients per mel frame). */
  readonly order: number;
  /** Bandwidth of the Gaussian lag window (Hz): smooths the harmonic fine structure. */
  readonly lagWindowHz: number;
  /** White-noise correction: r[0] is multiplied by 1 + noiseFloor (keeps the filter stable). */
  readonly noiseFloor: number;
}

/** log-mel rows (FeatureSpec `spec`, natural log) -> prediction coefficients of A(z) = 1 + sum_k a[k] z^-(k+1). */
export class MelLpc {
  readonly order: number;
  private readonly nMels: number;
  private readonly bins: number;
  private readonly noiseFloor: number;
  /** Band b's weights on the bins, CSR: bins binIndex[bandStart[b] .. bandStart[b+1]) with binWeight. */
  private readonly bandStart: Int32Array;
  private readonly binIndex: Int32Array;
  private readonly binWeight: Float64Array;
  /** [bins][order + 1]: one-sided power spectrum -> lag-windowed autocorrelation. */
  private readonly basis: Float64Array;
  private readonly mag: Float64Array;
  private readonly r: Float64Array;
  private readonly a: Float64Array;
  private readonly aPrev: Float64Array;

  constructor(spec: Pick<FeatureSpec, 'sampleRate' | 'nFft' | 'nMels' | 'fmin' | 'fmax'>, lpc: LpcSpec) {
    const { order } = lpc;
    if (!Number.isInteger(order) || order < 1) throw new RangeError(`LPC order must be a positive integer (got ${order})`);
    this.order = order;
    this.noiseFloor = lpc.noiseFloor;
    const fb = melFilterbank(spec);
    const M = (this.nMels = fb.nMels), K = (this.bins = fb.bins);
    // mel_to_bins: spread[b][j] = fb[b][j] / sum_b' fb[b'][j], divided by band b's area.
    const colSum = new Float64Array(K);
    const area = new Float64Array(M);
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < fb.width[m]; i++) {
        const w = fb.weights[fb.offset[m] + i];
        colSum[fb.start[m] + i] += w;
        area[m] += w;
      }
    }
    // Bins no filter covers: those below band 0's peak take band 0, the others the last band.
    let centre0 = 0; // argmax of band 0 (its first maximum; 0 for an empty filter)
    for (let i = 0, best = 0; i < fb.width[0]; i++) {
      const w = fb.weights[fb.offset[0] + i];
      if (w > best) {
        best = w;
        centre0 = fb.start[0] + i;
      }
    }
    const perBand: { bin: number; weight: number }[][] = Array.from({ length: M }, () => []);
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < fb.width[m]; i++) {
        const j = fb.start[m] + i;
        const w = fb.weights[fb.offset[m] + i];
        if (colSum[j] > 0 && w !== 0) perBand[m].push({ bin: j, weight: w / Math.max(colSum[j], 1e-30) / area[m] });
      }
    }
    for (let j = 0; j < K; j++) {
      if (colSum[j] > 0) continue;
      const m = j < centre0 ? 0 : M - 1;
      perBand[m].push({ bin: j, weight: 1 / area[m] });
    }
    this.bandStart = new Int32Array(M + 1);
    const total = perBand.reduce((n, list) => n + list.length, 0);
    this.binIndex = new Int32Array(total);
    this.binWeight = new Float64Array(total);
    for (let m = 0, at = 0; m < M; m++) {
      this.bandStart[m] = at;
      for (const { bin, weight } of perBand[m]) {
        this.binIndex[at] = bin;
        this.binWeight[at++] = weight;
      }
      this.bandStart[m + 1] = at;
    }
    // autocorrelation_basis: weights 1/nFft at DC and Nyquist, 2/nFft elsewhere; cos; lag window.
    const { nFft, sampleRate } = spec;
    const lags = order + 1;
    const lagWindow = Float64Array.from({ length: lags }, (_, l) => Math.exp(-0.5 * ((2 * Math.PI * lpc.lagWindowHz * l) / sampleRate) ** 2));
    this.basis = new Float64Array(K * lags);
    for (let k = 0; k < K; k++) {
      const weight = (k === 0 || k === nFft >> 1 ? 1 : 2) / nFft;
      for (let l = 0; l < lags; l++) this.basis[k * lags + l] = weight * Math.cos((2 * Math.PI * k * l) / nFft) * lagWindow[l];
    }
    this.mag = new Float64Array(K);
    this.r = new Float64Array(lags);
    this.a = new Float64Array(order);
    this.aPrev = new Float64Array(order);
  }

  /**
   * Coefficients of one log-mel row: `logMel[at .. at + nMels)` -> `out[outAt .. outAt + order)`
   * (float64 arithmetic; a Float32Array `out` rounds them as the engines receive them). A row whose
   * filter is not finite (a log-mel so large that exp overflows) gets all zeros: no prediction.
   */
  coefficients(logMel: ArrayLike<number>, at: number, out: Float64Array | Float32Array, outAt = 0): void {
    const { nMels: M, order, mag, r, a, aPrev, basis } = this;
    const lags = order + 1;
    mag.fill(0);
    for (let m = 0; m < M; m++) {
      const e = Math.exp(logMel[at + m]);
      for (let i = this.bandStart[m]; i < this.bandStart[m + 1]; i++) mag[this.binIndex[i]] += e * this.binWeight[i];
    }
    r.fill(0);
    for (let k = 0; k < this.bins; k++) {
      const power = mag[k] * mag[k];
      if (power === 0) continue;
      for (let l = 0; l < lags; l++) r[l] += power * basis[k * lags + l];
    }
    r[0] *= 1 + this.noiseFloor;
    // Levinson-Durbin, as lpc.levinson.
    a.fill(0);
    let err = r[0];
    for (let i = 0; i < order; i++) {
      let acc = r[i + 1];
      for (let j = 0; j < i; j++) acc += a[j] * r[i - j];
      const k = -acc / Math.max(err, 1e-30);
      for (let j = 0; j < i; j++) aPrev[j] = a[j];
      for (let j = 0; j < i; j++) a[j] = aPrev[j] + k * aPrev[i - 1 - j];
      a[i] = k;
      err *= 1 - k * k;
    }
    // A mel far outside speech's range (exp overflowing) leaves no finite filter: predict nothing.
    const finite = a.every(Number.isFinite);
    for (let j = 0; j < order; j++) out[outAt + j] = finite ? a[j] : 0;
  }

  /** log-mel rows [rows][nMels] -> coefficients [rows][order] (float64). */
  rows(logMel: ArrayLike<number>, rows: number): Float64Array {
    const out = new Float64Array(rows * this.order);
    for (let q = 0; q < rows; q++) this.coefficients(logMel, q * this.nMels, out, q * this.order);
    return out;
  }
}
